import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp, type TestTenant } from '../../../test/create-test-app.ts';
import { buildObservation, buildPatient, createResource, FHIR } from '../../fhir/fhir-test-support.ts';

/** The part of the `ws` client these tests use (the package ships no type declarations). */
type WsClient = {
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'close', listener: (code: number) => void): void;
  on(event: 'unexpected-response', listener: (request: unknown, response: { statusCode: number }) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  on(event: 'open', listener: () => void): void;
  send(data: string): void;
  close(): void;
};
type WsConstructor = new (url: string, options?: { headers?: Record<string, string> }) => WsClient;
const WebSocket = createRequire(import.meta.url)('ws') as WsConstructor;

type Message = {
  type: string;
  ref?: string;
  node?: { ref: string; label: string };
  edges?: Array<{ relation: string }>;
};

/** A client socket that records what it receives, with a way to wait for a message or the close. */
function connect(url: string, headers: Record<string, string> = {}) {
  const socket = new WebSocket(url, { headers });
  const received: Array<{ message: Message; at: number }> = [];
  let onChange = () => {};
  let closeCode: number | undefined;
  let httpStatus: number | undefined;
  let isOpen = false;
  socket.on('open', () => {
    isOpen = true;
    onChange();
  });
  socket.on('message', (data) => {
    received.push({ message: JSON.parse(data.toString()) as Message, at: performance.now() });
    onChange();
  });
  socket.on('close', (code) => {
    closeCode = code;
    onChange();
  });
  socket.on('unexpected-response', (_request, response) => {
    httpStatus = response.statusCode;
    onChange();
  });
  socket.on('error', () => {});
  const waitFor = <T>(check: () => T | undefined, what: string, ms = 3000): Promise<T> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
      onChange = () => {
        const found = check();
        if (found !== undefined) {
          clearTimeout(timer);
          resolve(found);
        }
      };
      onChange();
    });
  return {
    socket,
    received,
    next: (predicate: (message: Message) => boolean, what: string) =>
      waitFor(() => received.find((item) => predicate(item.message)), what),
    closed: () => waitFor(() => closeCode, 'the close'),
    opened: () => waitFor(() => (isOpen ? true : undefined), 'the open'),
    refused: () => waitFor(() => httpStatus, 'an HTTP answer'),
  };
}

describe('the live journey WebSocket', () => {
  let testApp: TestApp;
  let tenant: TestTenant;
  /** The tenant client's access token, as a browser or script would send it. */
  let token: string;
  let origin = '';
  let patient = '';
  let otherPatient = '';
  let listens = 0;

  before(async () => {
    testApp = await createTestApp();
    // Count LISTENs: the hub must open one per process, not one per socket.
    const listen = testApp.db.listen;
    testApp.db.listen = (channel, callback) => {
      listens++;
      return listen(channel, callback);
    };
    await testApp.app.listen({ port: 0, host: '127.0.0.1' });
    origin = `ws://127.0.0.1:${(testApp.app.server.address() as AddressInfo).port}`;
    tenant = await testApp.createTestTenant();
    token = await tenant.accessToken();
    patient = (await createResource(tenant, buildPatient())).id;
    otherPatient = (await createResource(tenant, buildPatient())).id;
  });

  after(() => testApp.close());

  const liveUrl = (id: string) => `${origin}/api/patients/${id}/journey/live`;

  it('sends a new node within a second of the write, and its removal on delete', async (t) => {
    const watcher = connect(liveUrl(patient), { authorization: `Bearer ${token}` });
    const second = connect(liveUrl(patient), { authorization: `Bearer ${token}` });
    const bystander = connect(liveUrl(otherPatient), { authorization: `Bearer ${token}` });
    try {
      for (const client of [watcher, second, bystander]) {
        await client.next((message) => message.type === 'ready', 'ready');
      }

      // 1. A write through the FHIR API; its response means the transaction committed (the
      //    message may even arrive before the response does).
      const sent = performance.now();
      const observation = await createResource(tenant, buildObservation(patient));
      const answered = performance.now();
      const ref = `Observation/${observation.id}`;
      const upsert = await watcher.next(
        (message) => message.type === 'upsert' && message.node?.ref === ref,
        'the upsert',
      );
      t.diagnostic(
        `live update ${(upsert.at - sent).toFixed(1)} ms after the write was sent, ${(upsert.at - answered).toFixed(1)} ms after its response`,
      );
      assert.ok(upsert.at - sent < 1000, `${upsert.at - sent} ms`);
      assert.equal(upsert.message.node?.label, 'Heart rate');
      await second.next((message) => message.node?.ref === ref, 'the upsert on the second socket');

      // 2. The delete.
      assert.equal((await tenant.request({ method: 'DELETE', url: `${FHIR}/${ref}` })).statusCode, 204);
      await watcher.next((message) => message.type === 'delete' && message.ref === ref, 'the delete');

      // 3. The other patient's watcher saw none of it, and one LISTEN serves every socket.
      assert.deepEqual(
        bystander.received.map((item) => item.message.type),
        ['ready'],
      );
      assert.equal(listens, 1);
    } finally {
      for (const client of [watcher, second, bystander]) {
        client.socket.close();
      }
    }
  });

  it('sends the edges of the new node, so a client can link it into the graph', async () => {
    const watcher = connect(liveUrl(patient), { authorization: `Bearer ${token}` });
    try {
      await watcher.next((message) => message.type === 'ready', 'ready');
      const first = await createResource(
        tenant,
        buildObservation(patient, { effectiveDateTime: '2030-01-01T00:00:00Z' }),
      );
      const derived = await createResource(
        tenant,
        buildObservation(patient, {
          effectiveDateTime: '2030-01-02T00:00:00Z',
          derivedFrom: [{ reference: `Observation/${first.id}` }],
        }),
      );

      const upsert = await watcher.next(
        (message) => message.type === 'upsert' && message.node?.ref === `Observation/${derived.id}`,
        'the upsert',
      );
      assert.deepEqual(upsert.message.edges?.map((edge) => edge.relation).sort(), ['derived-from', 'next']);
    } finally {
      watcher.socket.close();
    }
  });

  it('lets a browser, which cannot send the header, authenticate with its first message', async () => {
    const watcher = connect(liveUrl(patient));
    try {
      await watcher.opened();
      watcher.socket.send(JSON.stringify({ type: 'authenticate', token }));
      await watcher.next((message) => message.type === 'ready', 'ready');
      const observation = await createResource(tenant, buildObservation(patient));

      await watcher.next((message) => message.node?.ref === `Observation/${observation.id}`, 'the upsert');
    } finally {
      watcher.socket.close();
    }
  });

  it('closes a socket whose first message is a wrong credential, without sending anything', async () => {
    const watcher = connect(liveUrl(patient));
    await watcher.opened();
    watcher.socket.send(JSON.stringify({ type: 'authenticate', token: 'not-a-key' }));

    assert.equal(await watcher.closed(), 4401);
    assert.deepEqual(watcher.received, []);
  });

  it('refuses the upgrade for a wrong header or an unknown patient', async () => {
    const wrongKey = connect(liveUrl(patient), { authorization: 'Bearer not-a-key' });
    assert.equal(await wrongKey.refused(), 401);

    const unknown = connect(liveUrl('no-such-patient'), { authorization: `Bearer ${token}` });
    assert.equal(await unknown.refused(), 404);
  });
});
