// The authorisation matrix: every route the app registers × every role (and no credential) ×
// own/other patient, each with the outcome it must have. A route registered without a rule in
// api-route-rules.ts fails the first test.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Bundle } from '@medplum/fhirtypes';
import { buildObservation, buildPatient, FHIR, json } from '../fhir/fhir-test-support.ts';
import { ROLES, type Role } from '../identity/index.ts';
import { createTestApp, type TestApp, type TestTenant } from '../../test/create-test-app.ts';
import { registerTestApp, signInAs } from './access-test-support.ts';
import { tryGetRouteRule, type RouteRule } from './api-route-rules.ts';

type Caller = Role | 'anonymous';
type Outcome = 'allow' | 'deny' | 'empty';
const CALLERS: readonly Caller[] = ['anonymous', ...ROLES];

// The live journey socket answers only WebSocket upgrades (watch-journey.int.test.ts covers it);
// its rule is still required and enforced on the upgrade request.
const NOT_PLAIN_HTTP = new Set(['GET /api/patients/:id/journey/live']);

// Routes that validate their body before the owning module checks the role: a valid body, so the
// role check is what answers.
const BODIES: Record<string, unknown> = {
  'POST /api/oauth/clients': {
    clientName: 'Matrix',
    confidential: true,
    grantTypes: ['client_credentials'],
    scopes: ['system/*.rs'],
  },
  'PUT /api/terminology/bindings': { bindings: [] },
  'PUT /api/admin/tenant': { name: 'Matrix clinic' },
  'PUT /api/mpi/settings': { sourceTrust: [] },
};

// Who the `policy` rules admit with the default policy (own = a patient in the clinician's and
// nurse's care, and the signed-in patient's own record).
const POLICY_EXPECTATIONS: Record<string, { own: readonly Caller[]; other: readonly Caller[] }> = {
  'Encounter r id': { own: ['admin', 'service', 'clinician', 'nurse', 'patient'], other: ['admin', 'service'] },
  'Encounter s': { own: ['admin', 'service'], other: ['admin', 'service'] },
  'Patient r': {
    own: ['admin', 'service', 'staff', 'privacy-officer'],
    other: ['admin', 'service', 'staff', 'privacy-officer'],
  },
  'Patient u': { own: ['admin', 'service', 'staff'], other: ['admin', 'service', 'staff'] },
  'admin r': { own: ['admin'], other: ['admin'] },
  'admin u': { own: ['admin'], other: ['admin'] },
};

function expectedForRule(rule: RouteRule, caller: Caller, patient: 'own' | 'other'): 'allow' | 'deny' {
  if (rule.kind === 'public') {
    return 'allow';
  }
  if (caller === 'anonymous') {
    return 'deny';
  }
  switch (rule.kind) {
    case 'authenticated':
      return 'allow';
    case 'roles':
      return rule.roles.includes(caller) ? 'allow' : 'deny';
    case 'policy': {
      const key = `${rule.resource} ${rule.interaction}${rule.patientParam ? ` ${rule.patientParam}` : ''}`;
      const expected = POLICY_EXPECTATIONS[key];
      assert.ok(expected, `no expectation for policy rule ${key}`);
      return expected[patient].includes(caller) ? 'allow' : 'deny';
    }
    case 'fhir':
      throw new Error('FHIR routes have their own matrix');
  }
}

const isRefused = (status: number) => status === 401 || status === 403;

// FHIR interactions: roles in column order admin, clinician, nurse, staff, patient, service, privacy-officer.
const A = 'allow';
const D = 'deny';
const E = 'empty';
type Row = Record<'own' | 'other', readonly Outcome[]>;
const FHIR_MATRIX: Record<string, Row> = {
  'read Patient': { own: [A, A, A, A, A, A, A], other: [A, D, D, A, D, A, A] },
  'read Observation': { own: [A, A, A, D, A, A, D], other: [A, D, D, D, D, A, D] },
  'search Observation by subject': { own: [A, A, A, D, A, A, D], other: [A, E, E, D, E, A, D] },
  'create Observation': { own: [A, A, A, D, D, A, D], other: [A, D, D, D, D, A, D] },
  'update Observation': { own: [A, A, A, D, D, A, D], other: [A, D, D, D, D, A, D] },
  'delete Observation': { own: [A, A, D, D, D, A, D], other: [A, D, D, D, D, A, D] },
  'Patient $everything': { own: [A, A, A, D, A, A, D], other: [A, D, D, D, D, A, D] },
  'Patient history': { own: [A, A, A, A, A, A, A], other: [A, D, D, A, D, A, A] },
  'create Appointment': { own: [A, A, A, A, A, A, D], other: [A, D, D, A, D, A, D] },
};

describe('authorisation matrix', () => {
  let testApp: TestApp;
  let tenant: TestTenant;
  const tokens = new Map<Caller, string | undefined>();
  const patient = { own: '', other: '' };
  const observation = { own: '', other: '' };

  const send = (caller: Caller, options: { method: string; url: string; payload?: unknown }) => {
    const token = tokens.get(caller);
    return testApp.app.inject({
      method: options.method as 'GET',
      url: options.url,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(options.payload === undefined
          ? {}
          : { 'content-type': options.url.startsWith(FHIR) ? 'application/fhir+json' : 'application/json' }),
      },
      ...(options.payload === undefined ? {} : { payload: JSON.stringify(options.payload) }),
    });
  };

  const create = async (resource: { resourceType: string }) =>
    json<{ id: string }>(
      await tenant.request({ method: 'POST', url: `${FHIR}/${resource.resourceType}`, payload: resource }),
    ).id;

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
    const doctor = await create({ resourceType: 'Practitioner' });
    const nurse = await create({ resourceType: 'Practitioner' });
    patient.own = await create(buildPatient());
    patient.other = await create(buildPatient());
    observation.own = await create(buildObservation(patient.own));
    observation.other = await create(buildObservation(patient.other));
    await create({
      resourceType: 'CareTeam',
      status: 'active',
      subject: { reference: `Patient/${patient.own}` },
      participant: [
        { member: { reference: `Practitioner/${doctor}` } },
        { member: { reference: `Practitioner/${nurse}` } },
      ],
    } as { resourceType: string });
    const clientId = await registerTestApp(testApp, tenant);
    tokens.set('anonymous', undefined);
    for (const role of ROLES) {
      if (role === 'service') {
        tokens.set(role, await (await tenant.createClient({ roles: ['service'] })).accessToken());
        continue;
      }
      const fhirUser =
        role === 'clinician'
          ? `Practitioner/${doctor}`
          : role === 'nurse'
            ? `Practitioner/${nurse}`
            : role === 'patient'
              ? `Patient/${patient.own}`
              : undefined;
      const user = await signInAs(testApp, tenant, clientId, {
        role,
        ...(fhirUser ? { fhirUser } : {}),
        ...(role === 'patient' ? { patientId: patient.own } : {}),
      });
      tokens.set(role, user.token);
    }
  });
  after(() => testApp.close());

  it('has a rule for every route the app registers', () => {
    const missing = testApp.app.access
      .routes()
      .flatMap((route) => route.methods.map((method) => `${method} ${route.url}`))
      .filter((key) => {
        const [method = '', url = ''] = key.split(' ');
        return tryGetRouteRule(method, url) === undefined;
      });
    assert.deepEqual(missing, [], 'add a rule to api-route-rules.ts for each of these routes');
  });

  it('admits exactly the callers each JSON API rule names, for own and other patients', async () => {
    const problems: string[] = [];
    for (const route of testApp.app.access.routes()) {
      for (const method of route.methods) {
        const key = `${method} ${route.url}`;
        const rule = tryGetRouteRule(method, route.url);
        if (!rule || rule.kind === 'fhir' || NOT_PLAIN_HTTP.has(key)) {
          continue;
        }
        const variants = rule.kind === 'policy' && rule.patientParam ? (['own', 'other'] as const) : (['own'] as const);
        for (const variant of variants) {
          const url = route.url
            .replace(':id', rule.kind === 'policy' && rule.patientParam ? patient[variant] : 'x')
            .replace(':version', '1')
            .replace(/:[A-Za-z]+/g, 'x')
            .replace('*', 'unknown');
          const payload = BODIES[key] ?? (method === 'GET' || method === 'DELETE' ? undefined : {});
          for (const caller of CALLERS) {
            const expected = expectedForRule(rule, caller, variant);
            const { statusCode } = await send(caller, { method, url, payload });
            if ((expected === 'deny') !== isRefused(statusCode)) {
              problems.push(`${key} (${variant}) as ${caller}: expected ${expected}, got ${statusCode}`);
            }
          }
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it('answers each FHIR interaction as the matrix says for every role, own and other patient', async () => {
    const problems: string[] = [];
    const roles = ROLES;
    for (const [interaction, row] of Object.entries(FHIR_MATRIX)) {
      for (const variant of ['own', 'other'] as const) {
        for (const [index, role] of roles.entries()) {
          const expected = row[variant][index];
          const request = await fhirRequest(interaction, variant);
          const response = await send(role, request);
          const actual = isRefused(response.statusCode)
            ? 'deny'
            : response.statusCode < 300 &&
                interaction.startsWith('search') &&
                ((JSON.parse(response.body) as Bundle).entry ?? []).length === 0
              ? 'empty'
              : 'allow';
          if (actual !== expected || (response.statusCode >= 400 && actual === 'allow')) {
            problems.push(`${interaction} (${variant}) as ${role}: expected ${expected}, got ${response.statusCode}`);
          }
        }
        // Without a credential, nothing.
        assert.equal((await send('anonymous', await fhirRequest(interaction, variant))).statusCode, 401);
      }
    }
    assert.deepEqual(problems, []);
  });

  /** The request of one FHIR interaction on the own or other patient (fresh resources where it changes them). */
  async function fhirRequest(interaction: string, variant: 'own' | 'other') {
    const id = patient[variant];
    switch (interaction) {
      case 'read Patient':
        return { method: 'GET', url: `${FHIR}/Patient/${id}` };
      case 'read Observation':
        return { method: 'GET', url: `${FHIR}/Observation/${observation[variant]}` };
      case 'search Observation by subject':
        return { method: 'GET', url: `${FHIR}/Observation?subject=Patient/${id}` };
      case 'create Observation':
        return { method: 'POST', url: `${FHIR}/Observation`, payload: buildObservation(id) };
      case 'update Observation': {
        const target = await create(buildObservation(id));
        return {
          method: 'PUT',
          url: `${FHIR}/Observation/${target}`,
          payload: { ...buildObservation(id), id: target },
        };
      }
      case 'delete Observation':
        return { method: 'DELETE', url: `${FHIR}/Observation/${await create(buildObservation(id))}` };
      case 'Patient $everything':
        return { method: 'GET', url: `${FHIR}/Patient/${id}/$everything` };
      case 'Patient history':
        return { method: 'GET', url: `${FHIR}/Patient/${id}/_history` };
      case 'create Appointment':
        return {
          method: 'POST',
          url: `${FHIR}/Appointment`,
          payload: {
            resourceType: 'Appointment',
            status: 'booked',
            start: '2026-12-01T09:00:00Z',
            end: '2026-12-01T09:20:00Z',
            participant: [{ actor: { reference: `Patient/${id}` }, status: 'accepted' }],
          },
        };
      default:
        throw new Error(`unknown interaction ${interaction}`);
    }
  }
});
