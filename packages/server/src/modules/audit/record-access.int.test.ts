import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { AuditEvent, Bundle } from '@medplum/fhirtypes';
import { createTestApp, type TestApp, type TestTenant } from '../../test/create-test-app.ts';
import { buildObservation, buildPatient, FHIR, FHIR_BASE_URL, json } from '../fhir/fhir-test-support.ts';
import { createUser, type Role } from '../identity/index.ts';
import { registerClient } from '../oauth/index.ts';
import { CookieJar, createPkce, locationOf, postForm } from '../oauth/oauth-test-support.ts';
import type { RecordAccess } from './record-access.ts';

const REDIRECT_URI = 'http://portal.example/callback';
const PASSWORD = 'copper kettle harbour 42';
const MY_RECORD_ACCESS = '/api/audit/my-record-access';

type RecordAccessPage = { patient: string; entries: RecordAccess[]; nextOffset?: number };

describe("a patient's view of who accessed their record", () => {
  let testApp: TestApp;
  let tenant: TestTenant;
  let portalClientId: string;
  let patientId: string;
  let otherPatientId: string;
  let patientToken: string;
  let clinicianToken: string;

  /** Signs a user in through the authorization code flow (PKCE) and answers the access token. */
  async function signIn(email: string, scope: string): Promise<string> {
    const jar = new CookieJar();
    const send = async (response: Promise<Awaited<ReturnType<TestApp['app']['inject']>>>) => {
      const answered = await response;
      jar.store(answered);
      return answered;
    };
    const get = (url: string) => send(testApp.app.inject({ method: 'GET', url, headers: { cookie: jar.header() } }));
    const post = (url: string, form: Record<string, string>) =>
      send(postForm(testApp.app, url, form, { cookie: jar.header() }));
    const pkce = createPkce();
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: portalClientId,
      redirect_uri: REDIRECT_URI,
      scope,
      state: 'state-1',
      aud: FHIR_BASE_URL,
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
    });
    const interaction = locationOf(await get(`/oauth/authorize?${query.toString()}`));
    await get(interaction);
    const signedIn = await post(`${interaction}/login`, { email, password: PASSWORD });
    assert.equal(signedIn.statusCode, 303, signedIn.body);
    const consentAt = locationOf(await get(locationOf(signedIn)));
    await get(consentAt);
    const allowed = await post(`${consentAt}/consent`, { decision: 'allow' });
    const code = new URL(locationOf(await get(locationOf(allowed)))).searchParams.get('code') ?? '';
    const token = await postForm(testApp.app, '/oauth/token', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      client_id: portalClientId,
      code_verifier: pkce.verifier,
    });
    assert.equal(token.statusCode, 200, token.body);
    return token.json<{ access_token: string }>().access_token;
  }

  async function createSignInUser(options: {
    displayName: string;
    roles: Role[];
    fhirUser: string;
    patientId?: string;
  }) {
    const email = `user-${randomBytes(4).toString('hex')}@clinic.example`;
    await createUser(
      { db: testApp.db, now: () => new Date() },
      { tenantId: tenant.id, email, password: PASSWORD, ...options },
    );
    return email;
  }

  const as = (token: string, method: 'GET' | 'POST', url: string, headers: Record<string, string> = {}) =>
    testApp.app.inject({ method, url, headers: { authorization: `Bearer ${token}`, ...headers } });

  const myRecordAccess = async (query = '') => {
    const response = await as(patientToken, 'GET', `${MY_RECORD_ACCESS}${query}`);
    assert.equal(response.statusCode, 200, response.body);
    return json<RecordAccessPage>(response);
  };

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
    for (const family of ['Own', 'Other']) {
      const created = await tenant.request({
        method: 'POST',
        url: `${FHIR}/Patient`,
        payload: buildPatient({ name: [{ family, given: ['Pat'] }] }),
      });
      assert.equal(created.statusCode, 201, created.body);
      const id = json<{ id: string }>(created).id;
      if (family === 'Own') {
        patientId = id;
      } else {
        otherPatientId = id;
      }
      await tenant.request({ method: 'POST', url: `${FHIR}/Observation`, payload: buildObservation(id) });
    }
    ({ clientId: portalClientId } = await registerClient(testApp.db, {
      tenantId: tenant.id,
      clientName: 'Test portal',
      isConfidential: false,
      redirectUris: [REDIRECT_URI],
      grantTypes: ['authorization_code'],
      allowedScopes: ['openid', 'fhirUser', 'profile', 'patient/*.rs', 'user/*.rs'],
    }));
    const patientEmail = await createSignInUser({
      displayName: 'Pat Own',
      roles: ['patient'],
      fhirUser: `Patient/${patientId}`,
      patientId,
    });
    const clinicianEmail = await createSignInUser({
      displayName: 'Dr Ada Quill',
      roles: ['clinician'],
      fhirUser: 'Practitioner/pr-audit',
    });
    patientToken = await signIn(patientEmail, 'openid fhirUser patient/*.rs');
    clinicianToken = await signIn(clinicianEmail, 'openid fhirUser user/*.rs');
  });

  after(() => testApp.close());

  it("lists who read the patient's record, by name and role, with the break-glass reason they gave", async () => {
    // 1. A clinician outside the patient's care opens the record by breaking the glass.
    const reason = 'seen in the emergency department';
    const opened = await as(clinicianToken, 'GET', `${FHIR}/Patient/${patientId}`, { 'x-break-glass-reason': reason });
    assert.equal(opened.statusCode, 200, opened.body);

    // 2. The patient sees the read (beside the alert it raised for the privacy officer), the clinician
    // named as the directory names them, and nothing internal.
    const page = await myRecordAccess();
    assert.equal(page.patient, `Patient/${patientId}`);
    const latest = page.entries.find((entry) => entry.action === 'read');
    assert.deepEqual(latest?.who, { kind: 'user', displayName: 'Dr Ada Quill', roles: ['clinician'], isYou: false });
    assert.equal(latest?.action, 'read');
    assert.equal(latest?.outcome, 'success');
    assert.deepEqual(latest?.what.resources, [{ resourceType: 'Patient', id: patientId }]);
    assert.deepEqual(latest?.purpose, { code: 'BTG', isBreakGlass: true, reason });
    const text = JSON.stringify(page);
    for (const internal of ['127.0.0.1', 'req-', '"address"', '"request"']) {
      assert.ok(!text.includes(internal), `the view holds ${internal}`);
    }

    // 3. The system client's writes when the record was made are there too, as a service.
    const creates = page.entries.filter((entry) => entry.action === 'create' && entry.who.kind === 'service');
    assert.deepEqual(
      creates.map((entry) => [entry.who.kind, entry.who.displayName, entry.what.resources[0]?.resourceType]),
      [
        ['service', tenant.client.clientId, 'Observation'],
        ['service', tenant.client.clientId, 'Patient'],
      ],
    );
  });

  it("leaves out the patient's own use unless asked, and hides other patients' resource ids", async () => {
    // 1. The patient reads their own record; a system search returns both patients' observations.
    assert.equal((await as(patientToken, 'GET', `${FHIR}/Patient/${patientId}`)).statusCode, 200);
    const search = await tenant.request({ method: 'GET', url: `${FHIR}/Observation?_count=50` });
    assert.equal(search.statusCode, 200);

    // 2. By default the own read is not listed; with includeOwn it is, marked as theirs.
    const own = (entries: RecordAccess[]) => entries.filter((entry) => entry.who.isYou);
    assert.equal(own((await myRecordAccess()).entries).length, 0);
    const withOwn = await myRecordAccess('?includeOwn=true');
    assert.ok(own(withOwn.entries).some((entry) => entry.action === 'read' && entry.who.displayName === 'Pat Own'));

    // 3. The cross-patient search names Observation as a type only, never the other patient's ids.
    const [crossSearch] = (await myRecordAccess()).entries.filter((entry) => entry.action === 'search');
    assert.deepEqual(crossSearch?.what.resources, [{ resourceType: 'Observation' }]);
    assert.ok((crossSearch?.what.resourceCount ?? 0) >= 2);
    assert.ok(!JSON.stringify(crossSearch).includes(otherPatientId));
  });

  it('pages newest first and filters by date', async () => {
    const first = await myRecordAccess('?limit=2');
    assert.equal(first.entries.length, 2);
    assert.equal(first.nextOffset, 2);
    const second = await myRecordAccess(`?limit=2&offset=${first.nextOffset}`);
    assert.ok(second.entries.length > 0);
    const recorded = [...first.entries, ...second.entries].map((entry) => entry.recorded);
    assert.deepEqual(recorded, [...recorded].sort().reverse());
    assert.equal((await myRecordAccess('?until=2000-01-01')).entries.length, 0);
    const today = new Date().toISOString().slice(0, 10);
    assert.ok((await myRecordAccess(`?since=${today}`)).entries.length > 0);
    const invalid = await as(patientToken, 'GET', `${MY_RECORD_ACCESS}?limit=1000`);
    assert.equal(invalid.statusCode, 400);
  });

  it('answers only a signed-in patient, and records the patient looking', async () => {
    // 1. A clinician's token and a system client's token are refused.
    for (const token of [clinicianToken, await tenant.accessToken()]) {
      const refused = await as(token, 'GET', MY_RECORD_ACCESS);
      assert.equal(refused.statusCode, 403);
      assert.equal(json<{ code: string }>(refused).code, 'AUDIT_FORBIDDEN');
    }
    assert.equal((await testApp.app.inject({ method: 'GET', url: MY_RECORD_ACCESS })).statusCode, 401);

    // 2. The patient's look at the list is itself an entry of their own use.
    await myRecordAccess();
    const looked = (await myRecordAccess('?includeOwn=true')).entries.find(
      (entry) => entry.what.detail === MY_RECORD_ACCESS,
    );
    assert.equal(looked?.who.isYou, true);
  });
});

describe('AuditEvent search for administrators and privacy officers', () => {
  let testApp: TestApp;
  let tenant: TestTenant;

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
  });

  after(() => testApp.close());

  it('filters by patient, agent, action, date, type, subtype and outcome', async () => {
    // 1. A system client creates a patient, reads it, and fails to read an unknown one.
    const created = await tenant.request({ method: 'POST', url: `${FHIR}/Patient`, payload: buildPatient() });
    const patientId = json<{ id: string }>(created).id;
    await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${patientId}` });
    await tenant.request({ method: 'GET', url: `${FHIR}/Patient/no-such-${patientId}` });
    const officer = await tenant.createClient({ roles: ['privacy-officer'] });
    const officerToken = await officer.accessToken();
    const search = async (query: string) => {
      const response = await testApp.app.inject({
        method: 'GET',
        url: `${FHIR}/AuditEvent?${query}`,
        headers: { authorization: `Bearer ${officerToken}` },
      });
      assert.equal(response.statusCode, 200, response.body);
      return (json<Bundle<AuditEvent>>(response).entry ?? []).map((entry) => entry.resource as AuditEvent);
    };
    const today = new Date().toISOString().slice(0, 10);
    const agent = tenant.client.clientId;

    // 2. Each filter narrows as its name says.
    const byPatient = await search(`patient=Patient/${patientId}`);
    assert.deepEqual(byPatient.map((event) => event.subtype?.[0]?.code).sort(), ['create', 'read']);
    assert.deepEqual(
      (await search(`patient=${patientId}&agent=${agent}&action=R&date=eq${today}`)).map((event) => event.action),
      ['R'],
    );
    assert.equal((await search(`patient=${patientId}&agent=someone-else`)).length, 0);
    const refused = await search(`agent=${agent}&outcome=4`);
    assert.deepEqual(
      refused.map((event) => event.outcomeDesc),
      ['404 not-found'],
    );
    assert.ok((await search(`agent=${agent}&subtype=create`)).every((event) => event.subtype?.[0]?.code === 'create'));
    const logins = await search(`type=110114&agent=client:${agent}`);
    assert.ok(logins.length >= 1);
    assert.ok(logins.every((event) => event.type.code === '110114'));
    assert.equal((await search(`type=no-such-type`)).length, 0);
  });
});
