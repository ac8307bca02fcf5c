import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Patient } from '@medplum/fhirtypes';
import { buildApp } from '../../app.ts';
import { createTestApp, testConfig, type TestApp, type TestTenant } from '../../test/create-test-app.ts';
import { buildPatient, createResource, FHIR, json, matchIds } from '../fhir/fhir-test-support.ts';
import { createKeyring, rotateKeys } from './index.ts';

const SSN = 'http://hl7.org/fhir/sid/us-ssn';
const kek1 = randomBytes(32);
const kek2 = randomBytes(32);
const fakeSsn = () => `8${randomBytes(4).readUInt32BE(0).toString().padStart(10, '0').slice(0, 8)}`;

describe('caregraph keys rotate', () => {
  let testApp: TestApp;

  before(async () => {
    testApp = await createTestApp({ CAREGRAPH_KEK: kek1.toString('base64') });
  });

  after(() => testApp.close());

  /** The key ids the stored rows of a resource are sealed under, current row first. */
  async function sealingKeyIds(tenantId: string, id: string): Promise<string[]> {
    const { rows } = await testApp.db.query<{ text: string }>(
      `(SELECT content::text AS text FROM resource WHERE tenant_id = $1 AND id = $2)
       UNION ALL (SELECT content::text FROM resource_history WHERE tenant_id = $1 AND id = $2 ORDER BY version_id)`,
      [tenantId, id],
    );
    return rows.map((row) => /"cgenc:1:([A-Za-z0-9_-]{16}):/.exec(row.text)?.[1] ?? '(plain)');
  }

  async function patientWithHistory(tenant: TestTenant, ssn: string): Promise<Patient & { id: string }> {
    const patient = await createResource(tenant, buildPatient({ identifier: [{ system: SSN, value: ssn }] }));
    const updated = await tenant.request({
      method: 'PUT',
      url: `${FHIR}/Patient/${patient.id}`,
      payload: { ...patient, gender: 'other' },
    });
    assert.equal(updated.statusCode, 200, updated.body);
    return patient;
  }

  it('adds a data key version and re-seals current and historical rows while the server keeps serving', async () => {
    const tenant = await testApp.createTestTenant();
    const ssn = fakeSsn();
    const patient = await patientWithHistory(tenant, ssn);
    const [before] = await sealingKeyIds(tenant.id, patient.id);
    // 1. Rotate while reads, searches and writes go on.
    const traffic = (async () => {
      for (let round = 0; round < 5; round += 1) {
        const read = await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${patient.id}` });
        assert.equal(json<Patient>(read).identifier?.[0]?.value, ssn);
        await createResource(tenant, buildPatient({ identifier: [{ system: SSN, value: fakeSsn() }] }));
      }
    })();
    const report = await rotateKeys({
      db: testApp.db,
      keyring: createKeyring([kek1]),
      tenantIds: [tenant.id],
      batchSize: 2,
    });
    await traffic;
    // 2. One new data key; every row moved to it; the old key is retired.
    assert.equal(report.newDataKeys, 1);
    assert.ok(report.resealedRows >= 3, `re-sealed ${report.resealedRows}`);
    const afterIds = await sealingKeyIds(tenant.id, patient.id);
    assert.equal(new Set(afterIds).size, 1);
    assert.notEqual(afterIds[0], before);
    const { rows } = await testApp.db.query<{ key_id: string; retired: boolean }>(
      `SELECT key_id, retired_at IS NOT NULL AS retired FROM encryption_key WHERE tenant_id = $1 AND purpose = 'data' ORDER BY version`,
      [tenant.id],
    );
    assert.deepEqual(
      rows.map((row) => row.retired),
      [true, false],
    );
    // 3. Reads and blind-index search work as before (the blind-index key is not rotated).
    const read = await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${patient.id}/_history/1` });
    assert.equal(json<Patient>(read).identifier?.[0]?.value, ssn);
    const found = await tenant.request({ method: 'GET', url: `${FHIR}/Patient?identifier=${SSN}|${ssn}` });
    assert.deepEqual(matchIds(found), [patient.id]);
  });

  it('resumes an interrupted re-seal when run again', async () => {
    const tenant = await testApp.createTestTenant();
    const patient = await patientWithHistory(tenant, fakeSsn());
    await patientWithHistory(tenant, fakeSsn());
    const keyring = createKeyring([kek1]);
    // 1. Stop after the first batch of one row.
    await assert.rejects(
      rotateKeys({
        db: testApp.db,
        keyring,
        tenantIds: [tenant.id],
        batchSize: 1,
        onProgress: () => {
          throw new Error('interrupted');
        },
      }),
      /interrupted/,
    );
    const partly = new Set([...(await sealingKeyIds(tenant.id, patient.id))]);
    // 2. Run again without a new key: the rest moves to the key the first run added.
    const report = await rotateKeys({ db: testApp.db, keyring, tenantIds: [tenant.id], isNewDataKey: false });
    assert.equal(report.newDataKeys, 0);
    assert.ok(report.resealedRows >= 3, `re-sealed ${report.resealedRows}`);
    assert.equal(new Set(await sealingKeyIds(tenant.id, patient.id)).size, 1);
    assert.ok(partly.size >= 1);
  });

  it('re-wraps every key under a new KEK, after which the old KEK is no longer needed', async () => {
    const tenant = await testApp.createTestTenant();
    const ssn = fakeSsn();
    const patient = await patientWithHistory(tenant, ssn);
    // 1. The operator makes kek2 current and keeps kek1 as previous; rotate re-wraps.
    const report = await rotateKeys({
      db: testApp.db,
      keyring: createKeyring([kek2, kek1]),
      tenantIds: [tenant.id],
      isNewDataKey: false,
    });
    assert.equal(report.rewrappedKeys, 2, 'the data key and the blind-index key');
    // 2. A server configured with kek2 alone reads and searches everything.
    const app = await buildApp(testConfig({ CAREGRAPH_KEK: kek2.toString('base64') }), { db: testApp.db });
    try {
      const headers = { authorization: `Bearer ${await tenant.accessToken()}` };
      const read = await app.inject({ method: 'GET', url: `${FHIR}/Patient/${patient.id}`, headers });
      assert.equal(read.statusCode, 200, read.body);
      assert.equal(json<Patient>(read).identifier?.[0]?.value, ssn);
      const found = await app.inject({ method: 'GET', url: `${FHIR}/Patient?identifier=${ssn}`, headers });
      assert.deepEqual(matchIds(found), [patient.id]);
    } finally {
      await app.close();
    }
    // 3. A server with only the old KEK cannot unwrap them any more.
    const stale = await buildApp(testConfig({ CAREGRAPH_KEK: kek1.toString('base64') }), { db: testApp.db });
    try {
      const headers = { authorization: `Bearer ${await tenant.accessToken()}` };
      const read = await stale.inject({ method: 'GET', url: `${FHIR}/Patient/${patient.id}`, headers });
      assert.equal(read.statusCode, 500);
      assert.ok(!read.body.includes(ssn));
    } finally {
      await stale.close();
    }
  });
});
