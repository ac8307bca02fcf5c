import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Resource } from '@medplum/fhirtypes';
import { createTestApp, type TestApp, type TestTenant } from '../../test/create-test-app.ts';
import { testDatabaseMode } from '../../test/test-database.ts';
import { FHIR, buildPatient } from '../fhir/fhir-test-support.ts';
import { readTimeline, snapshotJourney } from './projection/journey-test-support.ts';
import { rebuildJourney, type RebuildProgress } from './rebuild.ts';

/** A small deterministic generator (mulberry32), so a failing mix can be replayed from its seed. */
function createRandom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const chance = (probability: number) => next() < probability;
  return { next, pick, chance };
}

type Random = ReturnType<typeof createRandom>;

const PATIENTS = ['p-1', 'p-2', 'p-3'];
/** Few distinct dates, so ties in start time (broken by type and id) are common. */
const DATES = ['2020-01-01T09:00:00Z', '2020-01-01T09:00:00Z', '2020-02-10T12:30:00Z', '2021-06', '2022-03-04'];
const IDS: Record<string, string[]> = {
  Encounter: ['e-1', 'e-2', 'e-3', 'e-4'],
  Observation: ['o-1', 'o-2', 'o-3', 'o-4', 'o-5', 'o-6'],
  Condition: ['c-1', 'c-2', 'c-3'],
  Procedure: ['pr-1', 'pr-2', 'pr-3'],
  DiagnosticReport: ['dr-1', 'dr-2'],
  MedicationRequest: ['mr-1', 'mr-2', 'mr-3'],
};
const TYPES = Object.keys(IDS);

const ref = (type: string, id: string) => ({ reference: `${type}/${id}` });

/** A valid resource of `type` with random subject, dates and references (targets may not exist yet). */
function randomResource(random: Random, type: string, id: string): Resource {
  const subject = ref('Patient', random.pick(PATIENTS));
  const date = random.chance(0.8) ? random.pick(DATES) : undefined;
  const some = (targetType: string, probability = 0.5) =>
    random.chance(probability) ? [ref(targetType, random.pick(IDS[targetType] ?? []))] : undefined;
  const one = (targetType: string, probability = 0.5) => some(targetType, probability)?.[0];
  const code = { coding: [{ system: 'http://snomed.info/sct', code: random.pick(['1', '2', '3']), display: 'Thing' }] };
  switch (type) {
    case 'Encounter':
      return {
        resourceType: 'Encounter',
        id,
        status: 'finished',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
        subject,
        ...(date ? { period: { start: date, ...(random.chance(0.5) ? { end: '2023-01-01' } : {}) } } : {}),
        partOf: one('Encounter', 0.3),
        reasonReference: some('Condition'),
        diagnosis: random.chance(0.5) ? [{ condition: ref('Condition', random.pick(IDS.Condition ?? [])) }] : undefined,
        participant: random.chance(0.5) ? [{ individual: ref('Practitioner', 'dr-a') }] : undefined,
      };
    case 'Observation':
      return {
        resourceType: 'Observation',
        id,
        status: 'final',
        code,
        subject,
        // A second patient in the compartment now and then: the node is in both journeys.
        performer: random.chance(0.15) ? [ref('Patient', random.pick(PATIENTS))] : undefined,
        effectiveDateTime: date,
        encounter: one('Encounter'),
        hasMember: some('Observation', 0.3),
        derivedFrom: some('Observation', 0.3),
      };
    case 'Condition':
      return {
        resourceType: 'Condition',
        id,
        subject,
        code,
        onsetDateTime: date,
        encounter: one('Encounter'),
        evidence: random.chance(0.4)
          ? [{ detail: [ref('Observation', random.pick(IDS.Observation ?? []))] }]
          : undefined,
      };
    case 'Procedure':
      return {
        resourceType: 'Procedure',
        id,
        status: 'completed',
        subject,
        code,
        performedDateTime: date,
        encounter: one('Encounter'),
        reasonReference: some('Condition'),
        partOf: some('Procedure', 0.3),
      };
    case 'DiagnosticReport':
      return {
        resourceType: 'DiagnosticReport',
        id,
        status: 'final',
        code,
        subject,
        effectiveDateTime: date,
        encounter: one('Encounter'),
        result: random.chance(0.7)
          ? [
              ref('Observation', random.pick(IDS.Observation ?? [])),
              ref('Observation', random.pick(IDS.Observation ?? [])),
            ]
          : undefined,
      };
    default:
      return {
        resourceType: 'MedicationRequest',
        id,
        status: 'active',
        intent: 'order',
        medicationCodeableConcept: code,
        subject,
        authoredOn: date,
        encounter: one('Encounter'),
        reasonReference: some(random.pick(['Condition', 'Observation'])),
      };
  }
}

/** JSON without the undefined members the builders leave. */
const clean = (resource: Resource) => JSON.parse(JSON.stringify(resource)) as Resource;

/** Asserts the stored projection equals what a rebuild computes from the resources. */
async function assertRebuildEqual(testApp: TestApp, tenant: TestTenant, seed: number) {
  const incremental = await snapshotJourney(testApp.db, tenant.id);
  const report = await rebuildJourney({ db: testApp.db, tenantId: tenant.id });
  const rebuilt = await snapshotJourney(testApp.db, tenant.id);
  assert.deepEqual(incremental.nodes, rebuilt.nodes, `nodes differ (seed ${seed})`);
  assert.deepEqual(incremental.edges, rebuilt.edges, `edges differ (seed ${seed})`);
  assert.deepEqual(report, {
    patients: new Set(rebuilt.nodes.map((node) => node.patient_id)).size,
    nodes: rebuilt.nodes.length,
    edges: rebuilt.edges.length,
  });
  return rebuilt;
}

describe('journey rebuild', () => {
  let testApp: TestApp;

  before(async () => {
    testApp = await createTestApp();
  });

  after(() => testApp.close());

  for (const seed of [1, 2, 3]) {
    it(`equals the incrementally maintained graph after a random mix of writes (seed ${seed})`, async () => {
      const tenant = await testApp.createTestTenant();
      const random = createRandom(seed);
      const live = new Set<string>();
      for (let step = 0; step < 160; step += 1) {
        const roll = random.next();
        if (roll < 0.05) {
          // A Patient arriving (or coming back) after resources already name it.
          const id = random.pick(PATIENTS);
          const response = await tenant.request({
            method: 'PUT',
            url: `${FHIR}/Patient/${id}`,
            payload: { ...buildPatient(), id },
          });
          assert.ok([200, 201].includes(response.statusCode), response.body);
          live.add(`Patient/${id}`);
        } else if (roll < 0.2 && live.size > 0) {
          const target = random.pick([...live].sort());
          const response = await tenant.request({ method: 'DELETE', url: `${FHIR}/${target}` });
          assert.ok([200, 204].includes(response.statusCode), response.body);
          live.delete(target);
        } else if (roll < 0.25) {
          // A server-assigned id, through create rather than update.
          const type = random.pick(TYPES);
          const { id: _unused, ...resource } = clean(randomResource(random, type, 'x'));
          const response = await tenant.request({ method: 'POST', url: `${FHIR}/${type}`, payload: resource });
          assert.equal(response.statusCode, 201, response.body);
        } else {
          const type = random.pick(TYPES);
          const id = random.pick(IDS[type] ?? []);
          const response = await tenant.request({
            method: 'PUT',
            url: `${FHIR}/${type}/${id}`,
            payload: clean(randomResource(random, type, id)),
          });
          assert.ok([200, 201].includes(response.statusCode), response.body);
          live.add(`${type}/${id}`);
        }
      }
      const rebuilt = await assertRebuildEqual(testApp, tenant, seed);
      assert.ok(rebuilt.nodes.length > 20, 'the mix leaves a graph worth comparing');
      assert.ok(rebuilt.edges.some((edge) => edge.relation === 'next'));
      assert.ok(rebuilt.edges.some((edge) => edge.relation !== 'next'));
    });
  }

  for (const seed of [4, 5]) {
    it(`equals the rebuilt graph after transaction Bundles of random writes (seed ${seed})`, async () => {
      // Bundles write their journey contributions together at the end: whole new journeys at once,
      // everything else through the per-resource path.
      const tenant = await testApp.createTestTenant();
      const random = createRandom(seed);
      const live = new Set<string>();
      for (let round = 0; round < 24; round += 1) {
        const size = 1 + Math.floor(random.next() * 12);
        const touched = new Set<string>();
        const entries: Array<{ resource?: Resource; request: { method: string; url: string } }> = [];
        const nowLive = new Set(live);
        for (let entry = 0; entry < size; entry += 1) {
          const roll = random.next();
          if (roll < 0.1) {
            const id = random.pick(PATIENTS);
            if (!touched.has(`Patient/${id}`)) {
              touched.add(`Patient/${id}`);
              nowLive.add(`Patient/${id}`);
              entries.push({ resource: { ...buildPatient(), id }, request: { method: 'PUT', url: `Patient/${id}` } });
            }
          } else if (roll < 0.2 && live.size > 0) {
            const target = random.pick([...live].sort());
            if (!touched.has(target)) {
              touched.add(target);
              nowLive.delete(target);
              entries.push({ request: { method: 'DELETE', url: target } });
            }
          } else if (roll < 0.3) {
            const type = random.pick(TYPES);
            const { id: _unused, ...resource } = clean(randomResource(random, type, 'x'));
            entries.push({ resource: resource, request: { method: 'POST', url: type } });
          } else {
            const type = random.pick(TYPES);
            const id = random.pick(IDS[type] ?? []);
            if (!touched.has(`${type}/${id}`)) {
              touched.add(`${type}/${id}`);
              nowLive.add(`${type}/${id}`);
              entries.push({
                resource: clean(randomResource(random, type, id)),
                request: { method: 'PUT', url: `${type}/${id}` },
              });
            }
          }
        }
        const response = await tenant.request({
          method: 'POST',
          url: FHIR,
          payload: { resourceType: 'Bundle', type: 'transaction', entry: entries },
        });
        assert.equal(response.statusCode, 200, response.body);
        live.clear();
        nowLive.forEach((key) => live.add(key));
      }
      const rebuilt = await assertRebuildEqual(testApp, tenant, seed);
      assert.ok(rebuilt.nodes.length > 20, 'the Bundles leave a graph worth comparing');
    });
  }

  it('writes an imported patient Bundle as one journey, equal to the rebuilt one', async () => {
    const tenant = await testApp.createTestTenant();
    const random = createRandom(6);
    const entries = [
      { resource: { ...buildPatient(), id: 'p-1' }, request: { method: 'PUT', url: 'Patient/p-1' } },
      ...TYPES.flatMap((type) =>
        (IDS[type] ?? []).map((id) => ({
          resource: clean(randomResource(random, type, id)),
          request: { method: 'PUT', url: `${type}/${id}` },
        })),
      ),
    ];
    const response = await tenant.request({
      method: 'POST',
      url: FHIR,
      payload: { resourceType: 'Bundle', type: 'transaction', entry: entries },
    });
    assert.equal(response.statusCode, 200, response.body);
    const rebuilt = await assertRebuildEqual(testApp, tenant, 6);
    assert.ok(rebuilt.edges.filter((edge) => edge.relation === 'next').length > 10);
  });

  it('keeps one exact chain when writes to one patient run concurrently', async () => {
    const tenant = await testApp.createTestTenant();
    await tenant.request({ method: 'PUT', url: `${FHIR}/Patient/p-1`, payload: { ...buildPatient(), id: 'p-1' } });
    const random = createRandom(7);
    const writes = Array.from({ length: 24 }, (_, index) => {
      const resource = clean({
        ...randomResource(random, 'Observation', `o-${index}`),
        subject: ref('Patient', 'p-1'),
      } as Resource);
      return tenant.request({ method: 'PUT', url: `${FHIR}/Observation/o-${index}`, payload: resource });
    });
    for (const response of await Promise.all(writes)) {
      assert.equal(response.statusCode, 201, response.body);
    }
    const rebuilt = await assertRebuildEqual(testApp, tenant, 7);
    const dated = rebuilt.nodes.filter((node) => node.patient_id === 'p-1' && node.start_time !== null);
    assert.equal((await readTimeline(testApp.db, tenant.id, 'p-1')).length, dated.length);
  });

  it('refuses a tenant that does not exist', async () => {
    await assert.rejects(rebuildJourney({ db: testApp.db, tenantId: 'no-such-tenant' }), /no tenant "no-such-tenant"/);
  });

  it('reports progress and, on its own database, rebuilds every tenant when none is named', async () => {
    const tenant = await testApp.createTestTenant();
    await tenant.request({ method: 'PUT', url: `${FHIR}/Patient/p-1`, payload: { ...buildPatient(), id: 'p-1' } });
    const random = createRandom(11);
    for (const id of IDS.Observation ?? []) {
      const resource = clean({
        ...randomResource(random, 'Observation', id),
        subject: ref('Patient', 'p-1'),
      } as Resource);
      await tenant.request({ method: 'PUT', url: `${FHIR}/Observation/${id}`, payload: resource });
    }
    const before = await snapshotJourney(testApp.db, tenant.id);
    await testApp.db.query('DELETE FROM journey_edge WHERE tenant_id = $1', [tenant.id]);

    const progress: RebuildProgress[] = [];
    // The PostgreSQL test database is shared with other test files: there, only this tenant is rebuilt.
    const everyTenant = testDatabaseMode() === 'embedded';
    const report = await rebuildJourney({
      db: testApp.db,
      ...(everyTenant ? {} : { tenantId: tenant.id }),
      onProgress: (value) => progress.push(value),
    });

    assert.deepEqual(await snapshotJourney(testApp.db, tenant.id), before);
    const ours = progress.filter((value) => value.tenantId === tenant.id);
    assert.deepEqual(ours.at(0), { tenantId: tenant.id, done: 0, total: 7 });
    assert.deepEqual(ours.at(-1), { tenantId: tenant.id, done: 7, total: 7 });
    assert.ok(report.nodes >= before.nodes.length && report.edges >= before.edges.length);
  });
});
