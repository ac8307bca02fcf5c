// Signed-in users of each role for access tests: a user is created, signs in through the real
// authorization-code flow (sign-in page, consent, PKCE token exchange) and gets a user token, as
// a SMART app's user would.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { FHIR_BASE_URL } from '../fhir/fhir-test-support.ts';
import { createUser, type Role } from '../identity/index.ts';
import { registerClient } from '../oauth/index.ts';
import { CookieJar, createPkce, locationOf, postForm } from '../oauth/oauth-test-support.ts';
import type { TestApp, TestTenant } from '../../test/create-test-app.ts';

const REDIRECT_URI = 'http://app.example/callback';
const PASSWORD = 'amber lantern meadow 17';

/** A signed-in user: their token and `app.inject` with it. */
export type TestUser = {
  role: Role;
  userId: string;
  email: string;
  token: string;
  /** `app.inject` with the user's bearer token (and the FHIR JSON content type when there is a payload). */
  request: (options: InjectOptions) => Promise<LightMyRequestResponse>;
};

/** Registers the tenant's test SMART app once: user and patient scopes, every interaction. */
export async function registerTestApp(testApp: TestApp, tenant: TestTenant): Promise<string> {
  const { clientId } = await registerClient(testApp.db, {
    tenantId: tenant.id,
    clientName: 'Access test app',
    isConfidential: false,
    redirectUris: [REDIRECT_URI],
    grantTypes: ['authorization_code'],
    allowedScopes: ['openid', 'fhirUser', 'launch/patient', 'patient/*.cruds', 'user/*.cruds'],
  });
  return clientId;
}

/** Drives sign-in and consent in a cookie jar; answers the authorization code. */
async function authorize(testApp: TestApp, clientId: string, email: string, scope: string, challenge: string) {
  const jar = new CookieJar();
  const get = async (url: string) => {
    const response = await testApp.app.inject({ method: 'GET', url, headers: { cookie: jar.header() } });
    jar.store(response);
    return response;
  };
  const post = async (url: string, form: Record<string, string>) => {
    const response = await postForm(testApp.app, url, form, { cookie: jar.header() });
    jar.store(response);
    return response;
  };
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    scope,
    state: 's',
    aud: FHIR_BASE_URL,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  // 1. The authorization request leads to the sign-in page; 2. signing in to consent; 3. allowing to the code.
  const interaction = locationOf(await get(`/oauth/authorize?${query.toString()}`));
  const signedIn = await post(`${interaction}/login`, { email, password: PASSWORD });
  assert.equal(signedIn.statusCode, 303, signedIn.body);
  const consentAt = locationOf(await get(locationOf(signedIn)));
  const allowed = await post(`${consentAt}/consent`, { decision: 'allow' });
  const callback = new URL(locationOf(await get(locationOf(allowed))));
  const code = callback.searchParams.get('code');
  assert.ok(code, `no code for ${email}: ${callback.toString()}`);
  return code;
}

/**
 * Creates a user of `role` (linked to `fhirUser`, and for patients to their Patient) and signs them
 * in: patients get `patient/*.cruds` launched with their own record, everyone else `user/*.cruds`.
 * What they may really do is then the tenant's access policy's business.
 */
export async function signInAs(
  testApp: TestApp,
  tenant: TestTenant,
  clientId: string,
  options: { role: Role; fhirUser?: string; patientId?: string },
): Promise<TestUser> {
  const email = `${options.role}-${randomBytes(4).toString('hex')}@clinic.example`;
  const user = await createUser(
    { db: testApp.db, now: () => new Date() },
    {
      tenantId: tenant.id,
      email,
      displayName: `Test ${options.role}`,
      roles: [options.role],
      password: PASSWORD,
      ...(options.fhirUser ? { fhirUser: options.fhirUser } : {}),
      ...(options.patientId ? { patientId: options.patientId } : {}),
    },
  );
  const isPatient = options.patientId !== undefined;
  const scope = isPatient ? 'openid fhirUser launch/patient patient/*.cruds' : 'openid fhirUser user/*.cruds';
  const pkce = createPkce();
  const code = await authorize(testApp, clientId, email, scope, pkce.challenge);
  const exchanged = await postForm(testApp.app, '/oauth/token', {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
    client_id: clientId,
    code_verifier: pkce.verifier,
  });
  assert.equal(exchanged.statusCode, 200, exchanged.body);
  const token = exchanged.json<{ access_token: string }>().access_token;
  return {
    role: options.role,
    userId: user.id,
    email,
    token,
    request: (request) =>
      testApp.app.inject({
        ...request,
        headers: {
          authorization: `Bearer ${token}`,
          ...(request.payload !== undefined ? { 'content-type': 'application/fhir+json' } : {}),
          ...request.headers,
        },
      }),
  };
}
