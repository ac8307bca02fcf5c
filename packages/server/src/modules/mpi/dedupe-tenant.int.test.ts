import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Bundle, Patient, Person } from '@medplum/fhirtypes';
import type { DedupeReport } from '@caregraph/core/domain';
import { createTestApp, type TestApp, type TestTenant } from '../../test/create-test-app.ts';
import { createResource, FHIR, json } from '../fhir/fhir-test-support.ts';
import { dedupeTenant, type DedupeProgress } from './dedupe-tenant.ts';
import { isWideKey, WIDE_BLOCK_SIZE } from './engine/index.ts';
import { MAX_BLOCK_SIZE } from './mpi-records.ts';
import { buildPerson } from './mpi-test-support.ts';

const LABEL = 'urn:caregraph:test:label';

/** Ten people, most registered two or three times with the typos and gaps feeds bring. */
function population(): Patient[] {
  const people: Array<{ family: string; given: string; birthDate: string; city: string; postcode: string }> = [
    { family: 'Whitfield', given: 'Jonathan', birthDate: '1975-03-11', city: 'London', postcode: 'NW1 6XE' },
    { family: 'Okafor', given: 'Adaeze', birthDate: '1990-11-02', city: 'Bristol', postcode: 'BS1 4DJ' },
    { family: 'Lindqvist', given: 'Maja', birthDate: '1983-07-09', city: 'York', postcode: 'YO1 7HH' },
    { family: 'Fernandes', given: 'Rui', birthDate: '1968-01-30', city: 'Leeds', postcode: 'LS2 9JT' },
    { family: 'Nakamura', given: 'Hiro', birthDate: '2001-09-08', city: 'Bath', postcode: 'BA1 1LZ' },
    { family: 'Kowalski', given: 'Anna', birthDate: '1959-12-05', city: 'Derby', postcode: 'DE1 2FS' },
    { family: 'Mensah', given: 'Kwame', birthDate: '1979-05-07', city: 'Hull', postcode: 'HU1 3DZ' },
    { family: 'Brennan', given: 'Siobhan', birthDate: '1995-02-28', city: 'Chester', postcode: 'CH1 2HU' },
    { family: 'Haddad', given: 'Omar', birthDate: '1987-08-11', city: 'Oxford', postcode: 'OX1 3BG' },
    { family: 'Petrov', given: 'Elena', birthDate: '1972-04-03', city: 'Exeter', postcode: 'EX1 1HB' },
  ];
  const patients: Patient[] = [];
  people.forEach((person, index) => {
    const base = buildPerson({
      name: [{ family: person.family, given: [person.given] }],
      gender: index % 2 === 0 ? 'male' : 'female',
      birthDate: person.birthDate,
      address: [{ line: [`${index + 1} Station Road`], city: person.city, postalCode: person.postcode }],
      telecom: [{ system: 'phone', value: `0161 496 00${String(index).padStart(2, '0')}` }],
    });
    const label = (copy: number) => [{ system: LABEL, value: `${index}-${copy}` }];
    patients.push({ ...base, identifier: label(0) });
    if (index % 3 !== 2) {
      // A typo in the family name and no phone.
      patients.push({
        ...base,
        identifier: label(1),
        name: [
          {
            family: `${person.family.slice(0, -1)}${person.family.slice(-1) === 'a' ? 'e' : 'a'}`,
            given: [person.given],
          },
        ],
        telecom: undefined,
      });
    }
    if (index % 2 === 0) {
      // Day and month swapped, same address and phone.
      const [year, month, day] = person.birthDate.split('-');
      patients.push({ ...base, identifier: label(2), birthDate: `${year}-${day}-${month}` });
    }
  });
  return patients;
}

/**
 * How many pairs a batch run scores, worked out here from the tenant's filed keys: each record takes
 * its keys smallest block first (oversized ones skipped), the first always, the others while its
 * distinct candidates stay within `budget`; a pair counts once, from its smaller id.
 */
async function expectedCandidatePairs(db: TestApp['db'], tenantId: string, budget: number): Promise<number> {
  // Ordered by key as the database orders text, which breaks ties between blocks of one size.
  const { rows } = await db.query<{ key: string; patient_id: string }>(
    'SELECT key, patient_id FROM mpi_block_key WHERE tenant_id = $1 ORDER BY key',
    [tenantId],
  );
  const blocks = new Map<string, string[]>();
  rows.forEach((row) => blocks.set(row.key, [...(blocks.get(row.key) ?? []), row.patient_id]));
  const usable = [...blocks].filter(([key, ids]) => ids.length <= (isWideKey(key) ? WIDE_BLOCK_SIZE : MAX_BLOCK_SIZE));
  const patients = new Set(rows.map((row) => row.patient_id));
  let pairs = 0;
  for (const patient of patients) {
    const keys = usable.filter(([, ids]) => ids.includes(patient)).sort(([, a], [, b]) => a.length - b.length);
    const taken = new Set<string>();
    for (const [rank, [, ids]] of keys.entries()) {
      const fresh = ids.filter((id) => id !== patient && !taken.has(id));
      if (rank > 0 && taken.size + fresh.length > budget) {
        break;
      }
      fresh.forEach((id) => taken.add(id));
    }
    pairs += [...taken].filter((id) => id > patient).length;
  }
  return pairs;
}

/** Which labels share a golden record: a partition of the population, independent of ids. */
async function partition(tenant: TestTenant): Promise<string[][]> {
  const response = await tenant.request({ method: 'GET', url: `${FHIR}/Person?_count=1000` });
  assert.equal(response.statusCode, 200, response.body);
  const persons = (json<Bundle>(response).entry ?? []).map((entry) => entry.resource as Person);
  const labels = new Map<string, string>();
  const patients = await tenant.request({ method: 'GET', url: `${FHIR}/Patient?_count=1000` });
  for (const entry of json<Bundle>(patients).entry ?? []) {
    const patient = entry.resource as Patient;
    labels.set(`Patient/${patient.id ?? ''}`, patient.identifier?.find((id) => id.system === LABEL)?.value ?? '');
  }
  const groups = persons.map((person) =>
    (person.link ?? []).map((link) => labels.get(link.target.reference ?? '') ?? '?').sort(),
  );
  // A patient in no golden record is a group of its own.
  const linked = new Set(groups.flat());
  const alone = [...labels.values()].filter((label) => !linked.has(label)).map((label) => [label]);
  return [...groups, ...alone].sort((a, b) => ((a[0] ?? '') < (b[0] ?? '') ? -1 : 1));
}

describe('batch deduplication', () => {
  let testApp: TestApp;

  before(async () => {
    testApp = await createTestApp();
  });
  after(async () => {
    await testApp.close();
  });

  /** A tenant holding the population as if stored before the index existed: no records, no golden records. */
  async function legacyTenant(): Promise<TestTenant> {
    const tenant = await testApp.createTestTenant();
    for (const patient of population()) {
      await createResource(tenant, patient);
    }
    const persons = await tenant.request({ method: 'GET', url: `${FHIR}/Person?_count=1000&_elements=id` });
    for (const entry of json<Bundle>(persons).entry ?? []) {
      await tenant.request({ method: 'DELETE', url: `${FHIR}/Person/${entry.resource?.id ?? ''}` });
    }
    for (const table of ['mpi_link', 'mpi_block_key', 'mpi_record', 'mpi_review']) {
      await testApp.db.query(`DELETE FROM ${table} WHERE tenant_id = $1`, [tenant.id]);
    }
    return tenant;
  }

  it('files a whole population, and a run stopped midway resumes to the same result', async () => {
    // 1. An uninterrupted run.
    const whole = await legacyTenant();
    const phases: string[] = [];
    const report = await dedupeTenant(testApp.db, {
      tenantId: whole.id,
      batchSize: 4,
      onProgress: (progress) => phases.push(progress.phase),
    });
    const expected = await partition(whole);
    assert.equal(report.records, 22);
    assert.equal(report.resumed, false);
    assert.equal(report.clusters, expected.length);
    assert.equal(report.multiRecordClusters, 9);
    assert.equal(expected.flat().length, 22);
    assert.deepEqual(
      expected.map((cluster) => new Set(cluster.map((label) => label.split('-')[0])).size),
      expected.map(() => 1),
      'each golden record holds copies of one person only',
    );
    assert.ok(report.linkedPairs >= 12, `${report.linkedPairs} linked pairs`);
    assert.ok(report.estimatedPrecision > 0.9 && report.estimatedPrecision <= 1);
    assert.ok(report.estimatedRecall > 0 && report.estimatedRecall <= 1);
    assert.equal(
      report.bands.reduce((sum, band) => sum + band.pairs, 0),
      report.candidatePairs,
    );
    assert.deepEqual([...new Set(phases)], ['index', 'score', 'cluster', 'singles', 'reviews']);

    // 2. The same population, stopped in the middle of scoring, then resumed.
    const stopped = await legacyTenant();
    const controller = new AbortController();
    const seen: DedupeProgress[] = [];
    await assert.rejects(
      dedupeTenant(testApp.db, {
        tenantId: stopped.id,
        batchSize: 4,
        signal: controller.signal,
        onProgress: (progress) => {
          seen.push(progress);
          if (progress.phase === 'score' && progress.done === 2) {
            controller.abort();
          }
        },
      }),
      (error: Error) => error.name === 'AbortError',
    );
    const resumed: DedupeReport = await dedupeTenant(testApp.db, { tenantId: stopped.id, batchSize: 4 });
    assert.equal(resumed.resumed, true);
    assert.equal(resumed.runId, seen[0]?.runId);
    assert.deepEqual(await partition(stopped), expected);
    assert.equal(resumed.candidatePairs, report.candidatePairs);
    assert.deepEqual(resumed.bands, report.bands);

    // 3. Stopped between two batches of golden-record writes, then resumed: the same golden records,
    // each Person stored as any write is (history, search index, audit entry), none twice.
    const halfFiled = await legacyTenant();
    const clusterStop = new AbortController();
    await assert.rejects(
      dedupeTenant(testApp.db, {
        tenantId: halfFiled.id,
        batchSize: 4,
        signal: clusterStop.signal,
        onProgress: (progress) => {
          if (progress.phase === 'cluster' && progress.done === 1) {
            clusterStop.abort();
          }
        },
      }),
      (error: Error) => error.name === 'AbortError',
    );
    assert.ok((await partition(halfFiled)).length > 0, 'the first batch committed its golden records');
    await dedupeTenant(testApp.db, { tenantId: halfFiled.id, batchSize: 4 });
    assert.deepEqual(await partition(halfFiled), expected);
    const stored = await testApp.db.query<{ id: string; versions: number; indexed: boolean; audited: boolean }>(
      `SELECT r.id, (SELECT count(*)::int FROM resource_history h
                     WHERE h.tenant_id = r.tenant_id AND h.resource_type = 'Person' AND h.id = r.id) AS versions,
              EXISTS (SELECT 1 FROM search_reference s WHERE s.tenant_id = r.tenant_id AND s.resource_type = 'Person'
                        AND s.resource_id = r.id AND s.code = 'link') AS indexed,
              EXISTS (SELECT 1 FROM audit_entry a WHERE a.content LIKE '%"Person/' || r.id || '"%') AS audited
       FROM resource r WHERE r.tenant_id = $1 AND r.resource_type = 'Person' AND NOT r.deleted`,
      [halfFiled.id],
    );
    assert.equal(stored.rows.length, report.multiRecordClusters);
    for (const person of stored.rows) {
      assert.deepEqual({ ...person, id: '' }, { id: '', versions: 1, indexed: true, audited: true });
    }

    // 4. Running again changes nothing.
    const again = await dedupeTenant(testApp.db, { tenantId: stopped.id });
    assert.equal(again.resumed, false);
    assert.deepEqual(await partition(stopped), expected);
  });

  it("scores each record against its smallest blocks' records, within the candidate budget", async () => {
    const whole = await legacyTenant();
    const report = await dedupeTenant(testApp.db, { tenantId: whole.id, batchSize: 4 });
    assert.equal(report.candidatePairs, await expectedCandidatePairs(testApp.db, whole.id, Infinity));

    const tight = await legacyTenant();
    const budgeted = await dedupeTenant(testApp.db, { tenantId: tight.id, batchSize: 4, candidateBudget: 0 });
    const expected = await expectedCandidatePairs(testApp.db, tight.id, 0);
    assert.equal(budgeted.candidatePairs, expected);
    assert.ok(
      expected < report.candidatePairs,
      `${expected} pairs within a budget of 0, ${report.candidatePairs} without`,
    );
  });
});
