import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Patient } from '@medplum/fhirtypes';
import { createTestApp, type TestApp, type TestTenant } from '../../../test/create-test-app.ts';
import {
  buildPatient,
  countResources,
  createResource,
  expectOutcome,
  FHIR,
  json,
  readAllHistory,
  TEST_SYSTEM,
  uniqueValue,
} from '../fhir-test-support.ts';

/** A Patient carrying the test identifier `value`. */
const patientWith = (value: string, overrides: Partial<Patient> = {}) =>
  buildPatient({ identifier: [{ system: TEST_SYSTEM, value }], ...overrides });

const byIdentifier = (value: string) => `identifier=${encodeURIComponent(`${TEST_SYSTEM}|${value}`)}`;

describe('FHIR conditional interactions', () => {
  let testApp: TestApp;
  let tenant: TestTenant;

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
  });

  after(() => testApp.close());

  describe('conditional create (If-None-Exist)', () => {
    it('creates the resource when nothing matches', async () => {
      const value = uniqueValue();
      const response = await tenant.request({
        method: 'POST',
        url: `${FHIR}/Patient`,
        headers: { 'if-none-exist': `identifier=${TEST_SYSTEM}|${value}` },
        payload: patientWith(value),
      });
      assert.equal(response.statusCode, 201, response.body);
      assert.equal(await countResources(tenant, 'Patient', byIdentifier(value)), 1);
    });

    it('answers 200 with the existing resource when one matches, storing nothing', async () => {
      const value = uniqueValue();
      const existing = await createResource(tenant, patientWith(value, { gender: 'female' }));
      const response = await tenant.request({
        method: 'POST',
        url: `${FHIR}/Patient`,
        headers: { 'if-none-exist': `Patient?identifier=${TEST_SYSTEM}|${value}` },
        payload: patientWith(value, { gender: 'male' }),
      });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(json<Patient>(response).id, existing.id);
      assert.equal(json<Patient>(response).gender, 'female');
      assert.equal(response.headers.etag, 'W/"1"');
      assert.match(String(response.headers.location), new RegExp(`/Patient/${existing.id}/_history/1$`));
      assert.equal(await countResources(tenant, 'Patient', byIdentifier(value)), 1);
      assert.equal((await readAllHistory(tenant, `Patient/${existing.id}/_history`)).length, 1);
    });

    it('refuses with 412 when several resources match, storing nothing', async () => {
      const value = uniqueValue();
      await createResource(tenant, patientWith(value));
      await createResource(tenant, patientWith(value));
      const response = await tenant.request({
        method: 'POST',
        url: `${FHIR}/Patient`,
        headers: { 'if-none-exist': `identifier=${TEST_SYSTEM}|${value}` },
        payload: patientWith(value),
      });
      assert.match(expectOutcome(response, 412).details?.text ?? '', /matched more than one Patient/);
      assert.equal(await countResources(tenant, 'Patient', byIdentifier(value)), 2);
    });

    it('refuses criteria with an unknown parameter with a 400 naming it', async () => {
      const before = await countResources(tenant, 'Patient');
      const response = await tenant.request({
        method: 'POST',
        url: `${FHIR}/Patient`,
        headers: { 'if-none-exist': 'shoe-size=42' },
        payload: buildPatient(),
      });
      assert.deepEqual(expectOutcome(response, 400).expression, ['shoe-size']);
      assert.equal(await countResources(tenant, 'Patient'), before);
    });
  });

  describe('conditional update (PUT Type?criteria)', () => {
    it('creates the resource with a server id when nothing matches and the body has no id', async () => {
      const value = uniqueValue();
      const response = await tenant.request({
        method: 'PUT',
        url: `${FHIR}/Patient?${byIdentifier(value)}`,
        payload: patientWith(value),
      });
      assert.equal(response.statusCode, 201, response.body);
      assert.match(json<Patient>(response).id ?? '', /^[0-9a-f-]{36}$/);
      assert.equal(await countResources(tenant, 'Patient', byIdentifier(value)), 1);
    });

    it('creates the resource with the body id when nothing matches and the body has one', async () => {
      const value = uniqueValue();
      const id = uniqueValue('cond');
      const response = await tenant.request({
        method: 'PUT',
        url: `${FHIR}/Patient?${byIdentifier(value)}`,
        payload: patientWith(value, { id }),
      });
      assert.equal(response.statusCode, 201, response.body);
      assert.equal(json<Patient>(response).id, id);
    });

    it('updates the single match', async () => {
      const value = uniqueValue();
      const existing = await createResource(tenant, patientWith(value, { gender: 'female' }));
      const response = await tenant.request({
        method: 'PUT',
        url: `${FHIR}/Patient?${byIdentifier(value)}`,
        payload: patientWith(value, { gender: 'male' }),
      });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(json<Patient>(response).id, existing.id);
      assert.equal(json<Patient>(response).meta?.versionId, '2');
      const read = await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${existing.id}` });
      assert.equal(json<Patient>(read).gender, 'male');
      assert.equal(await countResources(tenant, 'Patient', byIdentifier(value)), 1);
    });

    it('refuses with 400 when the body id is not the id of the single match, storing nothing', async () => {
      const value = uniqueValue();
      const existing = await createResource(tenant, patientWith(value, { gender: 'female' }));
      const response = await tenant.request({
        method: 'PUT',
        url: `${FHIR}/Patient?${byIdentifier(value)}`,
        payload: patientWith(value, { id: 'some-other-id', gender: 'male' }),
      });
      const issue = expectOutcome(response, 400);
      assert.deepEqual(issue.expression, ['Patient.id']);
      assert.equal((await readAllHistory(tenant, `Patient/${existing.id}/_history`)).length, 1);
      expectOutcome(await tenant.request({ method: 'GET', url: `${FHIR}/Patient/some-other-id` }), 404);
    });

    it('refuses with 412 when several resources match, storing nothing', async () => {
      const value = uniqueValue();
      const first = await createResource(tenant, patientWith(value));
      const second = await createResource(tenant, patientWith(value));
      const response = await tenant.request({
        method: 'PUT',
        url: `${FHIR}/Patient?${byIdentifier(value)}`,
        payload: patientWith(value, { gender: 'other' }),
      });
      assert.match(expectOutcome(response, 412).details?.text ?? '', /matched more than one Patient/);
      for (const id of [first.id, second.id]) {
        assert.equal((await readAllHistory(tenant, `Patient/${id}/_history`)).length, 1);
      }
      assert.equal(await countResources(tenant, 'Patient', byIdentifier(value)), 2);
    });

    it('refuses a conditional update without criteria with 400', async () => {
      const response = await tenant.request({ method: 'PUT', url: `${FHIR}/Patient`, payload: buildPatient() });
      assert.match(expectOutcome(response, 400).details?.text ?? '', /needs search criteria/);
    });
  });

  describe('conditional delete (DELETE Type?criteria)', () => {
    it('deletes the single match', async () => {
      const value = uniqueValue();
      const existing = await createResource(tenant, patientWith(value));
      const response = await tenant.request({ method: 'DELETE', url: `${FHIR}/Patient?${byIdentifier(value)}` });
      assert.equal(response.statusCode, 204);
      expectOutcome(await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${existing.id}` }), 410);
      assert.equal(await countResources(tenant, 'Patient', byIdentifier(value)), 0);
    });

    it('answers 204 when nothing matches', async () => {
      const response = await tenant.request({
        method: 'DELETE',
        url: `${FHIR}/Patient?${byIdentifier(uniqueValue())}`,
      });
      assert.equal(response.statusCode, 204);
    });

    it('refuses with 412 when several resources match, deleting nothing', async () => {
      const value = uniqueValue();
      await createResource(tenant, patientWith(value));
      await createResource(tenant, patientWith(value));
      const response = await tenant.request({ method: 'DELETE', url: `${FHIR}/Patient?${byIdentifier(value)}` });
      assert.match(expectOutcome(response, 412).details?.text ?? '', /matched more than one Patient/);
      assert.equal(await countResources(tenant, 'Patient', byIdentifier(value)), 2);
    });

    it('refuses a conditional delete without criteria with 400, deleting nothing', async () => {
      const before = await countResources(tenant, 'Patient');
      const response = await tenant.request({ method: 'DELETE', url: `${FHIR}/Patient` });
      assert.match(expectOutcome(response, 400).details?.text ?? '', /needs search criteria/);
      assert.equal(await countResources(tenant, 'Patient'), before);
    });
  });
});
