import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { buildObservation, buildPatient, expectOutcome, FHIR, FHIR_BASE_URL, json } from '../fhir/fhir-test-support.ts';
import { createUser } from '../identity/index.ts';
import { createTestApp, type TestApp, type TestTenant } from '../../test/create-test-app.ts';
import { registerClient } from './index.ts';
import { CookieJar, createPkce, locationOf, postForm, tokenParts } from './oauth-test-support.ts';

const REDIRECT_URI = 'http://app.example/callback';
const PASSWORD = 'amber lantern meadow 17';

describe('authorization code with PKCE and SMART launch context', () => {
  let testApp: TestApp;
  let tenant: TestTenant;
  let clientId: string;
  const patients: string[] = [];
  const observations: string[] = [];
  const emails = { clinician: '', patient: '' };

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
    for (const family of ['Alpha', 'Beta']) {
      const patient = await tenant.request({
        method: 'POST',
        url: `${FHIR}/Patient`,
        payload: buildPatient({ name: [{ family, given: ['Pat'] }] }),
      });
      const id = json<{ id: string }>(patient).id;
      patients.push(id);
      const observation = await tenant.request({
        method: 'POST',
        url: `${FHIR}/Observation`,
        payload: buildObservation(id),
      });
      observations.push(json<{ id: string }>(observation).id);
      // The clinician below reaches only patients in their care (docs/access-control.md).
      await tenant.request({
        method: 'POST',
        url: `${FHIR}/CareTeam`,
        payload: {
          resourceType: 'CareTeam',
          status: 'active',
          subject: { reference: `Patient/${id}` },
          participant: [{ member: { reference: 'Practitioner/pr-1' } }],
        },
      });
    }
    const deps = { db: testApp.db, now: () => new Date() };
    emails.clinician = `clinician-${randomBytes(4).toString('hex')}@clinic.example`;
    emails.patient = `patient-${randomBytes(4).toString('hex')}@clinic.example`;
    await createUser(deps, {
      tenantId: tenant.id,
      email: emails.clinician,
      displayName: 'Dr Test',
      roles: ['clinician'],
      fhirUser: 'Practitioner/pr-1',
      password: PASSWORD,
    });
    await createUser(deps, {
      tenantId: tenant.id,
      email: emails.patient,
      displayName: 'Pat Alpha',
      roles: ['patient'],
      fhirUser: `Patient/${patients[0]}`,
      patientId: patients[0],
      password: PASSWORD,
    });
    ({ clientId } = await registerClient(testApp.db, {
      tenantId: tenant.id,
      clientName: 'Test SMART app',
      isConfidential: false,
      redirectUris: [REDIRECT_URI],
      grantTypes: ['authorization_code', 'refresh_token'],
      allowedScopes: [
        'openid',
        'fhirUser',
        'profile',
        'offline_access',
        'launch/patient',
        'patient/*.cruds',
        'user/*.rs',
      ],
    }));
  });
  after(() => testApp.close());

  /** Drives the browser part: authorize, sign in, consent (picking `patient` when asked); answers the code. */
  async function authorize(options: {
    email: string;
    scope: string;
    challenge: string;
    patient?: string;
    launch?: string;
  }) {
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
      scope: options.scope,
      state: 'state-1',
      aud: FHIR_BASE_URL,
      code_challenge: options.challenge,
      code_challenge_method: 'S256',
      ...(options.launch ? { launch: options.launch } : {}),
    });
    // 1. The authorization request sends the browser to the sign-in page.
    const start = await get(`/oauth/authorize?${query.toString()}`);
    const loginPage = await get(locationOf(start));
    assert.equal(loginPage.statusCode, 200);
    assert.match(loginPage.body, /<label for="email">E-mail address<\/label>/);

    // 2. Signing in returns to the provider, which asks for consent.
    const interaction = locationOf(start);
    const signedIn = await post(`${interaction}/login`, { email: options.email, password: PASSWORD });
    assert.equal(signedIn.statusCode, 303, signedIn.body);
    const consentAt = locationOf(await get(locationOf(signedIn)));
    const consentPage = await get(consentAt);
    assert.equal(consentPage.statusCode, 200);
    assert.match(consentPage.body, /Allow access/);

    // 3. Allowing (with a patient when one is to be picked) redirects to the app with a code.
    const allowed = await post(`${consentAt}/consent`, {
      decision: 'allow',
      ...(options.patient ? { patient: options.patient } : {}),
    });
    const callback = new URL(locationOf(await get(locationOf(allowed))));
    assert.equal(`${callback.origin}${callback.pathname}`, REDIRECT_URI);
    assert.equal(callback.searchParams.get('state'), 'state-1');
    return { code: callback.searchParams.get('code') ?? '', consentPage: consentPage.body };
  }

  async function exchange(code: string, verifier: string) {
    const response = await postForm(testApp.app, '/oauth/token', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      client_id: clientId,
      code_verifier: verifier,
    });
    return { response, body: response.json<Record<string, string>>() };
  }

  const fhir = (token: string, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    testApp.app.inject({
      method,
      url: `${FHIR}/${url}`,
      headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/fhir+json' } : {}) },
      ...(payload ? { payload: JSON.stringify(payload) } : {}),
    });

  it('signs in a clinician who picks a patient; the ID token carries fhirUser, the response the patient', async () => {
    const pkce = createPkce();
    const { code, consentPage } = await authorize({
      email: emails.clinician,
      scope: 'openid fhirUser launch/patient patient/*.rs offline_access',
      challenge: pkce.challenge,
      patient: patients[0],
    });
    assert.match(consentPage, /Alpha/, 'the consent page lists patients to pick');

    const { response, body } = await exchange(code, pkce.verifier);
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(body.patient, patients[0]);
    assert.equal(body.scope?.split(' ').sort().join(' '), 'fhirUser launch/patient offline_access openid patient/*.rs');
    assert.ok(body.refresh_token);
    const idToken = tokenParts(body.id_token ?? '').claims;
    assert.equal(idToken.fhirUser, `${FHIR_BASE_URL}/Practitioner/pr-1`);
    const access = tokenParts(body.access_token ?? '').claims;
    assert.equal(access.patient, patients[0]);
    assert.equal(access.tenant, tenant.id);
  });

  it('refuses a code exchanged without the right PKCE verifier', async () => {
    const pkce = createPkce();
    const { code } = await authorize({
      email: emails.clinician,
      scope: 'openid patient/*.rs launch/patient',
      challenge: pkce.challenge,
      patient: patients[0],
    });
    const { response, body } = await exchange(code, createPkce().verifier);
    assert.equal(response.statusCode, 400);
    assert.equal(body.error, 'invalid_grant');
  });

  it('limits patient/*.rs to the launch patient: own records read, another patient 403, no writes', async () => {
    const pkce = createPkce();
    const { code } = await authorize({
      email: emails.patient,
      scope: 'openid fhirUser launch/patient patient/*.rs user/*.rs',
      challenge: pkce.challenge,
    });
    const { body } = await exchange(code, pkce.verifier);
    // A patient is never granted user/ scopes, and is launched with their own record.
    assert.equal(body.patient, patients[0]);
    assert.ok(!body.scope?.includes('user/'));
    const token = body.access_token ?? '';

    // 1. Their own Patient and Observations.
    assert.equal((await fhir(token, 'GET', `Patient/${patients[0]}`)).statusCode, 200);
    assert.equal((await fhir(token, 'GET', `Observation/${observations[0]}`)).statusCode, 200);
    const search = json<{ entry?: { resource: { id: string } }[] }>(await fhir(token, 'GET', 'Observation'));
    assert.deepEqual(
      (search.entry ?? []).map((entry) => entry.resource.id),
      [observations[0]],
    );

    // 2. Another patient's records: 403 OperationOutcome.
    const other = expectOutcome(await fhir(token, 'GET', `Patient/${patients[1]}`), 403);
    assert.equal(other.code, 'forbidden');
    expectOutcome(await fhir(token, 'GET', `Observation/${observations[1]}`), 403);

    // 3. No write scope: creating is refused, and nothing is stored.
    const refused = expectOutcome(await fhir(token, 'POST', 'Observation', buildObservation(patients[0] ?? '')), 403);
    assert.match(refused.details?.text ?? '', /Observation \(c\)/);
    const after = json<{ total?: number }>(
      await tenant.request({ method: 'GET', url: `${FHIR}/Observation?subject=Patient/${patients[0]}&_summary=count` }),
    );
    assert.equal(after.total, 1);
  });

  it('rotates refresh tokens: the new one works, the used one is refused', async () => {
    const pkce = createPkce();
    const { code } = await authorize({
      email: emails.patient,
      scope: 'openid launch/patient patient/*.rs offline_access',
      challenge: pkce.challenge,
    });
    const first = (await exchange(code, pkce.verifier)).body.refresh_token ?? '';
    const refresh = (refreshToken: string) =>
      postForm(testApp.app, '/oauth/token', {
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: clientId,
      });

    const rotated = await refresh(first);
    assert.equal(rotated.statusCode, 200, rotated.body);
    const second = json<{ refresh_token: string; access_token: string; patient: string }>(rotated);
    assert.notEqual(second.refresh_token, first);
    assert.equal(second.patient, patients[0]);
    assert.equal((await fhir(second.access_token, 'GET', `Patient/${patients[0]}`)).statusCode, 200);

    const reused = await refresh(first);
    assert.equal(reused.statusCode, 400);
    assert.equal(json(reused).error, 'invalid_grant');
  });

  it('launches from the EHR with the launch value it created', async () => {
    // 1. The EHR creates a launch for the second patient.
    const created = await tenant.request({
      method: 'POST',
      url: '/api/oauth/launch',
      payload: { patient: patients[1] },
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const { launch } = json<{ launch: string }>(created);

    // 2. The app authorizes with it; no patient is picked, the token is bound to the EHR's.
    const pkce = createPkce();
    const { code, consentPage } = await authorize({
      email: emails.clinician,
      scope: 'openid launch patient/*.rs',
      challenge: pkce.challenge,
      launch,
    });
    assert.doesNotMatch(consentPage, /Find a patient/);
    const { body } = await exchange(code, pkce.verifier);
    assert.equal(body.patient, patients[1]);
    assert.equal((await fhir(body.access_token ?? '', 'GET', `Observation/${observations[1]}`)).statusCode, 200);
  });

  it('revokes the whole grant with its refresh token: its access tokens are refused', async () => {
    const pkce = createPkce();
    const { code } = await authorize({
      email: emails.patient,
      scope: 'openid launch/patient patient/*.rs offline_access',
      challenge: pkce.challenge,
    });
    const { body } = await exchange(code, pkce.verifier);
    const token = body.access_token ?? '';
    assert.equal((await fhir(token, 'GET', `Patient/${patients[0]}`)).statusCode, 200);

    const revoked = await postForm(testApp.app, '/oauth/token/revocation', {
      token: body.refresh_token ?? '',
      client_id: clientId,
    });
    assert.equal(revoked.statusCode, 200, revoked.body);
    assert.equal((await fhir(token, 'GET', `Patient/${patients[0]}`)).statusCode, 401);
  });

  it('shows the sign-in form again with an error for a wrong password', async () => {
    const pkce = createPkce();
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
    });
    const jar = new CookieJar();
    const start = await testApp.app.inject({ method: 'GET', url: `/oauth/authorize?${query.toString()}` });
    jar.store(start);
    const response = await postForm(
      testApp.app,
      `${locationOf(start)}/login`,
      { email: emails.clinician, password: 'wrong password entirely' },
      { cookie: jar.header() },
    );
    assert.equal(response.statusCode, 401);
    assert.match(response.body, /role="alert"/);
    assert.doesNotMatch(response.body, /wrong password entirely/);
  });
});
