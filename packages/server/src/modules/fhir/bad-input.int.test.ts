import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { createTestApp, type TestApp, type TestTenant } from '../../test/create-test-app.ts';
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
} from './fhir-test-support.ts';

describe('FHIR bad input', () => {
  let testApp: TestApp;
  let tenant: TestTenant;

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
  });

  after(() => testApp.close());

  /** POSTs raw text as FHIR JSON (or another content type). */
  const postRaw = (path: string, payload: string, contentType = 'application/fhir+json') =>
    tenant.request({ method: 'POST', url: `${FHIR}/${path}`, headers: { 'content-type': contentType }, payload });

  describe('malformed requests', () => {
    it('answers malformed JSON with a 400 OperationOutcome, storing nothing', async () => {
      const before = await countResources(tenant, 'Patient');
      const issue = expectOutcome(await postRaw('Patient', '{"resourceType": "Patient", "gender": '), 400);
      assert.match(issue.details?.text ?? '', /^Malformed JSON/);
      assert.equal(await countResources(tenant, 'Patient'), before);
    });

    it('answers an empty body and a body that is not an object with 400', async () => {
      assert.match(expectOutcome(await postRaw('Patient', ''), 400).details?.text ?? '', /empty/);
      for (const body of ['[]', '"Patient"', '42', 'null']) {
        const issue = expectOutcome(await postRaw('Patient', body), 400);
        assert.match(issue.details?.text ?? '', /must be a FHIR resource/, body);
      }
    });

    it('refuses JSON with a __proto__ key rather than parse it into the prototype', async () => {
      expectOutcome(await postRaw('Patient', '{"resourceType": "Patient", "__proto__": {"admin": true}}'), 400);
    });

    it('answers a body that is not JSON with 415', async () => {
      for (const contentType of ['text/plain', 'application/xml', 'application/fhir+xml']) {
        const response = await postRaw('Patient', '<Patient xmlns="http://hl7.org/fhir"/>', contentType);
        assert.equal(expectOutcome(response, 415).code, 'not-supported', contentType);
      }
    });

    it('refuses a resource whose resourceType is not the one in the URL, naming resourceType', async () => {
      const issue = expectOutcome(
        await tenant.request({ method: 'POST', url: `${FHIR}/Patient`, payload: { resourceType: 'Observation' } }),
        400,
      );
      assert.deepEqual(issue.expression, ['resourceType']);
      assert.match(issue.details?.text ?? '', /"Observation" does not match the URL's resource type "Patient"/);
      const missing = expectOutcome(
        await tenant.request({ method: 'POST', url: `${FHIR}/Patient`, payload: { gender: 'male' } }),
        400,
      );
      assert.deepEqual(missing.expression, ['resourceType']);
    });

    it('refuses an update whose body id differs from the URL id, storing nothing', async () => {
      const created = await createResource(tenant, buildPatient());
      const response = await tenant.request({
        method: 'PUT',
        url: `${FHIR}/Patient/${created.id}`,
        payload: { ...created, id: 'another', gender: 'male' },
      });
      const issue = expectOutcome(response, 400);
      assert.deepEqual(issue.expression, ['Patient.id']);
      assert.match(issue.details?.text ?? '', /"another" does not match the URL id/);
      assert.equal((await readAllHistory(tenant, `Patient/${created.id}/_history`)).length, 1);
      expectOutcome(await tenant.request({ method: 'GET', url: `${FHIR}/Patient/another` }), 404);
    });

    it('refuses an update without an id in the body, storing nothing', async () => {
      const id = uniqueValue('noid');
      const response = await tenant.request({ method: 'PUT', url: `${FHIR}/Patient/${id}`, payload: buildPatient() });
      assert.deepEqual(expectOutcome(response, 400).expression, ['Patient.id']);
      expectOutcome(await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${id}` }), 404);
    });

    it('refuses an id in the URL that FHIR does not allow', async () => {
      const tooLong = 'x'.repeat(65);
      for (const id of [tooLong, 'a_b', 'a%20b']) {
        const response = await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${id}` });
        assert.match(expectOutcome(response, 400).details?.text ?? '', /Invalid resource id/, id);
      }
    });

    it('refuses an unknown resource type with an OperationOutcome', async () => {
      for (const [method, url] of [
        ['GET', 'Spaceship/1'],
        ['POST', 'Spaceship'],
        ['GET', 'patient'],
      ] as const) {
        const response = await tenant.request({
          method,
          url: `${FHIR}/${url}`,
          ...(method === 'POST' ? { payload: { resourceType: 'Spaceship' } } : {}),
        });
        assert.match(expectOutcome(response, 400).details?.text ?? '', /Unknown resource type/, url);
      }
    });

    it('answers an interaction the router does not have with an OperationOutcome', async () => {
      assert.equal(
        expectOutcome(await tenant.request({ method: 'GET', url: `${FHIR}/Patient/1/_history/1/more` }), 404).code,
        'not-found',
      );
      expectOutcome(
        await tenant.request({
          method: 'PATCH',
          url: `${FHIR}/Patient`,
          headers: { 'content-type': 'application/json-patch+json' },
          payload: '[]',
        }),
        405,
      );
      expectOutcome(await tenant.request({ method: 'OPTIONS', url: `${FHIR}/Patient` }), 404);
    });
  });

  describe('invalid resources', () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['a code outside its required value set', { gender: 'x' }, 'Patient.gender'],
      ['an impossible date', { birthDate: '2020-13-45' }, 'Patient.birthDate'],
      ['an element R4 does not define', { favouriteColour: 'blue' }, 'Patient.favouriteColour'],
      ['a value of the wrong JSON type', { active: 'yes' }, 'Patient.active'],
    ];
    for (const [what, overrides, expression] of cases) {
      it(`refuses a Patient with ${what} with 400 naming ${expression}, storing nothing`, async () => {
        const value = uniqueValue();
        const body = { ...buildPatient({ identifier: [{ system: TEST_SYSTEM, value }] }), ...overrides };
        // 1. Create and update-as-create are both refused.
        const created = await tenant.request({ method: 'POST', url: `${FHIR}/Patient`, payload: body });
        const outcome = json<OperationOutcome>(created);
        expectOutcome(created, 400);
        const issue = outcome.issue?.find((item) => item.severity === 'error');
        assert.deepEqual(issue?.expression, [expression], JSON.stringify(outcome));
        const id = uniqueValue('invalid');
        const updated = await tenant.request({ method: 'PUT', url: `${FHIR}/Patient/${id}`, payload: { ...body, id } });
        expectOutcome(updated, 400);
        // 2. Nothing was stored under either.
        assert.equal(await countResources(tenant, 'Patient', `identifier=${TEST_SYSTEM}|${value}`), 0);
        expectOutcome(await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${id}` }), 404);
      });
    }
  });

  describe('credentials', () => {
    it('answers a request without credentials with 401', async () => {
      const response = await testApp.app.inject({ method: 'GET', url: `${FHIR}/Patient` });
      assert.equal(expectOutcome(response, 401).code, 'login');
    });

    it('answers a request with an unknown or malformed credential with 401', async () => {
      for (const authorization of ['Bearer not-a-key', `Basic ${await tenant.accessToken()}`, 'Bearer']) {
        const response = await testApp.app.inject({
          method: 'GET',
          url: `${FHIR}/Patient`,
          headers: { authorization },
        });
        assert.equal(expectOutcome(response, 401).code, 'login', authorization);
      }
    });

    it('checks credentials before anything else, so a write without them stores nothing', async () => {
      const value = uniqueValue();
      const response = await testApp.app.inject({
        method: 'POST',
        url: `${FHIR}/Patient`,
        headers: { 'content-type': 'application/fhir+json' },
        payload: buildPatient({ identifier: [{ system: TEST_SYSTEM, value }] }),
      });
      expectOutcome(response, 401);
      assert.equal(await countResources(tenant, 'Patient', `identifier=${TEST_SYSTEM}|${value}`), 0);
    });

    it('serves the CapabilityStatement without credentials', async () => {
      const response = await testApp.app.inject({ method: 'GET', url: `${FHIR}/metadata` });
      assert.equal(response.statusCode, 200);
      assert.equal(json(response).resourceType, 'CapabilityStatement');
    });
  });

  describe('body size', () => {
    let smallApp: TestApp;
    let smallTenant: TestTenant;

    before(async () => {
      smallApp = await createTestApp({ CAREGRAPH_BODY_LIMIT: '1000' });
      smallTenant = await smallApp.createTestTenant();
    });

    after(() => smallApp.close());

    it('refuses a body over the limit with 413, storing nothing', async () => {
      const value = uniqueValue();
      const big = buildPatient({
        identifier: [{ system: TEST_SYSTEM, value }],
        name: [{ family: 'x'.repeat(2000) }],
      });
      const response = await smallTenant.request({ method: 'POST', url: `${FHIR}/Patient`, payload: big });
      assert.equal(expectOutcome(response, 413).code, 'too-costly');
      assert.equal(await countResources(smallTenant, 'Patient', `identifier=${TEST_SYSTEM}|${value}`), 0);
      // A small body still goes through.
      const small = await smallTenant.request({ method: 'POST', url: `${FHIR}/Patient`, payload: buildPatient() });
      assert.equal(small.statusCode, 201);
    });
  });
});
