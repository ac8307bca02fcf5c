import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { HTTPMethods } from 'fastify';
import { createApiKey } from '../modules/tenants/index.ts';
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

  it('answers 401 for an unknown credential and for a malformed Authorization header', async () => {
    const token = await tenant.accessToken();
    for (const authorization of [
      'Bearer not-a-real-key-0000000000',
      `Basic ${token}`,
      'Bearer',
      token,
      'Bearer eyJ.x.y',
    ]) {
      const response = await testApp.app.inject({ method: 'GET', url: '/fhir/R4/Patient', headers: { authorization } });
      assert.equal(response.statusCode, 401, authorization.slice(0, 12));
    }
  });

  it("lets an OAuth client's access token through", async () => {
    const response = await tenant.request({ method: 'GET', url: '/fhir/R4/Patient' });

    assert.equal(response.statusCode, 200);
  });

  describe('a retired API key', () => {
    let apiKey: string;

    before(async () => {
      apiKey = await createApiKey(testApp.db, { tenantId: tenant.id, label: 'legacy-script', roles: ['admin'] });
    });

    it('reaches no FHIR route: 403 with an OperationOutcome that names the way to a token', async () => {
      for (const [method, url, payload] of PROTECTED) {
        const response = await testApp.app.inject({
          method,
          url,
          headers: {
            authorization: `Bearer ${apiKey}`,
            ...(payload === undefined ? {} : { 'content-type': 'application/fhir+json' }),
          },
          ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
        });
        assert.equal(response.statusCode, 403, `${method} ${url}`);
        if (method !== 'HEAD') {
          const body = response.json<{
            resourceType: string;
            issue: Array<{ code: string; details?: { text?: string } }>;
          }>();
          assert.equal(body.resourceType, 'OperationOutcome', `${method} ${url}`);
          assert.equal(body.issue[0]?.code, 'forbidden', `${method} ${url}`);
          assert.match(body.issue[0]?.details?.text ?? '', /grant_type=client_credentials/);
        }
      }
    });

    it('reaches none of the other APIs: 403 problem+json with AUTH_API_KEY_RETIRED', async () => {
      const routes: Array<[HTTPMethods, string]> = [
        ['GET', '/api/mpi/reviews'],
        ['GET', '/api/patients/p1/journey'],
        ['GET', '/api/terminology/search?q=dia'],
        ['GET', '/api/admin/users'],
        ['GET', '/api/terminology/bindings'],
        ['POST', '/api/oauth/clients'],
      ];
      for (const [method, url] of routes) {
        const response = await testApp.app.inject({ method, url, headers: { authorization: `Bearer ${apiKey}` } });
        assert.equal(response.statusCode, 403, url);
        assert.match(String(response.headers['content-type']), /application\/problem\+json/, url);
        assert.equal(response.json<{ code: string }>().code, 'AUTH_API_KEY_RETIRED', url);
      }
    });

    it('is refused in the audit trail under its label, never with the key itself', async () => {
      await testApp.app.inject({
        method: 'GET',
        url: '/fhir/R4/Patient',
        headers: { authorization: `Bearer ${apiKey}` },
      });

      // Refusals belong to no tenant; the entry's content names the key's.
      const { rows } = await testApp.db.query<{ content: string }>(
        'SELECT content FROM audit_entry WHERE content LIKE $1',
        [`%${tenant.id}%`],
      );
      const texts = rows.map((row) => row.content);
      assert.ok(
        texts.some((text) => text.includes('legacy-script') && text.includes(tenant.id)),
        'the refusal names the key label and tenant',
      );
      assert.ok(!texts.some((text) => text.includes(apiKey)), 'the key was recorded');
    });
  });
});
