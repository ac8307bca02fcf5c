import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { HTTPMethods } from 'fastify';
import { createTestApp, type TestApp, type TestTenant } from '../test/create-test-app.ts';

const PUBLIC: Array<[HTTPMethods, string]> = [
  ['GET', '/healthz'],
  ['GET', '/readyz'],
  ['GET', '/metrics'],
  ['GET', '/fhir/R4/metadata'],
];

/** One request per FHIR interaction the server routes; none may run without credentials. */
const PROTECTED: Array<[HTTPMethods, string, unknown?]> = [
  ['GET', '/fhir/R4/Patient'],
  ['GET', '/fhir/R4/Patient?name=x'],
  ['POST', '/fhir/R4/Patient/_search'],
  ['GET', '/fhir/R4/Patient/p1'],
  ['HEAD', '/fhir/R4/Patient/p1'],
  ['GET', '/fhir/R4/Patient/p1/_history'],
  ['GET', '/fhir/R4/Patient/p1/_history/1'],
  ['GET', '/fhir/R4/Patient/_history'],
  ['GET', '/fhir/R4/_history'],
  ['GET', '/fhir/R4'],
  ['POST', '/fhir/R4', { resourceType: 'Bundle', type: 'batch' }],
  ['POST', '/fhir/R4/Patient', { resourceType: 'Patient' }],
  ['PUT', '/fhir/R4/Patient/p1', { resourceType: 'Patient', id: 'p1' }],
  ['PATCH', '/fhir/R4/Patient/p1', []],
  ['DELETE', '/fhir/R4/Patient/p1'],
  ['DELETE', '/fhir/R4/Patient?identifier=x'],
  ['POST', '/fhir/R4/Patient/$validate', { resourceType: 'Patient' }],
  ['GET', '/fhir/R4/NoSuchType'],
];

describe('authentication', () => {
  let testApp: TestApp;
  let tenant: TestTenant;

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
  });

  after(() => testApp.close());

  it('serves health, metrics and the CapabilityStatement without credentials', async () => {
    for (const [method, url] of PUBLIC) {
      const response = await testApp.app.inject({ method, url });
      assert.equal(response.statusCode, 200, `${method} ${url}`);
    }
  });

  it('answers every other FHIR route with 401 and an OperationOutcome when credentials are missing', async () => {
    for (const [method, url, payload] of PROTECTED) {
      const response = await testApp.app.inject({
        method,
        url,
        ...(payload === undefined
          ? {}
          : { payload: JSON.stringify(payload), headers: { 'content-type': 'application/fhir+json' } }),
      });
      assert.equal(response.statusCode, 401, `${method} ${url}`);
      if (method !== 'HEAD') {
        const body = response.json<{ resourceType: string; issue: Array<{ code: string }> }>();
        assert.equal(body.resourceType, 'OperationOutcome', `${method} ${url}`);
        assert.equal(body.issue[0]?.code, 'login', `${method} ${url}`);
      }
    }
  });

  it('answers 401 for an unknown key and for a malformed Authorization header', async () => {
    for (const authorization of [
      'Bearer not-a-real-key-0000000000',
      `Basic ${tenant.apiKey}`,
      'Bearer',
      tenant.apiKey,
    ]) {
      const response = await testApp.app.inject({ method: 'GET', url: '/fhir/R4/Patient', headers: { authorization } });
      assert.equal(response.statusCode, 401, authorization.slice(0, 12));
    }
  });

  it('lets a valid key through', async () => {
    const response = await tenant.request({ method: 'GET', url: '/fhir/R4/Patient' });

    assert.equal(response.statusCode, 200);
  });
});
