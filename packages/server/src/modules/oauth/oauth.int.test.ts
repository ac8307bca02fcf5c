import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { buildPatient, FHIR, FHIR_BASE_URL, json } from '../fhir/fhir-test-support.ts';
import { createTestApp, type TestApp, type TestTenant } from '../../test/create-test-app.ts';
import { createApiKey } from '../tenants/index.ts';
import { ensureBootstrapClient } from './index.ts';
import { basicAuth, ISSUER, postForm, requestClientToken, tokenParts } from './oauth-test-support.ts';

describe('authorization server: discovery, client credentials, introspection, revocation, key rotation', () => {
  let testApp: TestApp;
  let tenant: TestTenant;
  let patientId: string;
  const clientId = `scripts-${randomBytes(4).toString('hex')}`;
  const secret = randomBytes(32).toString('base64url');

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
    await ensureBootstrapClient(testApp.db, { tenantId: tenant.id, clientId, clientSecret: secret });
    const created = await tenant.request({ method: 'POST', url: `${FHIR}/Patient`, payload: buildPatient() });
    patientId = json<{ id: string }>(created).id;
  });
  after(() => testApp.close());

  const readPatient = (token: string) =>
    testApp.app.inject({
      method: 'GET',
      url: `${FHIR}/Patient/${patientId}`,
      headers: { authorization: `Bearer ${token}` },
    });

  it('publishes the OpenID configuration with the base URL as issuer', async () => {
    const response = await testApp.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' });
    assert.equal(response.statusCode, 200);
    const document = json(response);
    assert.equal(document.issuer, ISSUER);
    assert.equal(document.token_endpoint, `${ISSUER}/oauth/token`);
    assert.equal(document.jwks_uri, `${ISSUER}/oauth/jwks`);
    assert.deepEqual(document.code_challenge_methods_supported, ['S256']);
    assert.ok((document.grant_types_supported as string[]).includes('client_credentials'));
  });

  it('publishes the SMART configuration relative to the FHIR base, readable from any origin', async () => {
    const response = await testApp.app.inject({
      method: 'GET',
      url: `${FHIR}/.well-known/smart-configuration`,
      headers: { origin: 'http://app.example' },
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['access-control-allow-origin'], '*');
    const document = json(response);
    assert.equal(document.issuer, ISSUER);
    assert.equal(document.authorization_endpoint, `${ISSUER}/oauth/authorize`);
    assert.equal(document.token_endpoint, `${ISSUER}/oauth/token`);
    for (const capability of ['launch-standalone', 'launch-ehr', 'context-standalone-patient', 'permission-v2']) {
      assert.ok((document.capabilities as string[]).includes(capability), capability);
    }
  });

  it('answers FHIR preflight requests for browser apps', async () => {
    const response = await testApp.app.inject({
      method: 'OPTIONS',
      url: `${FHIR}/Patient/${patientId}`,
      headers: { origin: 'http://app.example', 'access-control-request-method': 'GET' },
    });
    assert.equal(response.statusCode, 204);
    assert.match(String(response.headers['access-control-allow-headers']), /Authorization/);
  });

  it('issues a signed JWT access token to the bootstrap client, which reads FHIR', async () => {
    const { response, body } = await requestClientToken(testApp.app, clientId, secret);
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.scope, 'system/*.*');
    const { header, claims } = tokenParts(String(body.access_token));
    assert.equal(header.typ, 'at+jwt');
    assert.equal(header.alg, 'RS256');
    assert.equal(claims.iss, ISSUER);
    assert.equal(claims.aud, FHIR_BASE_URL);
    assert.equal(claims.client_id, clientId);
    assert.equal(claims.tenant, tenant.id);

    const read = await readPatient(String(body.access_token));
    assert.equal(read.statusCode, 200);
    assert.equal(json(read).id, patientId);
  });

  it('grants only the scopes the client is registered for', async () => {
    const { body } = await requestClientToken(testApp.app, clientId, secret, {
      scope: 'system/Patient.rs patient/*.rs',
    });
    assert.equal(body.scope, 'system/Patient.rs');
  });

  it('refuses a wrong client secret with 401 invalid_client', async () => {
    const { response, body } = await requestClientToken(testApp.app, clientId, 'not-the-secret');
    assert.equal(response.statusCode, 401);
    assert.equal(body.error, 'invalid_client');
  });

  it('refuses a token that is not ours, or is tampered with, with 401', async () => {
    const { body } = await requestClientToken(testApp.app, clientId, secret);
    const [head, payload, signature = ''] = String(body.access_token).split('.');
    const tampered = `${head}.${payload}.${signature.slice(0, -4)}AAAA`;
    const response = await readPatient(tampered);
    assert.equal(response.statusCode, 401);
  });

  it('introspects an active token for its client, and revokes it so that it is refused', async () => {
    const { body } = await requestClientToken(testApp.app, clientId, secret);
    const token = String(body.access_token);
    const auth = { authorization: basicAuth(clientId, secret) };

    // 1. Introspection says active, with scope, client and tenant.
    const active = await postForm(testApp.app, '/oauth/token/introspection', { token }, auth);
    assert.equal(active.statusCode, 200);
    assert.equal(json(active).active, true);
    assert.equal(json(active).scope, 'system/*.*');
    assert.equal(json(active).client_id, clientId);

    // 2. Introspection needs client authentication.
    const anonymous = await postForm(testApp.app, '/oauth/token/introspection', { token });
    assert.equal(anonymous.statusCode, 401);

    // 3. Revocation answers 200; the token no longer reads and introspects as inactive.
    const revoked = await postForm(testApp.app, '/oauth/token/revocation', { token }, auth);
    assert.equal(revoked.statusCode, 200);
    assert.equal((await readPatient(token)).statusCode, 401);
    const inactive = await postForm(testApp.app, '/oauth/token/introspection', { token }, auth);
    assert.deepEqual(json(inactive), { active: false });
  });

  it('refuses a token once it has expired, though its signature was verified before', async (context) => {
    const { body } = await requestClientToken(testApp.app, clientId, secret);
    const token = String(body.access_token);
    assert.equal((await readPatient(token)).statusCode, 200);
    // The server's clock (not the database's, which still finds the token unexpired) moves past `exp`.
    const exp = Number(tokenParts(token).claims.exp);
    context.mock.timers.enable({ apis: ['Date'], now: (exp + 1) * 1000 });
    assert.equal((await readPatient(token)).statusCode, 401);
    context.mock.timers.reset();
    assert.equal((await readPatient(token)).statusCode, 200);
  });

  it('rotates the signing key: old tokens verify until they expire, new tokens use the new key', async () => {
    // 1. A token signed with the current key.
    const before = String((await requestClientToken(testApp.app, clientId, secret)).body.access_token);
    const oldKid = tokenParts(before).header.kid;

    // 2. Rotate.
    const newKid = await testApp.app.oauth.rotateSigningKey();
    assert.notEqual(newKid, oldKid);

    // 3. The old token still reads; a new one carries the new key id; both keys are published.
    assert.equal((await readPatient(before)).statusCode, 200);
    const after = String((await requestClientToken(testApp.app, clientId, secret)).body.access_token);
    assert.equal(tokenParts(after).header.kid, newKid);
    assert.equal((await readPatient(after)).statusCode, 200);
    const jwks = json<{ keys: { kid: string; d?: string }[] }>(
      await testApp.app.inject({ method: 'GET', url: '/oauth/jwks' }),
    );
    const kids = jwks.keys.map((key) => key.kid);
    assert.ok(kids.includes(String(oldKid)) && kids.includes(newKid));
    assert.ok(
      jwks.keys.every((key) => key.d === undefined),
      'no private key material is published',
    );
  });

  it('replaces API keys: a key of the same tenant reaches no patient data, its token does', async () => {
    const apiKey = await createApiKey(testApp.db, { tenantId: tenant.id, label: 'old-script', roles: ['admin'] });
    const url = `${FHIR}/Patient/${patientId}`;

    const byKey = await testApp.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${apiKey}` } });
    const byToken = await tenant.request({ method: 'GET', url });

    assert.equal(byKey.statusCode, 403);
    assert.equal(byToken.statusCode, 200);
  });
});
