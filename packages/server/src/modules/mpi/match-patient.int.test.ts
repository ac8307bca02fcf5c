import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Bundle, Patient, Task } from '@medplum/fhirtypes';
import type { ReviewDetail, ReviewPage, ReviewSummary } from '@caregraph/core/domain';
import { createTestApp, type TestApp, type TestTenant } from '../../test/create-test-app.ts';
import { buildObservation, createResource, FHIR, json } from '../fhir/fhir-test-support.ts';
import { putBindings, seedTerminology } from '../terminology/bindings/bindings-test-support.ts';
import { MATCH_GRADE_EXTENSION } from './operations/run-operation.ts';
import {
  BORDERLINE,
  buildDistinctPatients,
  buildPerson,
  memberIds,
  NEAR_DUPLICATE,
  personOf,
  personsOf,
  readPatient,
  SOMEONE_ELSE,
} from './mpi-test-support.ts';

const TASK_CODE = 'http://caregraph.dev/fhir/CodeSystem/mpi-task|potential-duplicate';

describe('incremental matching', () => {
  let testApp: TestApp;

  before(async () => {
    testApp = await createTestApp();
  });
  after(async () => {
    await testApp.close();
  });

  async function openReviews(tenant: TestTenant): Promise<ReviewSummary[]> {
    const response = await tenant.request({ method: 'GET', url: '/api/mpi/reviews?status=open' });
    assert.equal(response.statusCode, 200, response.body);
    return json<ReviewPage>(response).items;
  }

  it('links a near-duplicate under one golden record that Person?link= finds, with Patient.link both ways', async () => {
    const tenant = await testApp.createTestTenant();
    // 1. The same person registered twice, a nickname apart.
    const first = await createResource(tenant, buildPerson());
    const second = await createResource(tenant, buildPerson(NEAR_DUPLICATE));
    // 2. One Person links both, found from either patient through FHIR search.
    const person = await personOf(tenant, first.id);
    assert.deepEqual(memberIds(person), [first.id, second.id].sort());
    assert.equal((await personOf(tenant, second.id)).id, person.id);
    assert.ok(person.link?.every((link) => link.assurance === 'level4' || link.assurance === 'level3'));
    // 3. Survivorship: the more complete name (with the middle name) wins, the birth date is shared.
    assert.deepEqual(person.name?.[0]?.given, ['Jonathan', 'Edward']);
    assert.equal(person.birthDate, '1975-03-14');
    // 4. The second patient came back from its create already linked; the first was updated.
    assert.deepEqual(second.link, [{ other: { reference: `Patient/${first.id}` }, type: 'seealso' }]);
    assert.deepEqual((await readPatient(tenant, first.id)).link, [
      { other: { reference: `Patient/${second.id}` }, type: 'seealso' },
    ]);
    assert.deepEqual(await openReviews(tenant), []);
  });

  it('leaves someone clearly different on their own, sharing no golden record', async () => {
    const tenant = await testApp.createTestTenant();
    const first = await createResource(tenant, buildPerson());
    const other = await createResource(tenant, buildPerson(SOMEONE_ELSE));
    assert.deepEqual(await personsOf(tenant, first.id), []);
    assert.deepEqual(await personsOf(tenant, other.id), []);
    assert.equal(other.link, undefined);
    assert.deepEqual(await openReviews(tenant), []);
  });

  it('opens a review task for a borderline pair, and the review API shows it field by field', async () => {
    const tenant = await testApp.createTestTenant();
    const first = await createResource(tenant, buildPerson());
    const maybe = await createResource(tenant, buildPerson(BORDERLINE));
    // 1. No shared golden record, and one FHIR Task asking about the pair.
    assert.deepEqual(await personsOf(tenant, maybe.id), []);
    const tasks = await tenant.request({ method: 'GET', url: `${FHIR}/Task?code=${TASK_CODE}&status=requested` });
    const task = json<Bundle>(tasks).entry?.map((entry) => entry.resource as Task);
    assert.equal(task?.length, 1);
    assert.equal(task[0]?.focus?.reference, `Patient/${maybe.id}`);
    assert.equal(task[0]?.input?.[0]?.valueReference?.reference, `Patient/${first.id}`);
    // 2. The queue lists it with both records' cards.
    const [review] = await openReviews(tenant);
    assert.ok(review);
    assert.equal(review.id, task[0]?.id);
    assert.equal(review.grade, 'probable');
    assert.deepEqual([review.a.id, review.b.id], [maybe.id, first.id]);
    assert.equal(review.b.name, 'Jonathan Edward Whitfield');
    // 3. The detail explains every field's weight.
    const detail = json<ReviewDetail>(await tenant.request({ method: 'GET', url: `/api/mpi/reviews/${review.id}` }));
    assert.ok(detail.fields.some((field) => field.field === 'birthDate' && field.agreement !== 'agree'));
    assert.ok(detail.fields.some((field) => field.field === 'familyName' && field.agreement === 'agree'));
    // 4. Saving the record again does not open a second task.
    await tenant.request({ method: 'PUT', url: `${FHIR}/Patient/${maybe.id}`, payload: { ...maybe, active: true } });
    assert.equal((await openReviews(tenant)).length, 1);
  });

  it('keeps a reviewer’s not-a-match and link through later changes', async () => {
    const tenant = await testApp.createTestTenant();
    const first = await createResource(tenant, buildPerson());
    const maybe = await createResource(tenant, buildPerson(BORDERLINE));
    const [review] = await openReviews(tenant);
    assert.ok(review);
    // 1. Not a match: the review closes, and a later edit of either record opens no new review.
    const decided = await tenant.request({
      method: 'POST',
      url: `/api/mpi/reviews/${review.id}/decision`,
      payload: { decision: 'not-a-match' },
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(decided.statusCode, 200, decided.body);
    assert.equal(json<ReviewSummary>(decided).decision, 'not-a-match');
    await tenant.request({
      method: 'PUT',
      url: `${FHIR}/Patient/${maybe.id}`,
      payload: { ...buildPerson(BORDERLINE), id: maybe.id, telecom: [{ system: 'email', value: 'jw@example.org' }] },
    });
    assert.deepEqual(await openReviews(tenant), []);
    assert.deepEqual(await personsOf(tenant, maybe.id), []);
    // 2. Deciding again is refused.
    const again = await tenant.request({
      method: 'POST',
      url: `/api/mpi/reviews/${review.id}/decision`,
      payload: { decision: 'link' },
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(again.statusCode, 409);
    assert.equal(json<{ code: string }>(again).code, 'MPI_REVIEW_CLOSED');
    // 3. A linked borderline pair stays linked when one record changes.
    const other = await createResource(
      tenant,
      buildPerson({ ...BORDERLINE, identifier: [{ system: 'urn:x', value: '1' }] }),
    );
    const open = (await openReviews(tenant)).find((item) => item.a.id === other.id && item.b.id === first.id);
    assert.ok(open, 'the new borderline record is up for review against the first');
    const linked = await tenant.request({
      method: 'POST',
      url: `/api/mpi/reviews/${open.id}/decision`,
      payload: { decision: 'link' },
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(linked.statusCode, 200, linked.body);
    assert.equal((await personOf(tenant, other.id)).id, (await personOf(tenant, first.id)).id);
    await tenant.request({
      method: 'PUT',
      url: `${FHIR}/Patient/${other.id}`,
      payload: { ...(await readPatient(tenant, other.id)), birthDate: '1975-05-14' },
    });
    assert.equal((await personOf(tenant, other.id)).id, (await personOf(tenant, first.id)).id);
    assert.equal(
      (await personOf(tenant, first.id)).link?.find((link) => link.target.reference === `Patient/${other.id}`)
        ?.assurance,
      'level4',
    );
  });

  it('links two duplicates created in one transaction Bundle', async () => {
    const tenant = await testApp.createTestTenant();
    const response = await tenant.request({
      method: 'POST',
      url: FHIR,
      payload: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl: 'urn:uuid:1', resource: buildPerson(), request: { method: 'POST', url: 'Patient' } },
          { fullUrl: 'urn:uuid:2', resource: buildPerson(NEAR_DUPLICATE), request: { method: 'POST', url: 'Patient' } },
        ],
      },
    });
    assert.equal(response.statusCode, 200, response.body);
    const ids = (json<Bundle>(response).entry ?? []).map((entry) => entry.response?.location?.split('/')[1] ?? '');
    const person = await personOf(tenant, ids[0] ?? '');
    assert.deepEqual(memberIds(person), [...ids].sort());
  });

  it('links a duplicate to an older record that a terminology binding added since would refuse', async () => {
    const tenant = await testApp.createTestTenant();
    const terms = await seedTerminology(testApp.db, 'mpi-link-rewrite');
    // 1. The first record's marital status is in no value set the tenant will require.
    const maritalStatus = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'M' }] };
    const first = await createResource(tenant, buildPerson({ maritalStatus }));
    await putBindings(tenant, [
      { resourceType: 'Patient', path: 'Patient.maritalStatus', valueSet: terms.conditionCodes },
    ]);
    const refused = await tenant.request({ method: 'PUT', url: `${FHIR}/Patient/${first.id}`, payload: first });
    assert.equal(refused.statusCode, 400, refused.body);
    // 2. A duplicate arriving now still links: only the older record's links are rewritten, the rest stays as stored.
    const second = await createResource(tenant, buildPerson(NEAR_DUPLICATE));
    assert.deepEqual(memberIds(await personOf(tenant, first.id)), [first.id, second.id].sort());
    const linked = await readPatient(tenant, first.id);
    assert.deepEqual(linked.link, [{ other: { reference: `Patient/${second.id}` }, type: 'seealso' }]);
    assert.deepEqual(linked.maritalStatus, maritalStatus);
  });

  it('files a transaction Bundle of 300 different people without linking or queueing any two', async () => {
    const tenant = await testApp.createTestTenant();
    const patients = buildDistinctPatients(300);
    // 1. One transaction: every record is filed under its blocking keys and matched against the others.
    const response = await tenant.request({
      method: 'POST',
      url: FHIR,
      payload: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: patients.map((resource, index) => ({
          fullUrl: `urn:uuid:00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
          resource,
          request: { method: 'POST', url: 'Patient' },
        })),
      },
    });
    assert.equal(response.statusCode, 200, response.body.slice(0, 500));
    const entries = json<Bundle>(response).entry ?? [];
    assert.equal(entries.filter((entry) => entry.response?.status === '201').length, 300);
    // 2. No golden record, no review task, and no Patient carries a link.
    const persons = await tenant.request({ method: 'GET', url: `${FHIR}/Person?_summary=count` });
    assert.equal(json<Bundle>(persons).total, 0);
    const tasks = await tenant.request({ method: 'GET', url: `${FHIR}/Task?code=${TASK_CODE}&_summary=count` });
    assert.equal(json<Bundle>(tasks).total, 0);
    const linked = await tenant.request({ method: 'GET', url: `${FHIR}/Patient?link:missing=false&_summary=count` });
    assert.equal(json<Bundle>(linked).total, 0);
    assert.deepEqual(await openReviews(tenant), []);
  });

  it('reports the matching step of a Patient write and its parts as Server-Timing, and no step for other resources', async () => {
    const tenant = await testApp.createTestTenant();
    const timings = (header: unknown) => {
      const entries = String(header).split(', ');
      assert.ok(
        entries.every((entry) => /^mpi(-lookup|-cluster|-write)?;dur=\d+\.\d\d$/.test(entry)),
        String(header),
      );
      return new Map(entries.map((entry) => [entry.split(';')[0], Number(entry.split('=')[1])]));
    };
    const created = await tenant.request({ method: 'POST', url: `${FHIR}/Patient`, payload: buildPerson() });
    assert.equal(created.statusCode, 201, created.body);
    // 1. A patient with no duplicate: looked up and scored, nothing re-clustered.
    const alone = timings(created.headers['server-timing']);
    assert.deepEqual([...alone.keys()].sort(), ['mpi', 'mpi-lookup']);
    assert.ok((alone.get('mpi-lookup') ?? Infinity) <= (alone.get('mpi') ?? 0));
    const id = json<Patient & { id: string }>(created).id;
    const updated = await tenant.request({
      method: 'PUT',
      url: `${FHIR}/Patient/${id}`,
      payload: { ...buildPerson({ birthDate: '1975-03-15' }), id },
    });
    assert.equal(updated.statusCode, 200, updated.body);
    assert.deepEqual([...timings(updated.headers['server-timing']).keys()].sort(), ['mpi', 'mpi-lookup']);
    // 2. A duplicate: its golden record is built and written too, each part within the whole step.
    const duplicate = await tenant.request({
      method: 'POST',
      url: `${FHIR}/Patient`,
      payload: buildPerson({ ...NEAR_DUPLICATE, birthDate: '1975-03-15' }),
    });
    assert.equal(duplicate.statusCode, 201, duplicate.body);
    const joined = timings(duplicate.headers['server-timing']);
    assert.deepEqual([...joined.keys()].sort(), ['mpi', 'mpi-cluster', 'mpi-lookup', 'mpi-write']);
    const total = joined.get('mpi') ?? 0;
    assert.ok((joined.get('mpi-lookup') ?? 0) + (joined.get('mpi-cluster') ?? 0) <= total + 0.02);
    assert.ok((joined.get('mpi-write') ?? 0) <= (joined.get('mpi-cluster') ?? 0) + 0.01);
    const observation = await tenant.request({
      method: 'POST',
      url: `${FHIR}/Observation`,
      payload: buildObservation(id),
    });
    assert.equal(observation.statusCode, 201, observation.body);
    assert.equal(observation.headers['server-timing'], undefined);
  });

  it('takes a deleted patient out of its golden record', async () => {
    const tenant = await testApp.createTestTenant();
    const first = await createResource(tenant, buildPerson());
    const second = await createResource(tenant, buildPerson(NEAR_DUPLICATE));
    assert.equal((await tenant.request({ method: 'DELETE', url: `${FHIR}/Patient/${second.id}` })).statusCode, 204);
    assert.deepEqual(await personsOf(tenant, first.id), []);
    assert.deepEqual(await personsOf(tenant, second.id), []);
    const persons = await tenant.request({ method: 'GET', url: `${FHIR}/Person` });
    assert.equal(json<Bundle>(persons).entry?.length ?? 0, 0, 'the golden record went with its second member');
    assert.equal((await readPatient(tenant, first.id)).link, undefined);
  });

  it('answers Patient/$match with scores and match grades, best first', async () => {
    const tenant = await testApp.createTestTenant();
    const first = await createResource(tenant, buildPerson());
    const other = await createResource(tenant, buildPerson(BORDERLINE));
    await createResource(tenant, buildPerson(SOMEONE_ELSE));
    const match = (parameter: unknown[]) =>
      tenant.request({
        method: 'POST',
        url: `${FHIR}/Patient/$match`,
        payload: { resourceType: 'Parameters', parameter },
      });
    const query: Patient = buildPerson(NEAR_DUPLICATE);
    // 1. Every plausible match, best first, graded.
    const all = await match([{ name: 'resource', resource: query }]);
    assert.equal(all.statusCode, 200, all.body);
    const bundle = json<Bundle>(all);
    assert.equal(bundle.type, 'searchset');
    const entries = bundle.entry ?? [];
    assert.deepEqual(
      entries.map((entry) => entry.resource?.id),
      [first.id, other.id],
    );
    assert.equal(entries[0]?.search?.mode, 'match');
    assert.ok((entries[0]?.search?.score ?? 0) > (entries[1]?.search?.score ?? 1));
    assert.deepEqual(
      entries.map(
        (entry) => entry.search?.extension?.find((extension) => extension.url === MATCH_GRADE_EXTENSION)?.valueCode,
      ),
      ['certain', 'probable'],
    );
    // 2. onlyCertainMatches and count.
    const certain = json<Bundle>(
      await match([
        { name: 'resource', resource: query },
        { name: 'onlyCertainMatches', valueBoolean: true },
      ]),
    );
    assert.deepEqual(
      certain.entry?.map((entry) => entry.resource?.id),
      [first.id],
    );
    const one = json<Bundle>(
      await match([
        { name: 'resource', resource: query },
        { name: 'count', valueInteger: 1 },
      ]),
    );
    assert.equal(one.entry?.length, 1);
    // 3. Bad input names the parameter.
    const bad = await match([{ name: 'resources', resource: query }]);
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /Parameters\.parameter\[0\]/);
  });
});
