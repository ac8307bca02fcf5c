import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Patient } from '@medplum/fhirtypes';
import { createTestApp, testConfig, type TestApp, type TestTenant } from '../../test/create-test-app.ts';
import { withConfiguredEncryption } from '../encryption/index.ts';
import { createResource } from '../fhir/fhir-test-support.ts';
import { dedupeTenant } from './dedupe-tenant.ts';
import { defaultModel, scorePair, toMatchRecord, type MatchRecord } from './engine/index.ts';
import { buildPerson, memberIds, personsOf } from './mpi-test-support.ts';

const SSN = 'http://hl7.org/fhir/sid/us-ssn';
const MRN_SYSTEM = 'urn:caregraph:test:mrn';
const KEK = randomBytes(32).toString('base64');

/** A made-up SSN-shaped value no other test uses. */
const fakeSsn = () => `9${randomBytes(4).readUInt32BE(0).toString().padStart(10, '0').slice(0, 8)}`;

/** The SSN with its fifth digit changed: one substitution. */
const withTypo = (ssn: string) => `${ssn.slice(0, 4)}${ssn[4] === '0' ? '1' : '0'}${ssn.slice(5)}`;

const withSsn = (ssn: string, mrn: string): Partial<Patient> => ({
  identifier: [
    { system: MRN_SYSTEM, value: mrn },
    { system: SSN, value: ssn },
  ],
});

/** What the index made of a pair: whether it linked them, and how it scores them. */
type Outcome = { isLinked: boolean; nationalId: string | undefined; weight: number };

describe('national identifiers in the index with field encryption', () => {
  let plain: TestApp;
  let encrypted: TestApp;

  before(async () => {
    plain = await createTestApp();
    encrypted = await createTestApp({ CAREGRAPH_KEK: KEK });
  });
  after(async () => {
    await plain.close();
    await encrypted.close();
  });

  async function storedRecords(testApp: TestApp, tenantId: string): Promise<Map<string, MatchRecord>> {
    const { rows } = await testApp.db.query<{ patient_id: string; record: MatchRecord }>(
      'SELECT patient_id, record FROM mpi_record WHERE tenant_id = $1',
      [tenantId],
    );
    return new Map(rows.map((row) => [row.patient_id, row.record]));
  }

  /** Everything the index stores for a tenant, as text: records, their key lists and the key table. */
  async function storedIndexTexts(testApp: TestApp, tenantId: string): Promise<string[]> {
    const { rows } = await testApp.db.query<{ text: string }>(
      `SELECT record::text || ' ' || array_to_string(block_keys, ' ') AS text FROM mpi_record WHERE tenant_id = $1
       UNION ALL
       SELECT key FROM mpi_block_key WHERE tenant_id = $1`,
      [tenantId],
    );
    return rows.map((row) => row.text);
  }

  /** Registers the same person twice with the given SSNs and reads what the index made of them. */
  async function registerTwice(
    testApp: TestApp,
    ssns: [string, string],
  ): Promise<{ tenant: TestTenant; outcome: Outcome }> {
    const tenant = await testApp.createTestTenant();
    const first = await createResource(tenant, buildPerson(withSsn(ssns[0], 'MRN-1001')));
    const second = await createResource(tenant, buildPerson(withSsn(ssns[1], 'MRN-1002')));
    const records = await storedRecords(testApp, tenant.id);
    const a = records.get(first.id);
    const b = records.get(second.id);
    assert.ok(a && b, 'both patients are in the index');
    const score = scorePair(defaultModel(), a, b);
    const persons = await personsOf(tenant, first.id);
    return {
      tenant,
      outcome: {
        isLinked: persons.some((person) => memberIds(person).includes(second.id)),
        nationalId: score.fields.find((field) => field.field === 'nationalId')?.level,
        weight: score.weight,
      },
    };
  }

  it('stores only keyed hashes of the SSN, and links and scores the same SSN as without encryption', async () => {
    const ssn = fakeSsn();
    const before = await registerTwice(plain, [ssn, ssn]);
    const after = await registerTwice(encrypted, [ssn, ssn]);
    // 1. Matching is unchanged: the same level, the same weight, linked under one golden record.
    assert.deepEqual(after.outcome, before.outcome);
    assert.deepEqual(after.outcome.isLinked, true);
    assert.equal(after.outcome.nationalId, 'exact');
    // 2. Without encryption the index holds the value; with it, neither records nor blocking keys do.
    const plainTexts = await storedIndexTexts(plain, before.tenant.id);
    assert.ok(plainTexts.some((text) => text.includes(`id:${SSN}|${ssn}`)));
    const texts = await storedIndexTexts(encrypted, after.tenant.id);
    assert.ok(texts.length > 0);
    for (const text of texts) {
      assert.ok(!text.includes(ssn), 'the index holds no SSN in clear');
    }
    // 3. Equality still blocks: both patients share the hashed identifier key; the MRN stays as it was.
    const { rows } = await encrypted.db.query<{ key: string; patients: string | number }>(
      `SELECT key, count(*) AS patients FROM mpi_block_key WHERE tenant_id = $1 AND key LIKE 'id:%' GROUP BY key`,
      [after.tenant.id],
    );
    const ssnKeys = rows.filter((row) => row.key.startsWith(`id:${SSN}|`));
    assert.equal(ssnKeys.length, 1);
    assert.match(ssnKeys[0]?.key ?? '', /^id:http:\/\/hl7\.org\/fhir\/sid\/us-ssn\|cgbi:[A-Za-z0-9_-]{43}$/);
    assert.equal(Number(ssnKeys[0]?.patients), 2);
    assert.ok(rows.some((row) => row.key === `id:${MRN_SYSTEM}|MRN1001`));
  });

  it('still takes a one-digit SSN typo for one edit, and tells different SSNs apart, as without encryption', async () => {
    const ssn = fakeSsn();
    const typo = withTypo(ssn);
    const before = await registerTwice(plain, [ssn, typo]);
    const after = await registerTwice(encrypted, [ssn, typo]);
    assert.deepEqual(after.outcome, before.outcome);
    assert.equal(after.outcome.nationalId, 'oneEdit');
    assert.equal(after.outcome.isLinked, true);
    for (const text of await storedIndexTexts(encrypted, after.tenant.id)) {
      assert.ok(!text.includes(ssn) && !text.includes(typo), 'the index holds no SSN in clear');
    }
    const other = fakeSsn();
    const differentBefore = await registerTwice(plain, [ssn, other]);
    const differentAfter = await registerTwice(encrypted, [ssn, other]);
    assert.deepEqual(differentAfter.outcome, differentBefore.outcome);
    assert.equal(differentAfter.outcome.nationalId, 'different');
  });

  it('re-indexes a record stored with the SSN in clear when the tenant is deduplicated', async () => {
    const ssn = fakeSsn();
    const { tenant } = await registerTwice(encrypted, [ssn, ssn]);
    // 1. A record as the index wrote it before encryption: the value in clear.
    const { rows } = await encrypted.db.query<{ patient_id: string }>(
      'SELECT patient_id FROM mpi_record WHERE tenant_id = $1 ORDER BY patient_id LIMIT 1',
      [tenant.id],
    );
    const patientId = rows[0]?.patient_id ?? '';
    const clear = toMatchRecord(buildPerson({ id: patientId, ...withSsn(ssn, 'MRN-1001') }));
    await encrypted.db.query(
      `UPDATE mpi_record SET record = $3::jsonb, content_hash = 'before-encryption' WHERE tenant_id = $1 AND patient_id = $2`,
      [tenant.id, patientId, JSON.stringify(clear)],
    );
    assert.ok((await storedIndexTexts(encrypted, tenant.id)).some((text) => text.includes(ssn)));
    // 2. `caregraph mpi dedupe` re-normalises every Patient first: the record is sealed again.
    const db = withConfiguredEncryption(encrypted.db, testConfig({ CAREGRAPH_KEK: KEK }).encryption);
    await dedupeTenant(db, { tenantId: tenant.id });
    for (const text of await storedIndexTexts(encrypted, tenant.id)) {
      assert.ok(!text.includes(ssn), 'the index holds no SSN in clear');
    }
    const record = (await storedRecords(encrypted, tenant.id)).get(patientId);
    assert.ok(record?.identifiers.some((identifier) => identifier.system === SSN && identifier.digests));
  });
});
