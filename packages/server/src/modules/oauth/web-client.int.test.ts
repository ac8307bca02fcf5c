import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { json } from '../fhir/fhir-test-support.ts';
import { createTestApp, type TestApp, type TestTenant } from '../../test/create-test-app.ts';
import { createPkce, ISSUER, locationOf } from './oauth-test-support.ts';
import { webClientIdOf, type WebClientConfiguration } from './web-client.ts';

describe('the web app’s OAuth client', () => {
  let testApp: TestApp;
  let tenant: TestTenant;

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
  });
  after(() => testApp.close());

  const configurationOf = (query: string) =>
    testApp.app.inject({ method: 'GET', url: `/api/oauth/web-client${query}` });

  it('tells the app, without a credential, its public client, issuer, redirect URI and scopes per kind of user', async () => {
    const response = await configurationOf(`?tenant=${tenant.id}`);
    assert.equal(response.statusCode, 200);
    const configuration = json<WebClientConfiguration>(response);
    assert.deepEqual(configuration, {
      clientId: webClientIdOf(tenant.id),
      tenant: tenant.id,
      authority: ISSUER,
      redirectUri: `${ISSUER}/sign-in/callback`,
      scopes: {
        staff: 'openid profile fhirUser offline_access user/*.cruds',
        patient: 'openid profile fhirUser offline_access launch/patient patient/*.rs',
      },
    });
  });

  it('registers the client so an authorization request with PKCE reaches the sign-in page', async () => {
    const { challenge } = createPkce();
    const query = new URLSearchParams({
      client_id: webClientIdOf(tenant.id),
      redirect_uri: `${ISSUER}/sign-in/callback`,
      response_type: 'code',
      scope: 'openid fhirUser offline_access user/*.cruds',
      state: 'state-1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const response = await testApp.app.inject({ method: 'GET', url: `/oauth/authorize?${query.toString()}` });
    assert.equal(response.statusCode, 303, response.body.slice(0, 300));
    assert.match(locationOf(response), /^\/oauth\/interaction\//);
  });

  it('refuses a redirect URI other than the app’s own', async () => {
    const { challenge } = createPkce();
    const query = new URLSearchParams({
      client_id: webClientIdOf(tenant.id),
      redirect_uri: 'https://elsewhere.example/callback',
      response_type: 'code',
      scope: 'openid',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const response = await testApp.app.inject({ method: 'GET', url: `/oauth/authorize?${query.toString()}` });
    assert.equal(response.statusCode, 400);
    assert.equal(response.headers.location, undefined, 'no redirect to an unregistered address');
  });

  it('answers 404 with a problem for a tenant that does not exist or is not a tenant id', async () => {
    for (const query of ['?tenant=no-such-tenant-0000', '?tenant=Not_A_Tenant']) {
      const response = await configurationOf(query);
      assert.equal(response.statusCode, 404, query);
      assert.equal(json<{ code: string }>(response).code, 'OAUTH_UNKNOWN_TENANT');
    }
  });
});
