import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type {
  Bundle,
  BundleEntry,
  Condition,
  Encounter,
  Medication,
  MedicationRequest,
  Organization,
  Practitioner,
  Resource,
} from '@medplum/fhirtypes';
import { createTestApp, type TestApp, type TestTenant } from '../../../test/create-test-app.ts';
import { smallestPatientBundles } from '../../../test/synthea.ts';
import { testDatabaseMode } from '../../../test/test-database.ts';
import {
  buildObservation,
  buildPatient,
  createResource,
  expectOutcome,
  FHIR,
  FHIR_BASE_URL,
  json,
} from '../fhir-test-support.ts';
import { compartmentParams } from '../search/compartments.ts';
import { extractIndexRows } from '../search/extract-index.ts';

/** One page of a $everything response, by entry mode, as "Type/id". */
type Page = { matches: string[]; includes: string[]; links: Record<string, string> };

const keyOf = (resource: Resource | undefined) => `${resource?.resourceType ?? '?'}/${resource?.id ?? '?'}`;

function readPage(body: string): Page {
  const bundle = JSON.parse(body) as Bundle;
  assert.equal(bundle.type, 'searchset');
  const entries = bundle.entry ?? [];
  for (const entry of entries) {
    assert.equal(entry.fullUrl, `${FHIR_BASE_URL}/${keyOf(entry.resource)}`);
  }
  const byMode = (mode: string) =>
    entries.filter((entry) => entry.search?.mode === mode).map((entry) => keyOf(entry.resource));
  const links = Object.fromEntries((bundle.link ?? []).map((link) => [link.relation, link.url]));
  return { matches: byMode('match'), includes: byMode('include'), links };
}

/** A link as a path the test app answers. */
const local = (url: string) => url.replace(FHIR_BASE_URL, FHIR);

describe('$everything', () => {
  let testApp: TestApp;
  let tenant: TestTenant;
  /** Test data by name, and names by "Type/id", so assertions read as names. */
  const keys: Record<string, string> = {};
  const names = new Map<string, string>();

  async function add(name: string, resource: Resource, into = tenant): Promise<string> {
    const created = await createResource(into, resource);
    keys[name] = `${resource.resourceType}/${created.id}`;
    names.set(keys[name], name);
    return created.id;
  }

  const ref = (name: string) => ({ reference: keys[name] ?? assert.fail(name) });
  const nameAll = (list: string[]) => list.map((key) => names.get(key) ?? key).sort();

  async function get(url: string) {
    const response = await tenant.request({ method: 'GET', url });
    assert.equal(response.statusCode, 200, response.body);
    return readPage(response.body);
  }

  /** Every page from `url` on, following next links; matches and includes named. */
  async function getAll(url: string): Promise<{ matches: string[]; includes: string[]; pages: number }> {
    const matches: string[] = [];
    const includes: string[] = [];
    let next: string | undefined = url;
    let pages = 0;
    while (next) {
      const page = await get(next);
      matches.push(...page.matches);
      includes.push(...page.includes);
      next = page.links.next ? local(page.links.next) : undefined;
      pages++;
    }
    return { matches: nameAll(matches), includes: [...new Set(nameAll(includes))], pages };
  }

  const everything = (name: string) => `${FHIR}/${keys[name] ?? assert.fail(name)}/$everything`;

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
    // 1. Who and what the records point at: not in any patient's compartment.
    await add('hospital', { resourceType: 'Organization', name: 'General Hospital' } satisfies Organization);
    await add('doctor', { resourceType: 'Practitioner', name: [{ family: 'House' }] } satisfies Practitioner);
    await add('aspirin', { resourceType: 'Medication', code: { text: 'Aspirin' } } satisfies Medication);
    await add('unused', { resourceType: 'Organization', name: 'Nobody refers to me' } satisfies Organization);
    // 2. Anna and her records, with care dates in and out of 2022–2023.
    const anna = await add(
      'anna',
      buildPatient({ managingOrganization: ref('hospital'), generalPractitioner: [ref('doctor')] }),
    );
    const encounter = (period: Encounter['period']): Encounter => ({
      resourceType: 'Encounter',
      status: 'finished',
      class: { code: 'AMB' },
      subject: ref('anna'),
      participant: [{ individual: ref('doctor') }],
      serviceProvider: ref('hospital'),
      period,
    });
    await add('visit2023', encounter({ start: '2023-01-10T09:00:00Z', end: '2023-01-10T10:00:00Z' }));
    await add('visit2024', encounter({ start: '2024-06-01T09:00:00Z' }));
    await add('visitAcrossNewYear', encounter({ start: '2021-12-20', end: '2022-01-05' }));
    await add(
      'pulse2023',
      buildObservation(anna, {
        effectiveDateTime: '2023-01-10T09:30:00Z',
        encounter: ref('visit2023'),
        performer: [ref('doctor')],
      }),
    );
    await add('pulse2021', buildObservation(anna, { effectiveDateTime: '2021-05-01' }));
    await add('pulseUndated', buildObservation(anna, { effectiveDateTime: undefined }));
    const condition = (overrides: Partial<Condition>): Condition => ({
      resourceType: 'Condition',
      subject: ref('anna'),
      code: { text: 'Hypertension' },
      ...overrides,
    });
    await add('condition2022', condition({ onsetDateTime: '2022-12-01', encounter: ref('visit2023') }));
    await add('conditionUndated', condition({}));
    await add('prescription', {
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      subject: ref('anna'),
      medicationReference: ref('aspirin'),
      requester: ref('doctor'),
      encounter: ref('visit2024'),
      authoredOn: '2024-06-01',
    } satisfies MedicationRequest);
    const removed = await add('removed', buildObservation(anna));
    assert.equal((await tenant.request({ method: 'DELETE', url: `${FHIR}/Observation/${removed}` })).statusCode, 204);
    // 3. John's records, and another tenant's resources about a patient with Anna's id.
    const john = await add('john', buildPatient({ generalPractitioner: [ref('doctor')] }));
    await add('johnPulse', buildObservation(john, { encounter: ref('visit2023') }));
    const other = await testApp.createTestTenant();
    const twin = await other.request({
      method: 'PUT',
      url: `${FHIR}/Patient/${anna}`,
      payload: buildPatient({ id: anna }),
    });
    assert.equal(twin.statusCode, 201, twin.body);
    await createResource(other, buildObservation(anna));
  });

  after(() => testApp.close());

  const annaRecords = [
    'anna',
    'condition2022',
    'conditionUndated',
    'prescription',
    'pulse2021',
    'pulse2023',
    'pulseUndated',
    'visit2023',
    'visit2024',
    'visitAcrossNewYear',
  ];

  it('returns the patient, their compartment and the resources it refers to, and nothing else', async () => {
    const result = await getAll(everything('anna'));
    assert.deepEqual(result.matches, annaRecords);
    assert.deepEqual(result.includes, ['aspirin', 'doctor', 'hospital']);
    assert.equal(result.pages, 1);
  });

  it('returns the encounter, the records made in it and the resources they refer to', async () => {
    const result = await getAll(everything('visit2023'));
    assert.deepEqual(result.matches, ['condition2022', 'johnPulse', 'pulse2023', 'visit2023']);
    assert.deepEqual(result.includes, ['anna', 'doctor', 'hospital', 'john']);
  });

  it('leaves out records whose care date lies wholly outside start–end, keeping undated ones', async () => {
    const window = await getAll(`${everything('anna')}?start=2022-01-01&end=2023-12-31`);
    assert.deepEqual(window.matches, [
      'anna',
      'condition2022',
      'conditionUndated',
      'pulse2023',
      'pulseUndated',
      'visit2023',
      'visitAcrossNewYear',
    ]);
    const since2024 = await getAll(`${everything('anna')}?start=2024`);
    assert.deepEqual(since2024.matches, ['anna', 'conditionUndated', 'prescription', 'pulseUndated', 'visit2024']);
    const until2021 = await getAll(`${everything('anna')}?end=2021-12-31`);
    assert.deepEqual(until2021.matches, [
      'anna',
      'conditionUndated',
      'pulse2021',
      'pulseUndated',
      'visitAcrossNewYear',
    ]);
  });

  it('restricts matches and included resources to _type, keeping the patient only when Patient is listed', async () => {
    const clinical = await getAll(`${everything('anna')}?_type=Observation,Condition`);
    assert.deepEqual(
      clinical.matches,
      ['conditionUndated', 'condition2022', 'pulse2021', 'pulse2023', 'pulseUndated'].sort(),
    );
    assert.deepEqual(clinical.includes, []);
    const people = await getAll(`${everything('anna')}?_type=Patient&_type=Practitioner`);
    assert.deepEqual(people.matches, ['anna']);
    assert.deepEqual(people.includes, ['doctor']);
  });

  it('returns only what changed since _since, besides the patient', async () => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    const since = new Date().toISOString();
    const [, id] = (keys.pulse2021 ?? '').split('/');
    const update = await tenant.request({
      method: 'PUT',
      url: `${FHIR}/Observation/${id ?? ''}`,
      payload: buildObservation(keys.anna?.split('/')[1] ?? '', { id, effectiveDateTime: '2021-05-02' }),
    });
    assert.equal(update.statusCode, 200, update.body);
    const changed = await getAll(`${everything('anna')}?_since=${encodeURIComponent(since)}`);
    assert.deepEqual(changed.matches, ['anna', 'pulse2021']);
    const encounterChanged = await getAll(`${everything('visit2023')}?_since=${encodeURIComponent(since)}`);
    assert.deepEqual(encounterChanged.matches, ['visit2023']);
  });

  it('accepts the parameters in a POSTed Parameters resource', async () => {
    const response = await tenant.request({
      method: 'POST',
      url: everything('anna'),
      payload: {
        resourceType: 'Parameters',
        parameter: [
          { name: 'start', valueDate: '2024-01-01' },
          { name: '_type', valueCode: 'Encounter,Patient' },
          { name: '_count', valueInteger: 1 },
        ],
      },
    });
    assert.equal(response.statusCode, 200, response.body);
    const page = readPage(response.body);
    assert.deepEqual(nameAll(page.matches), ['visit2024']);
    assert.ok(page.links.next);
    const rest = await getAll(local(page.links.next));
    assert.deepEqual(rest.matches, ['anna']);
  });

  it('pages by key: every resource once across pages, in both directions, while resources are added', async () => {
    // 1. The first page of three records.
    const first = await get(`${everything('anna')}?_count=3`);
    assert.equal(first.matches.length, 3);
    assert.equal(first.links.previous, undefined);
    assert.match(first.links.self ?? '', /\/\$everything\?_count=3$/);
    // 2. A record is created between page fetches; whether it sorts before or after the cursor,
    //    the records that existed are each seen exactly once.
    const late = await add('late', buildObservation(keys.anna?.split('/')[1] ?? ''));
    const seen = [...first.matches];
    const pages = [first];
    let next = first.links.next;
    while (next) {
      const page = await get(local(next));
      assert.ok(page.matches.length <= 3);
      seen.push(...page.matches);
      pages.push(page);
      next = page.links.next;
    }
    assert.ok(pages.length >= 4, `${pages.length} pages`);
    assert.equal(new Set(seen).size, seen.length, 'no resource twice');
    const named = nameAll(seen).filter((name) => name !== 'late');
    assert.deepEqual(named, annaRecords);
    assert.ok(late);
    // 3. Back from the last page through previous links: the same resources, page by page.
    const back: string[] = [];
    let previous: string | undefined = pages.at(-1)?.links.self;
    while (previous) {
      const page = await get(local(previous));
      back.unshift(...page.matches);
      previous = page.links.previous;
    }
    assert.deepEqual(nameAll(back), [...annaRecords, 'late'].sort());
    assert.deepEqual(
      back,
      [...back].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    );
    const deleted = await tenant.request({ method: 'DELETE', url: `${FHIR}/${keys.late ?? ''}` });
    assert.equal(deleted.statusCode, 204);
  });

  it('answers 404 for an unknown focal resource and 410 for a deleted one', async () => {
    expectOutcome(await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${randomUUID()}/$everything` }), 404);
    expectOutcome(await tenant.request({ method: 'GET', url: `${FHIR}/Encounter/${randomUUID()}/$everything` }), 404);
    const gone = await add('gone', buildPatient());
    assert.equal((await tenant.request({ method: 'DELETE', url: `${FHIR}/Patient/${gone}` })).statusCode, 204);
    const issue = expectOutcome(await tenant.request({ method: 'GET', url: everything('gone') }), 410);
    assert.equal(issue.code, 'deleted');
  });

  it('rejects unknown and malformed parameters, naming them', async () => {
    const reject = async (url: string, expression: string[], text: RegExp) => {
      const issue = expectOutcome(await tenant.request({ method: 'GET', url }), 400);
      assert.deepEqual(issue.expression, expression);
      assert.match(issue.details?.text ?? '', text);
    };
    await reject(`${everything('anna')}?foo=1&_sort=x&foo=2`, ['foo', '_sort'], /"foo", "_sort"/);
    await reject(`${everything('visit2023')}?start=2020`, ['start'], /Encounter \$everything parameter\(s\): "start"/);
    await reject(`${everything('anna')}?start=2020-13`, ['start'], /Invalid start "2020-13"/);
    await reject(`${everything('anna')}?start=2021&end=2020`, ['start'], /start must not be after end/);
    await reject(`${everything('anna')}?_since=2020-01-01`, ['_since'], /an instant is required/);
    await reject(`${everything('anna')}?_type=Observation,Nope`, ['_type'], /unknown resource type "Nope"/);
    await reject(`${everything('anna')}?_count=0`, ['_count'], /Invalid _count "0"/);
    await reject(`${everything('anna')}?_cursor=not-a-cursor`, ['_cursor'], /Invalid _cursor/);
    const badBody = await tenant.request({ method: 'POST', url: everything('anna'), payload: buildPatient() });
    assert.match(expectOutcome(badBody, 400).details?.text ?? '', /must be a Parameters resource/);
  });
});

describe('$everything over an imported Synthea patient', () => {
  let testApp: TestApp;
  let tenant: TestTenant;

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
  });

  after(() => testApp.close());

  it('returns every resource of the patient’s bundle: the compartment as matches, the rest as includes', async () => {
    const [file] = smallestPatientBundles(1);
    assert.ok(file);
    const text = gunzipSync(readFileSync(file)).toString('utf8');
    // 1. Import the bundle as Synthea wrote it.
    const response = await tenant.request({ method: 'POST', url: FHIR, payload: text });
    assert.equal(response.statusCode, 200, response.body.slice(0, 2000));
    const locations = (json<Bundle>(response).entry ?? []).map(
      (entry: BundleEntry) => entry.response?.location?.replace(/\/_history\/\d+$/, '') ?? '',
    );
    const patient = locations.find((location) => location.startsWith('Patient/')) ?? assert.fail('no Patient');
    const patientId = patient.split('/')[1] ?? '';
    // 2. Which stored resources are in the patient's compartment, from their own index rows.
    const inCompartment = new Set([patient]);
    for (const location of locations) {
      const stored = await tenant.request({ method: 'GET', url: `${FHIR}/${location}` });
      const resource = json<Resource>(stored);
      const codes = compartmentParams('Patient', resource.resourceType);
      const links = extractIndexRows(resource).reference.filter(
        (row) => codes.includes(row.code) && row.targetType === 'Patient' && row.targetId === patientId,
      );
      if (links.length > 0) {
        inCompartment.add(location);
      }
    }
    assert.ok(inCompartment.size >= locations.length - 2, `${inCompartment.size} of ${locations.length}`);
    // 3. $everything in pages of 25.
    const matches: string[] = [];
    const includes = new Set<string>();
    let next: string | undefined = `${FHIR}/${patient}/$everything?_count=25`;
    while (next) {
      const page = await tenant.request({ method: 'GET', url: next });
      assert.equal(page.statusCode, 200, page.body);
      const read = readPage(page.body);
      matches.push(...read.matches);
      read.includes.forEach((key) => includes.add(key));
      next = read.links.next ? local(read.links.next) : undefined;
    }
    assert.deepEqual([...matches].sort(), [...inCompartment].sort());
    assert.deepEqual([...includes].sort(), locations.filter((location) => !inCompartment.has(location)).sort());
  });

  it('pages quickly through a patient with more than 2,000 resources', { timeout: 10 * 60_000 }, async (t) => {
    // 1. One patient with 2,100 observations, created in batches of 700.
    const patient = await createResource(tenant, buildPatient());
    const total = 2100;
    for (let batch = 0; batch < total / 700; batch++) {
      const entry = Array.from({ length: 700 }, (_, index) => ({
        resource: buildObservation(patient.id, {
          effectiveDateTime: `2020-01-01T00:00:${String(index % 60).padStart(2, '0')}Z`,
        }),
        request: { method: 'POST' as const, url: 'Observation' },
      }));
      const created = await tenant.request({
        method: 'POST',
        url: FHIR,
        payload: { resourceType: 'Bundle', type: 'batch', entry },
      });
      assert.equal(created.statusCode, 200, created.body.slice(0, 500));
    }
    // 2. Every page of 100, timed.
    const timings: number[] = [];
    const seen = new Set<string>();
    let next: string | undefined = `${FHIR}/Patient/${patient.id}/$everything?_count=100&start=2019&end=2021`;
    while (next) {
      const started = performance.now();
      const page = await tenant.request({ method: 'GET', url: next });
      timings.push(performance.now() - started);
      assert.equal(page.statusCode, 200, page.body.slice(0, 500));
      const read = readPage(page.body);
      read.matches.forEach((key) => seen.add(key));
      next = read.links.next ? local(read.links.next) : undefined;
    }
    assert.equal(seen.size, total + 1);
    const sorted = [...timings].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    t.diagnostic(
      `${testDatabaseMode()}: ${timings.length} pages of 100 over ${total + 1} resources; median ${median.toFixed(1)} ms, max ${Math.max(...timings).toFixed(1)} ms`,
    );
  });
});
