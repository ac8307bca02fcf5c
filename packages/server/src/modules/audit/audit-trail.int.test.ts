import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AuditEvent, Bundle, Patient } from '@medplum/fhirtypes';
import { buildObservation, buildPatient, FHIR, json } from '../fhir/fhir-test-support.ts';
import { hashEntry, type AuditEntry } from './audit-entry.ts';
import { createAuditTestApp, readEntries, type AuditTestApp, type AuditTestTenant } from './audit-test-support.ts';
import { verifyConsistency, verifyInclusion } from './merkle.ts';
import { readLogFromDatabase } from './log-export.ts';
import { isTreeHeadSignatureValid } from './signing-key.ts';
import { verifyLog } from './verify-log.ts';

type HeadJson = { treeSize: number; rootHash: string; timestampMs: number; keyId: string; signature: string };
const toHead = (head: HeadJson) => ({
  ...head,
  rootHash: Buffer.from(head.rootHash, 'hex'),
  signature: Buffer.from(head.signature, 'hex'),
});

describe('the audit trail', () => {
  let testApp: AuditTestApp;
  let tenantId: string;
  let admin: AuditTestTenant;
  let wardApp: AuditTestTenant;
  let officer: AuditTestTenant;
  let patient: Patient & { id: string };

  before(async () => {
    testApp = await createAuditTestApp();
    const tenant = await testApp.createTenant({
      'front-desk': ['admin'],
      // A system client reaches every patient whatever the tenant's access policy: what is tested
      // here is the recording, not who may read what.
      'ward-app': ['service'],
      'privacy-office': ['privacy-officer'],
    });
    tenantId = tenant.id;
    admin = tenant.as('front-desk');
    wardApp = tenant.as('ward-app');
    officer = tenant.as('privacy-office');
  });

  after(() => testApp.close());

  it('records who created, read and searched what, from where and why, without clinical content', async () => {
    // 1. A ward system creates a patient and an observation, reads and searches, giving a purpose.
    const headers = { 'x-purpose-of-use': 'TREAT' };
    const created = await wardApp.request({
      method: 'POST',
      url: `${FHIR}/Patient`,
      payload: buildPatient(),
      headers,
    });
    assert.equal(created.statusCode, 201, created.body);
    patient = json<Patient & { id: string }>(created);
    const observation = await wardApp.request({
      method: 'POST',
      url: `${FHIR}/Observation`,
      payload: buildObservation(patient.id),
      headers,
    });
    assert.equal(observation.statusCode, 201);
    const observationId = json<{ id: string }>(observation).id;
    assert.equal(
      (await wardApp.request({ method: 'GET', url: `${FHIR}/Patient/${patient.id}`, headers })).statusCode,
      200,
    );
    const search = await wardApp.request({
      method: 'GET',
      url: `${FHIR}/Observation?subject=Patient/${patient.id}`,
      headers: { 'x-break-glass-reason': 'unconscious in the emergency department' },
    });
    assert.equal(search.statusCode, 200);

    // 2. The entries name the agent, address, purpose, resources and patient.
    const entries = await readEntries(testApp.db, tenantId);
    const byInteraction = (interaction: string) => entries.filter((entry) => entry.interaction === interaction);
    // The client's token issue is its authentication.
    const login = entries.find((entry) => entry.type === 'login' && entry.agent.name === `client:${wardApp.agentName}`);
    assert.equal(login?.interaction, 'oauth.token-issued');
    assert.equal(login?.outcome, '0');
    const creates = byInteraction('create');
    assert.deepEqual(
      creates.map((entry) => entry.entities),
      [[`Patient/${patient.id}`], [`Observation/${observationId}`]],
    );
    for (const entry of creates) {
      assert.equal(entry.action, 'C');
      assert.deepEqual(entry.patients, [patient.id]);
      assert.deepEqual(entry.agent, {
        kind: 'system',
        name: wardApp.agentName,
        roles: ['service'],
        address: '127.0.0.1',
      });
      assert.deepEqual(entry.purpose, { code: 'TREAT' });
    }
    const [read] = byInteraction('read');
    assert.equal(read?.action, 'R');
    assert.deepEqual(read?.entities, [`Patient/${patient.id}`]);
    const [found] = byInteraction('search-type');
    assert.equal(found?.action, 'E');
    assert.deepEqual(found?.entities, [`Observation/${observationId}`]);
    assert.deepEqual(found?.patients, [patient.id]);
    assert.deepEqual(found?.query, ['subject']);
    assert.deepEqual(found?.purpose, { code: 'BTG', reason: 'unconscious in the emergency department' });
    // Names, birth dates and values never enter the trail.
    const text = JSON.stringify(entries);
    for (const clinical of [patient.name?.[0]?.family ?? '', patient.birthDate ?? '', 'beats']) {
      assert.ok(clinical !== '' && !text.includes(clinical), `the trail holds "${clinical}"`);
    }
  });

  it('refuses an unknown purpose of use and records nothing for the refused request', async () => {
    const before = (await readEntries(testApp.db, tenantId)).length;
    const response = await wardApp.request({
      method: 'GET',
      url: `${FHIR}/Patient/${patient.id}`,
      headers: { 'x-purpose-of-use': 'CURIOSITY' },
    });
    assert.equal(response.statusCode, 400);
    assert.match(response.body, /Unknown purpose of use/);
    assert.equal((await readEntries(testApp.db, tenantId)).length, before);
  });

  it('leaves no entry for a write that rolled back', async () => {
    const marker = buildPatient();
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:a', resource: marker, request: { method: 'PUT', url: 'Patient/rolled-back' } },
        { resource: { resourceType: 'Patient', birthDate: 'not a date' }, request: { method: 'POST', url: 'Patient' } },
      ],
    };
    const response = await wardApp.request({ method: 'POST', url: FHIR, payload: bundle });
    assert.equal(response.statusCode, 400, response.body);
    const entries = await readEntries(testApp.db, tenantId);
    assert.equal(entries.filter((entry) => entry.entities.includes('Patient/rolled-back')).length, 0);
  });

  it('records failed authentications, outside any tenant', async () => {
    const response = await testApp.app.inject({
      method: 'GET',
      url: `${FHIR}/Patient`,
      headers: { authorization: 'Bearer not-a-key-at-all' },
    });
    assert.equal(response.statusCode, 401);
    const refused = (await readEntries(testApp.db, null)).filter((entry) => entry.outcome === '4');
    const entry = refused.at(-1);
    assert.equal(entry?.type, 'login');
    assert.equal(entry?.detail, 'Invalid credentials');
    assert.doesNotMatch(JSON.stringify(refused), /not-a-key-at-all/);
  });

  it('records journey views as reads of the patient', async () => {
    const response = await wardApp.request({ method: 'GET', url: `/api/patients/${patient.id}/journey` });
    assert.equal(response.statusCode, 200, response.body);
    const entries = await readEntries(testApp.db, tenantId);
    const journey = entries.find((entry) => entry.detail === '/api/patients/:id/journey');
    assert.deepEqual(journey?.patients, [patient.id]);
    assert.equal(journey?.action, 'R');
  });

  it('publishes signed tree heads with inclusion and consistency proofs that verify', async () => {
    // 1. Publish a head and check its signature with the published key.
    const first = await admin.request({ method: 'POST', url: '/api/audit/tree-heads' });
    assert.equal(first.statusCode, 200, first.body);
    const firstHead = json<HeadJson>(first);
    const keys = json<{ currentKeyId: string; keys: Array<{ keyId: string; publicKey: string }> }>(
      await admin.request({ method: 'GET', url: '/api/audit/public-keys' }),
    );
    const publicKey = keys.keys.find((key) => key.keyId === firstHead.keyId)?.publicKey ?? '';
    assert.equal(isTreeHeadSignatureValid(toHead(firstHead), publicKey), true);

    // 2. Prove an entry is in it: the leaf hash recomputed from the entry, then the path to the root.
    const [entry] = (await readEntries(testApp.db, tenantId)).filter((item) => item.interaction === 'create');
    const inclusion = await admin.request({ method: 'GET', url: `/api/audit/proofs/inclusion?entryId=${entry?.id}` });
    assert.equal(inclusion.statusCode, 200, inclusion.body);
    const proof = json<{ leafIndex: number; entry: string; leafHash: string; treeHead: HeadJson; proof: string[] }>(
      inclusion,
    );
    assert.equal(hashEntry(proof.leafIndex, proof.entry).toString('hex'), proof.leafHash);
    assert.equal(
      verifyInclusion({
        leafIndex: proof.leafIndex,
        treeSize: proof.treeHead.treeSize,
        leafHash: Buffer.from(proof.leafHash, 'hex'),
        proof: proof.proof.map((hash) => Buffer.from(hash, 'hex')),
        rootHash: Buffer.from(proof.treeHead.rootHash, 'hex'),
      }),
      true,
    );

    // 3. More activity, a new head, and a consistency proof from the first head to it.
    await wardApp.request({ method: 'GET', url: `${FHIR}/Patient/${patient.id}` });
    const second = json<HeadJson>(await admin.request({ method: 'POST', url: '/api/audit/tree-heads' }));
    assert.ok(second.treeSize > firstHead.treeSize);
    const consistency = json<{ proof: string[] }>(
      await admin.request({
        method: 'GET',
        url: `/api/audit/proofs/consistency?first=${firstHead.treeSize}&second=${second.treeSize}`,
      }),
    );
    assert.equal(
      verifyConsistency({
        first: firstHead.treeSize,
        second: second.treeSize,
        firstHash: Buffer.from(firstHead.rootHash, 'hex'),
        secondHash: Buffer.from(second.rootHash, 'hex'),
        proof: consistency.proof.map((hash) => Buffer.from(hash, 'hex')),
      }),
      true,
    );
  });

  it('serves the trail as FHIR AuditEvent, searchable by patient, agent, date and action', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const search = async (query: string) => {
      const response = await officer.request({ method: 'GET', url: `${FHIR}/AuditEvent?${query}` });
      assert.equal(response.statusCode, 200, response.body);
      return (json<Bundle<AuditEvent>>(response).entry ?? []).map((item) => item.resource as AuditEvent);
    };
    const forPatient = await search(`patient=Patient/${patient.id}&_count=100`);
    const subtypes = new Set(forPatient.map((event) => event.subtype?.[0]?.code));
    for (const expected of ['create', 'read', 'search-type']) {
      assert.ok(subtypes.has(expected), `an AuditEvent of ${expected} for the patient`);
    }
    const creates = await search(`patient=${patient.id}&action=C`);
    assert.deepEqual(
      creates.map((event) => event.action),
      ['C', 'C'],
    );
    const [create] = creates;
    assert.equal(create?.type.code, 'rest');
    assert.equal(create?.subtype?.[0]?.code, 'create');
    assert.equal(create?.agent[0]?.who?.identifier?.value, wardApp.agentName);
    assert.equal(create?.agent[0]?.network?.address, '127.0.0.1');
    assert.equal(create?.agent[0]?.purposeOfUse?.[0]?.coding?.[0]?.code, 'TREAT');
    assert.equal((await search(`agent=${wardApp.agentName}&date=${today}&action=C`)).length, 2);
    assert.equal((await search(`agent=${admin.agentName}&action=C`)).length, 0);
    assert.equal((await search(`patient=${patient.id}&date=lt2000-01-01`)).length, 0);

    const read = await officer.request({ method: 'GET', url: `${FHIR}/AuditEvent/${create?.id}` });
    assert.equal(read.statusCode, 200);
    assert.equal(json<AuditEvent>(read).id, create?.id);
  });

  it('keeps the trail from anyone but administrators and privacy officers', async () => {
    const fhir = await wardApp.request({ method: 'GET', url: `${FHIR}/AuditEvent?patient=${patient.id}` });
    assert.equal(fhir.statusCode, 403);
    assert.equal(json<{ issue: Array<{ code: string }> }>(fhir).issue[0]?.code, 'forbidden');
    // The refused attempt is itself in the trail.
    const attempt = (await readEntries(testApp.db, tenantId)).at(-1);
    assert.equal(attempt?.agent.name, wardApp.agentName);
    assert.equal(attempt?.detail, 'AuditEvent');
    assert.equal(attempt?.outcome, '4');
    assert.equal(attempt?.failure, '403 forbidden');
    assert.deepEqual(attempt?.patients, [patient.id]);
    const api = await wardApp.request({ method: 'GET', url: '/api/audit/tree-head' });
    assert.equal(api.statusCode, 403);
    assert.equal(json<{ code: string }>(api).code, 'AUDIT_FORBIDDEN');
    const write = await admin.request({
      method: 'POST',
      url: `${FHIR}/AuditEvent`,
      payload: { resourceType: 'AuditEvent' },
    });
    assert.equal(write.statusCode, 405);
  });

  it('records refused reads: who tried to read what, and how it ended', async () => {
    // 1. A read of an unknown id, a deleted resource, and a malformed search.
    const created = json<Patient & { id: string }>(
      await wardApp.request({ method: 'POST', url: `${FHIR}/Patient`, payload: buildPatient() }),
    );
    await wardApp.request({ method: 'DELETE', url: `${FHIR}/Patient/${created.id}` });
    const attempts = [
      { url: `${FHIR}/Patient/no-such-patient`, status: 404 },
      { url: `${FHIR}/Patient/${created.id}`, status: 410 },
      { url: `${FHIR}/Observation?no-such-parameter=1`, status: 400 },
    ];
    for (const attempt of attempts) {
      const response = await wardApp.request({ method: 'GET', url: attempt.url });
      assert.equal(response.statusCode, attempt.status, response.body);
    }

    // 2. Each has an entry naming the agent, the target and the failure; nothing of the resource.
    const failed = (await readEntries(testApp.db, tenantId)).filter((entry) => entry.outcome === '4');
    const [notFound, gone, invalid] = failed.slice(-3);
    assert.deepEqual(
      [notFound?.interaction, notFound?.action, notFound?.entities, notFound?.patients, notFound?.failure],
      ['read', 'R', ['Patient/no-such-patient'], ['no-such-patient'], '404 not-found'],
    );
    assert.deepEqual([gone?.entities, gone?.failure], [[`Patient/${created.id}`], '410 deleted']);
    assert.deepEqual(
      [invalid?.interaction, invalid?.query, invalid?.entities, invalid?.failure?.slice(0, 3)],
      ['search-type', ['no-such-parameter'], [], '400'],
    );
    for (const entry of [notFound, gone, invalid]) {
      assert.equal(entry?.agent.name, wardApp.agentName);
    }

    // 3. As AuditEvents, their outcome says why.
    const events = json<Bundle<AuditEvent>>(
      await officer.request({ method: 'GET', url: `${FHIR}/AuditEvent?patient=no-such-patient` }),
    );
    const [event] = (events.entry ?? []).map((item) => item.resource as AuditEvent);
    assert.equal(event?.outcome, '4');
    assert.equal(event?.outcomeDesc, '404 not-found');
  });

  it('commits the entries of concurrent reads together, each once, in an order the tree proves', async () => {
    // 1. Concurrent reads of a patient no one has read before.
    const target = json<Patient & { id: string }>(
      await wardApp.request({ method: 'POST', url: `${FHIR}/Patient`, payload: buildPatient() }),
    );
    const reads = 24;
    const responses = await Promise.all(
      Array.from({ length: reads }, () => wardApp.request({ method: 'GET', url: `${FHIR}/Patient/${target.id}` })),
    );
    assert.ok(responses.every((response) => response.statusCode === 200));

    // 2. Every read has exactly one entry, and they shared commits (fewer transactions than reads).
    const { rows } = await testApp.db.query<{ txid: string; content: string }>(
      `SELECT txid::text AS txid, content FROM audit_entry
       WHERE content::jsonb ->> 'interaction' = 'read' AND content::jsonb -> 'patients' ? $1
       ORDER BY txid, seq`,
      [target.id],
    );
    const requests = rows.map((row) => (JSON.parse(row.content) as AuditEntry).request);
    assert.equal(requests.length, reads);
    assert.equal(new Set(requests).size, reads, 'one entry per request');
    assert.ok(new Set(rows.map((row) => row.txid)).size < reads, 'reads shared commits');

    // 3. Integrated, they take consecutive leaves in the order they were written, and each proves its place.
    await testApp.app.audit.integrate();
    const leaves = await testApp.db.query<{ leaf_index: number; entry_id: string }>(
      `SELECT leaf_index, entry_id::text AS entry_id FROM audit_leaf
       WHERE action = 'R' AND patient_ids @> ARRAY[$1::text] ORDER BY leaf_index`,
      [target.id],
    );
    const ids = rows.map((row) => (JSON.parse(row.content) as AuditEntry).id);
    assert.deepEqual(
      leaves.rows.map((leaf) => leaf.entry_id),
      ids,
    );
    const first = leaves.rows[0]?.leaf_index ?? 0;
    assert.deepEqual(
      leaves.rows.map((leaf) => leaf.leaf_index),
      Array.from({ length: reads }, (_, index) => first + index),
    );
    for (const leaf of leaves.rows) {
      const proof = json<{ leafIndex: number; entry: string; leafHash: string; treeHead: HeadJson; proof: string[] }>(
        await admin.request({ method: 'GET', url: `/api/audit/proofs/inclusion?leafIndex=${leaf.leaf_index}` }),
      );
      assert.equal(hashEntry(proof.leafIndex, proof.entry).toString('hex'), proof.leafHash);
      assert.equal(
        verifyInclusion({
          leafIndex: proof.leafIndex,
          treeSize: proof.treeHead.treeSize,
          leafHash: Buffer.from(proof.leafHash, 'hex'),
          proof: proof.proof.map((hash) => Buffer.from(hash, 'hex')),
          rootHash: Buffer.from(proof.treeHead.rootHash, 'hex'),
        }),
        true,
      );
    }
  });

  it('finds the same AuditEvents before and after the integrator derives their search columns', async () => {
    // 1. Fresh activity by two agents on one patient, not yet integrated.
    const created = json<Patient & { id: string }>(
      await wardApp.request({ method: 'POST', url: `${FHIR}/Patient`, payload: buildPatient() }),
    );
    await wardApp.request({ method: 'POST', url: `${FHIR}/Observation`, payload: buildObservation(created.id) });
    await admin.request({ method: 'GET', url: `${FHIR}/Patient/${created.id}` });
    await wardApp.request({ method: 'GET', url: `${FHIR}/Observation?subject=Patient/${created.id}` });
    const queries = [
      `patient=${created.id}`,
      `patient=${created.id}&agent=${wardApp.agentName}`,
      `patient=${created.id}&action=R`,
      `agent=${admin.agentName}&date=ge${new Date(Date.now() - 60_000).toISOString()}`,
    ];
    // The officer's own searches are recorded too; they are left out so the answers stay comparable.
    const search = async (query: string) => {
      const response = await officer.request({ method: 'GET', url: `${FHIR}/AuditEvent?${query}&_count=500` });
      assert.equal(response.statusCode, 200, response.body);
      return (json<Bundle<AuditEvent>>(response).entry ?? [])
        .map((item) => item.resource as AuditEvent)
        .filter((event) => event.agent[0]?.who?.identifier?.value !== officer.agentName)
        .map((event) => event.id);
    };
    const before: Array<Array<string | undefined>> = [];
    for (const query of queries) {
      before.push(await search(query));
    }
    // (Creating a patient also updates the records the patient index links it to: hence "at least".)
    assert.ok((before[0]?.length ?? 0) >= 4);
    assert.ok((before[1]?.length ?? 0) >= 3);
    assert.equal(before[2]?.length, 1);
    assert.ok((before[3]?.length ?? 0) >= 1);

    // 2. Integrated: the same answers, now from the leaves' columns.
    await testApp.app.audit.integrate();
    const pending = await testApp.db.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM audit_entry e
       WHERE NOT EXISTS (SELECT 1 FROM audit_leaf l WHERE l.entry_txid = e.txid AND l.entry_seq = e.seq)`,
    );
    assert.equal(pending.rows[0]?.count, 0);
    for (const [index, query] of queries.entries()) {
      assert.deepEqual(await search(query), before[index], query);
    }

    // 3. And every leaf's columns are exactly what its entry says.
    const report = await verifyLog(await readLogFromDatabase(testApp.db));
    assert.equal(report.isValid, true, report.problem?.message);
  });
});
