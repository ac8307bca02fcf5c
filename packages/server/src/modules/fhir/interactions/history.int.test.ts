import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Bundle, Patient } from '@medplum/fhirtypes';
import { createTestApp, type TestApp, type TestTenant } from '../../../test/create-test-app.ts';
import {
  buildObservation,
  buildPatient,
  createResource,
  expectOutcome,
  FHIR,
  FHIR_BASE_URL,
  json,
  readAllHistory,
  uniqueValue,
} from '../fhir-test-support.ts';

describe('FHIR _history', () => {
  let testApp: TestApp;

  before(async () => {
    testApp = await createTestApp();
  });

  after(() => testApp.close());

  /** A fresh tenant holding one Patient with three versions (create, update, delete) and one Observation. */
  async function tenantWithHistory(): Promise<{ tenant: TestTenant; patientId: string; observationId: string }> {
    const tenant = await testApp.createTestTenant();
    const patient = await createResource(tenant, buildPatient({ gender: 'female' }));
    const updated = await tenant.request({
      method: 'PUT',
      url: `${FHIR}/Patient/${patient.id}`,
      payload: { ...patient, gender: 'male' },
    });
    assert.equal(updated.statusCode, 200);
    const observation = await createResource(tenant, buildObservation(patient.id));
    const deleted = await tenant.request({ method: 'DELETE', url: `${FHIR}/Patient/${patient.id}` });
    assert.equal(deleted.statusCode, 204);
    return { tenant, patientId: patient.id, observationId: observation.id };
  }

  it('lists the versions of one resource newest first, with methods, statuses and ETags', async () => {
    const { tenant, patientId } = await tenantWithHistory();
    const response = await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${patientId}/_history` });
    assert.equal(response.statusCode, 200);
    const bundle = json<Bundle<Patient>>(response);
    assert.equal(bundle.type, 'history');
    assert.deepEqual(
      bundle.entry?.map((entry) => [entry.request?.method, entry.response?.status, entry.response?.etag]),
      [
        ['DELETE', '204', 'W/"3"'],
        ['PUT', '200', 'W/"2"'],
        ['POST', '201', 'W/"1"'],
      ],
    );
    assert.equal(bundle.entry?.[1]?.resource?.gender, 'male');
    assert.equal(bundle.entry?.[2]?.resource?.gender, 'female');
    assert.equal(bundle.entry?.[0]?.fullUrl, `${FHIR_BASE_URL}/Patient/${patientId}`);
    assert.ok(bundle.entry?.every((entry) => entry.response?.lastModified));
  });

  it('answers 404 for the history of an id that was never stored', async () => {
    const tenant = await testApp.createTestTenant();
    const response = await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${uniqueValue('nobody')}/_history` });
    expectOutcome(response, 404);
  });

  it('lists every version of every resource of a type at type level', async () => {
    const { tenant, patientId } = await tenantWithHistory();
    const entries = await readAllHistory(tenant, 'Patient/_history');
    assert.equal(entries.length, 3);
    assert.ok(entries.every((entry) => entry.fullUrl === `${FHIR_BASE_URL}/Patient/${patientId}`));
  });

  it('lists every version of every type at system level', async () => {
    const { tenant, patientId, observationId } = await tenantWithHistory();
    const entries = await readAllHistory(tenant, '_history');
    assert.deepEqual(
      entries.map((entry) => `${entry.fullUrl?.replace(`${FHIR_BASE_URL}/`, '')} ${entry.response?.etag}`).sort(),
      [
        `Observation/${observationId} W/"1"`,
        `Patient/${patientId} W/"1"`,
        `Patient/${patientId} W/"2"`,
        `Patient/${patientId} W/"3"`,
      ].sort(),
    );
  });

  it('pages with _count and next/previous links that together cover every version once', async () => {
    const tenant = await testApp.createTestTenant();
    const patient = await createResource(tenant, buildPatient());
    for (let version = 2; version <= 5; version++) {
      await tenant.request({
        method: 'PUT',
        url: `${FHIR}/Patient/${patient.id}`,
        payload: { ...patient, name: [{ family: `Version${version}` }] },
      });
    }
    // 1. The first page has two entries and a next link but no previous link.
    const first = json<Bundle>(
      await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${patient.id}/_history?_count=2` }),
    );
    assert.deepEqual(
      first.entry?.map((entry) => entry.response?.etag),
      ['W/"5"', 'W/"4"'],
    );
    const relations = (bundle: Bundle) => bundle.link?.map((link) => link.relation).sort();
    assert.deepEqual(relations(first), ['next', 'self']);
    // 2. Following next links visits every version once, newest first.
    const etags: string[] = [];
    let page: Bundle | undefined = first;
    let last: Bundle = first;
    while (page) {
      etags.push(...(page.entry ?? []).map((entry) => entry.response?.etag ?? ''));
      last = page;
      const next: string | undefined = page.link?.find((link) => link.relation === 'next')?.url;
      assert.ok(!next || next.startsWith(`${FHIR_BASE_URL}/Patient/${patient.id}/_history?`), next);
      page = next
        ? json<Bundle>(await tenant.request({ method: 'GET', url: next.replace(FHIR_BASE_URL, FHIR) }))
        : undefined;
    }
    assert.deepEqual(etags, ['W/"5"', 'W/"4"', 'W/"3"', 'W/"2"', 'W/"1"']);
    // 3. The last page links back but not forward.
    assert.deepEqual(relations(last), ['previous', 'self']);
  });

  it('lists only versions at or after _since', async () => {
    const tenant = await testApp.createTestTenant();
    // 1. An old resource, then a pause, then a new one.
    const old = await createResource(tenant, buildPatient());
    await sleep(20);
    const since = new Date(Date.parse(old.meta?.lastUpdated ?? '') + 10).toISOString();
    await sleep(20);
    const recent = await createResource(tenant, buildPatient());
    // 2. _since keeps only the new one, at every level.
    for (const path of ['_history', 'Patient/_history']) {
      const response = await tenant.request({
        method: 'GET',
        url: `${FHIR}/${path}?_since=${encodeURIComponent(since)}`,
      });
      assert.deepEqual(
        json<Bundle>(response).entry?.map((entry) => entry.resource?.id),
        [recent.id],
        path,
      );
    }
    const instance = await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${old.id}/_history?_since=${since}` });
    assert.deepEqual(json<Bundle>(instance).entry, []);
  });

  it('refuses a _since that is not an instant, naming the parameter', async () => {
    const tenant = await testApp.createTestTenant();
    for (const since of ['2020-01-01', 'yesterday', '2020-02-30T00:00:00Z']) {
      const response = await tenant.request({ method: 'GET', url: `${FHIR}/_history?_since=${since}` });
      assert.deepEqual(expectOutcome(response, 400).expression, ['_since'], since);
    }
  });

  it('refuses an unsupported history parameter or a bad _count, naming it', async () => {
    const tenant = await testApp.createTestTenant();
    const unknown = await tenant.request({ method: 'GET', url: `${FHIR}/Patient/_history?gender=male` });
    assert.deepEqual(expectOutcome(unknown, 400).expression, ['gender']);
    const badCount = await tenant.request({ method: 'GET', url: `${FHIR}/_history?_count=many` });
    assert.deepEqual(expectOutcome(badCount, 400).expression, ['_count']);
  });

  it('answers _count=0 with an empty page and no next link', async () => {
    const { tenant } = await tenantWithHistory();
    const bundle = json<Bundle>(await tenant.request({ method: 'GET', url: `${FHIR}/_history?_count=0` }));
    assert.deepEqual(bundle.entry, []);
    assert.deepEqual(
      bundle.link?.map((link) => link.relation),
      ['self'],
    );
  });
});
