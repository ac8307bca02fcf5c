import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import {
  createCliTestDatabase,
  createTempDir,
  findFreePort,
  freshTenantId,
  runCli,
  spawnCli,
  waitForExit,
  waitForOutput,
  type CliTestDatabase,
} from '../test/cli-harness.ts';
import { copyFilesTo, patientBundlesBySize } from '../test/synthea.ts';

type Server = { child: ReturnType<typeof spawnCli>; baseUrl: string; port: number };

/**
 * The shipped code systems are not what these tests are about, and loading them on first start
 * takes minutes on a busy machine.
 */
const WITHOUT_TERMINOLOGY = { CAREGRAPH_TERMINOLOGY: 'false' };

/** Starts `caregraph serve` on a free port and waits until `/readyz` answers 200. */
async function startServe(env: Record<string, string>): Promise<Server> {
  const port = await findFreePort();
  const child = spawnCli(['serve'], {
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'info',
    ...WITHOUT_TERMINOLOGY,
    ...env,
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`serve exited with ${child.exitCode}:\n${child.output.stdout}\n${child.output.stderr}`);
    }
    const ready = await fetch(`${baseUrl}/readyz`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ready) {
      return { child, baseUrl, port };
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`serve did not become ready:\n${child.output.stdout}\n${child.output.stderr}`);
    }
    await delay(100);
  }
}

/** Sends SIGTERM and resolves to the exit code. */
async function stopServe(server: Server): Promise<number | null> {
  server.child.kill('SIGTERM');
  return (await waitForExit(server.child)).code;
}

/** Whether a new TCP connection to the port is refused. */
function isRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

/** The JSON log lines a server wrote to stdout. */
function logLines(server: Server): Array<Record<string, unknown>> {
  return server.child.output.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The token endpoint's answer to a client_credentials request. */
function requestToken(server: Server, clientId: string, clientSecret: string): Promise<Response> {
  return fetch(`${server.baseUrl}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
}

/** An access token of the client, as a script gets one. */
async function fetchToken(server: Server, clientId: string, clientSecret: string): Promise<string> {
  const response = await requestToken(server, clientId, clientSecret);
  assert.equal(response.status, 200);
  return ((await response.json()) as { access_token: string }).access_token;
}

async function countPatients(server: Server, token: string): Promise<number> {
  const response = await fetch(`${server.baseUrl}/fhir/R4/Patient?_count=100`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(response.status, 200);
  const bundle = (await response.json()) as { entry?: unknown[] };
  return bundle.entry?.length ?? 0;
}

describe('caregraph serve', () => {
  let database: CliTestDatabase;

  before(() => {
    database = createCliTestDatabase('serve');
  });

  after(() => database.remove());

  it(
    'finishes an in-flight transaction on SIGTERM, refuses new connections, and exits 0',
    { timeout: 5 * 60_000 },
    async () => {
      const clientSecret = randomBytes(32).toString('base64url');
      const server = await startServe({
        ...database.env,
        CAREGRAPH_BOOTSTRAP_CLIENT_ID: 'serve-test',
        CAREGRAPH_BOOTSTRAP_CLIENT_SECRET: clientSecret,
        CAREGRAPH_TENANT: freshTenantId(),
      });
      const token = await fetchToken(server, 'serve-test', clientSecret);
      // The three largest Synthea patients in one transaction: a few seconds of work.
      const entries = patientBundlesBySize(100)
        .slice(-3)
        .flatMap((file) => (JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as { entry: unknown[] }).entry);
      const body = JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: entries });

      // 1. Post a large transaction and wait until the server has started on it.
      let isDone = false;
      const inFlight = fetch(`${server.baseUrl}/fhir/R4`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
        body,
      }).then(async (response) => {
        isDone = true;
        return {
          status: response.status,
          body: (await response.json()) as { type?: string; entry?: Array<{ response?: { status?: string } }> },
        };
      });
      await waitForOutput(server.child, ({ stdout }) =>
        /"method":"POST","path":"\/fhir\/R4"\},"msg":"incoming request"/.test(stdout),
      );

      // 2. SIGTERM while it runs: the listening socket closes at once.
      server.child.kill('SIGTERM');
      const refusedBy = Date.now() + 10_000;
      while (!(await isRefused(server.port))) {
        assert.ok(Date.now() < refusedBy, 'new connections were still accepted 10 s after SIGTERM');
        await delay(20);
      }
      assert.equal(isDone, false, 'the transaction finished before SIGTERM; use a larger bundle');

      // 3. The in-flight request still completes, in full.
      const result = await inFlight;
      assert.equal(result.status, 200);
      assert.equal(result.body.type, 'transaction-response');
      assert.equal(result.body.entry?.length, entries.length);
      assert.ok(result.body.entry?.every((entry) => /^20[01]/.test(entry.response?.status ?? '')));

      // 4. Then the process exits 0 and nothing listens any more.
      const exit = await waitForExit(server.child);
      assert.equal(exit.code, 0, `${exit.stderr}\n${exit.stdout.slice(-3000)}`);
      assert.ok(
        logLines(server).some(
          (line) => line.msg === 'shutting down: finishing in-flight requests' && line.signal === 'SIGTERM',
        ),
      );
      assert.equal(await isRefused(server.port), true);
    },
  );

  it(
    'keeps the audit entry of every read it answered when it is killed (SIGKILL), each once',
    { timeout: 5 * 60_000 },
    async () => {
      const clientSecret = randomBytes(32).toString('base64url');
      const tenantId = freshTenantId();
      const env = {
        ...database.env,
        CAREGRAPH_BOOTSTRAP_CLIENT_ID: 'serve-kill-test',
        CAREGRAPH_BOOTSTRAP_CLIENT_SECRET: clientSecret,
        CAREGRAPH_TENANT: tenantId,
        // No tree head while it runs: every entry still waits where the read left it when the kill comes.
        CAREGRAPH_AUDIT_PUBLISH_INTERVAL_MS: '3600000',
      };
      const server = await startServe(env);
      const token = await fetchToken(server, 'serve-kill-test', clientSecret);
      const created = await fetch(`${server.baseUrl}/fhir/R4/Patient`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
        body: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Killtest', given: ['Audit'] }] }),
      });
      assert.equal(created.status, 201);
      const patientId = ((await created.json()) as { id: string }).id;

      // 1. Eight clients read the patient until the server is killed under them.
      let answered = 0;
      let isKilled = false;
      const reader = async () => {
        while (!isKilled) {
          try {
            const response = await fetch(`${server.baseUrl}/fhir/R4/Patient/${patientId}`, {
              headers: { authorization: `Bearer ${token}` },
            });
            await response.arrayBuffer();
            if (response.status === 200) {
              answered++;
            }
          } catch {
            // the connection died with the server
          }
        }
      };
      const readers = Array.from({ length: 8 }, reader);
      await delay(1500);
      // Listened for before the kill: `close` may come while the readers wind down.
      const exited = waitForExit(server.child);
      server.child.kill('SIGKILL');
      isKilled = true;
      await Promise.all(readers);
      assert.equal((await exited).signal, 'SIGKILL');
      assert.ok(answered > 20, `only ${answered} reads were answered before the kill`);
      if (database.mode === 'embedded') {
        // The embedded server journals entries of reads (the integrator imports them), so the kill found them there.
        const journal = path.join(database.dataDir, 'audit-journal');
        assert.ok(readdirSync(journal).some((file) => statSync(path.join(journal, file)).size > 0));
      }

      // 2. The next start (here the command line) puts every entry in the tree.
      const integrated = await runCli(['audit', 'publish'], env);
      assert.equal(integrated.code, 0, integrated.stderr);
      const db = await database.open();
      try {
        const { rows } = await db.query<{ reads: number; ids: number }>(
          `SELECT count(*)::int AS reads, count(DISTINCT content::jsonb ->> 'id')::int AS ids FROM audit_entry
           WHERE content::jsonb ->> 'tenant' = $1 AND content::jsonb ->> 'interaction' = 'read'
             AND content::jsonb -> 'entities' ? $2`,
          [tenantId, `Patient/${patientId}`],
        );
        // Reads answered have their entry; reads cut off by the kill may too. None is there twice.
        assert.ok((rows[0]?.reads ?? 0) >= answered, `${rows[0]?.reads} entries for ${answered} answered reads`);
        assert.equal(rows[0]?.ids, rows[0]?.reads);
        const { rows: pending } = await db.query<{ count: number }>(
          `SELECT count(*)::int AS count FROM audit_entry e
           WHERE e.content::jsonb ->> 'tenant' = $1
             AND NOT EXISTS (SELECT 1 FROM audit_leaf l WHERE l.entry_txid = e.txid AND l.entry_seq = e.seq)`,
          [tenantId],
        );
        assert.equal(pending[0]?.count, 0);
      } finally {
        await db.close();
      }
      const verified = await runCli(['audit', 'verify'], env);
      assert.equal(verified.code, 0, verified.stderr);
    },
  );

  it(
    'answers /readyz with 503 during the shutdown delay while still serving, then exits 0',
    { timeout: 5 * 60_000 },
    async () => {
      const server = await startServe({
        ...database.env,
        CAREGRAPH_TENANT: freshTenantId(),
        CAREGRAPH_SHUTDOWN_DELAY_MS: '1500',
      });
      const before = await fetch(`${server.baseUrl}/readyz`);
      assert.deepEqual(await before.json(), { status: 'ready', database: database.mode });

      // 1. SIGTERM: not ready any more, but still alive and accepting connections.
      server.child.kill('SIGTERM');
      await waitForOutput(server.child, ({ stdout }) => stdout.includes('shutting down'));
      const ready = await fetch(`${server.baseUrl}/readyz`);
      const healthy = await fetch(`${server.baseUrl}/healthz`);

      assert.equal(ready.status, 503);
      assert.deepEqual(await ready.json(), { status: 'shutting-down' });
      assert.equal(healthy.status, 200);
      // 2. After the delay it closes and exits cleanly.
      assert.equal((await waitForExit(server.child)).code, 0);
    },
  );

  it(
    'exits 1 promptly, naming the cause, when its port is taken, and leaves the database free',
    { timeout: 5 * 60_000 },
    async () => {
      const port = await findFreePort();
      const blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
      try {
        const child = spawnCli(['serve'], {
          ...database.env,
          ...WITHOUT_TERMINOLOGY,
          HOST: '127.0.0.1',
          PORT: String(port),
          CAREGRAPH_TENANT: freshTenantId(),
        });
        await waitForOutput(child, ({ stderr }) => stderr.includes('EADDRINUSE'));
        const failedAt = performance.now();

        const result = await waitForExit(child);

        assert.equal(result.code, 1);
        assert.match(result.stderr, /^error: .*EADDRINUSE/m);
        // An open database pool would keep the process alive for its idle timeout (10 s).
        assert.ok(performance.now() - failedAt < 5_000, 'serve lingered after failing to start');
      } finally {
        blocker.close();
      }
      // The embedded data directory was unlocked on the way out.
      const db = await database.open();
      await db.close();
    },
  );

  describe('first start and restart', () => {
    const tenant = freshTenantId('demo');
    let demoDir: ReturnType<typeof createTempDir>;
    let env: Record<string, string>;
    let clientSecret = '';

    before(() => {
      demoDir = createTempDir('demo-data');
      copyFilesTo(patientBundlesBySize(2), demoDir.path);
      env = {
        ...database.env,
        CAREGRAPH_DATA_DIR: path.join(path.dirname(database.dataDir), 'demo-node'),
        CAREGRAPH_TENANT: tenant,
        CAREGRAPH_DEMO_DATA: 'true',
        CAREGRAPH_DEMO_DATA_DIR: demoDir.path,
      };
      mkdirSync(env.CAREGRAPH_DATA_DIR ?? '', { recursive: true });
    });

    after(() => demoDir.remove());

    it(
      'loads the demo data and writes a generated bootstrap client secret to a private file that works',
      { timeout: 5 * 60_000 },
      async () => {
        const dataDir = env.CAREGRAPH_DATA_DIR ?? '';
        const secretFile = path.join(dataDir, 'client-secret');
        assert.equal(existsSync(secretFile), false);

        const server = await startServe(env);
        try {
          // 1. The secret file: private, one secret, not in the logs; the log says how to use it.
          assert.equal(statSync(secretFile).mode & 0o777, 0o600);
          clientSecret = readFileSync(secretFile, 'utf8').trim();
          assert.ok(clientSecret.length >= 32);
          assert.ok(!server.child.output.stdout.includes(clientSecret), 'the generated secret was logged');
          const told = logLines(server).find(
            (line) =>
              line.msg ===
              'no CAREGRAPH_BOOTSTRAP_CLIENT_SECRET set; the bootstrap client secret is in the secret file',
          );
          assert.equal(told?.clientId, 'caregraph-bootstrap');
          assert.equal(told?.tokenEndpoint, `${server.baseUrl}/oauth/token`);
          assert.equal(existsSync(path.join(dataDir, 'api-key')), false, 'an API key was still generated');
          // 2. The demo data was loaded, once, without errors.
          const loaded = logLines(server).filter((line) => line.msg === 'demo data loaded');
          assert.equal(loaded.length, 1);
          assert.equal(loaded[0]?.errors, 0);
          // 3. The secret gets a token that reads the demo patients; a wrong secret gets none.
          assert.equal(await countPatients(server, await fetchToken(server, 'caregraph-bootstrap', clientSecret)), 2);
          assert.equal((await requestToken(server, 'caregraph-bootstrap', `${clientSecret}x`)).status, 401);
          const wrong = await fetch(`${server.baseUrl}/fhir/R4/Patient`, {
            headers: { authorization: 'Bearer not-the-key-0000000000' },
          });
          assert.equal(wrong.status, 401);
        } finally {
          assert.equal(await stopServe(server), 0);
        }
      },
    );

    it(
      'does not load the demo data again on restart, keeps the secret, and refuses a configured API key',
      { timeout: 5 * 60_000 },
      async () => {
        assert.ok(clientSecret, 'needs the first start');
        const apiKey = randomBytes(24).toString('base64url');

        const server = await startServe({ ...env, CAREGRAPH_API_KEY: apiKey });
        try {
          assert.equal(
            readFileSync(path.join(env.CAREGRAPH_DATA_DIR ?? '', 'client-secret'), 'utf8').trim(),
            clientSecret,
          );
          assert.equal(
            logLines(server).some((line) => line.msg === 'demo data loaded'),
            false,
          );
          assert.equal(await countPatients(server, await fetchToken(server, 'caregraph-bootstrap', clientSecret)), 2);
          // The configured key is recognised, and refused with the way to a token.
          assert.ok(logLines(server).some((line) => line.level === 40 && line.setting === 'CAREGRAPH_API_KEY'));
          const byKey = await fetch(`${server.baseUrl}/fhir/R4/Patient`, {
            headers: { authorization: `Bearer ${apiKey}` },
          });
          assert.equal(byKey.status, 403);
          const outcome = (await byKey.json()) as { issue: Array<{ code: string; details?: { text?: string } }> };
          assert.equal(outcome.issue[0]?.code, 'forbidden');
          assert.match(outcome.issue[0]?.details?.text ?? '', /client_credentials/);
        } finally {
          assert.equal(await stopServe(server), 0);
        }
      },
    );
  });
});
