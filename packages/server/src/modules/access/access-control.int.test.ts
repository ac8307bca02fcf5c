import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { readEntries } from '../audit/audit-test-support.ts';
import { buildObservation, buildPatient, expectOutcome, FHIR, json } from '../fhir/fhir-test-support.ts';
import { startTestSmtpServer, type TestSmtpServer } from '../identity/identity-test-support.ts';
import { createTestApp, type TestApp, type TestTenant } from '../../test/create-test-app.ts';
import { registerTestApp, signInAs, type TestUser } from './access-test-support.ts';

const PSY = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'PSY' };

const ids = (response: { body: string }) =>
  (JSON.parse(response.body) as Bundle).entry
    ?.map((entry) => `${entry.resource?.resourceType}/${entry.resource?.id}`)
    .sort() ?? [];

describe('access control: policies, care teams, break-the-glass and consent', () => {
  let testApp: TestApp;
  let tenant: TestTenant;
  let smtp: TestSmtpServer;
  const patients: Record<'p1' | 'p2' | 'p3' | 'p4', string> = { p1: '', p2: '', p3: '', p4: '' };
  const observations: Record<string, string> = {};
  let clinic = '';
  const users = {} as Record<'clinician' | 'nurse' | 'orgClinician' | 'staff' | 'patient' | 'officer', TestUser>;

  async function create(resource: Resource): Promise<string> {
    const response = await tenant.request({
      method: 'POST',
      url: `${FHIR}/${resource.resourceType}`,
      payload: resource,
    });
    assert.equal(response.statusCode, 201, response.body);
    return json<{ id: string }>(response).id;
  }

  before(async () => {
    smtp = await startTestSmtpServer();
    testApp = await createTestApp({ CAREGRAPH_SMTP_URL: smtp.url });
    tenant = await testApp.createTestTenant();
    // 1. Practitioners: a clinician and a nurse on p1's care team, a colleague of an organisation.
    const doctor = await create({ resourceType: 'Practitioner', name: [{ family: 'Doctor' }] });
    const nurse = await create({ resourceType: 'Practitioner', name: [{ family: 'Nurse' }] });
    const colleague = await create({ resourceType: 'Practitioner', name: [{ family: 'Colleague' }] });
    clinic = await create({ resourceType: 'Organization', name: 'Clinic' });
    await create({
      resourceType: 'PractitionerRole',
      practitioner: { reference: `Practitioner/${colleague}` },
      organization: { reference: `Organization/${clinic}` },
    });
    // 2. Patients: p1 on the care team, p2 seen by the doctor at an encounter, p3 managed by the clinic, p4 nobody's.
    for (const key of ['p1', 'p2', 'p3', 'p4'] as const) {
      patients[key] = await create(
        buildPatient(key === 'p3' ? { managingOrganization: { reference: `Organization/${clinic}` } } : {}),
      );
      observations[key] = await create(buildObservation(patients[key]));
    }
    await create({
      resourceType: 'CareTeam',
      status: 'active',
      subject: { reference: `Patient/${patients.p1}` },
      participant: [
        { member: { reference: `Practitioner/${doctor}` } },
        { member: { reference: `Practitioner/${nurse}` } },
      ],
    });
    // An inactive care team reaches nobody.
    await create({
      resourceType: 'CareTeam',
      status: 'inactive',
      subject: { reference: `Patient/${patients.p4}` },
      participant: [{ member: { reference: `Practitioner/${doctor}` } }],
    });
    await create({
      resourceType: 'Encounter',
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      subject: { reference: `Patient/${patients.p2}` },
      participant: [{ individual: { reference: `Practitioner/${doctor}` } }],
    });
    // 3. Users of each role.
    const clientId = await registerTestApp(testApp, tenant);
    users.clinician = await signInAs(testApp, tenant, clientId, {
      role: 'clinician',
      fhirUser: `Practitioner/${doctor}`,
    });
    users.nurse = await signInAs(testApp, tenant, clientId, { role: 'nurse', fhirUser: `Practitioner/${nurse}` });
    users.orgClinician = await signInAs(testApp, tenant, clientId, {
      role: 'clinician',
      fhirUser: `Practitioner/${colleague}`,
    });
    users.staff = await signInAs(testApp, tenant, clientId, { role: 'staff' });
    users.patient = await signInAs(testApp, tenant, clientId, {
      role: 'patient',
      fhirUser: `Patient/${patients.p1}`,
      patientId: patients.p1,
    });
    users.officer = await signInAs(testApp, tenant, clientId, { role: 'privacy-officer' });
  });
  after(async () => {
    await testApp.close();
    await smtp.close();
  });

  it('reaches the patients of a clinician’s care teams, encounters and organisation, filtered in the search', async () => {
    const reached = ids(await users.clinician.request({ method: 'GET', url: `${FHIR}/Observation` }));
    assert.deepEqual(reached, [`Observation/${observations.p1}`, `Observation/${observations.p2}`].sort());
    const count = json<{ total: number }>(
      await users.clinician.request({ method: 'GET', url: `${FHIR}/Patient?_summary=count` }),
    );
    assert.equal(count.total, 2, 'the total counts only reachable patients');
    assert.deepEqual(ids(await users.nurse.request({ method: 'GET', url: `${FHIR}/Observation` })), [
      `Observation/${observations.p1}`,
    ]);
    assert.deepEqual(ids(await users.orgClinician.request({ method: 'GET', url: `${FHIR}/Patient` })), [
      `Patient/${patients.p3}`,
    ]);
    // A search pinned to a patient out of reach finds nothing rather than leaking.
    const pinned = await users.clinician.request({
      method: 'GET',
      url: `${FHIR}/Observation?subject=Patient/${patients.p4}`,
    });
    assert.deepEqual(ids(pinned), []);
    // System-level and whole-compartment searches are filtered type by type.
    const system = ids(await users.clinician.request({ method: 'GET', url: `${FHIR}?_type=Observation,Organization` }));
    assert.deepEqual(
      system,
      [`Observation/${observations.p1}`, `Observation/${observations.p2}`, `Organization/${clinic}`].sort(),
    );
    assert.deepEqual(
      ids(await users.clinician.request({ method: 'GET', url: `${FHIR}/Patient/${patients.p4}/*` })),
      [],
    );
    // Included resources too: the clinic's patient p3 is not the clinician's, so it is not reverse-included.
    const included = ids(
      await users.clinician.request({ method: 'GET', url: `${FHIR}/Organization?_revinclude=Patient:organization` }),
    );
    assert.deepEqual(included, [`Organization/${clinic}`]);
    const byOrgClinician = ids(
      await users.orgClinician.request({ method: 'GET', url: `${FHIR}/Organization?_revinclude=Patient:organization` }),
    );
    assert.deepEqual(byOrgClinician, [`Organization/${clinic}`, `Patient/${patients.p3}`].sort());
  });

  it('answers 403 for a read outside the care of the user, and refuses writing there', async () => {
    const outcome = expectOutcome(
      await users.clinician.request({ method: 'GET', url: `${FHIR}/Observation/${observations.p4}` }),
      403,
    );
    assert.equal(outcome.code, 'forbidden');
    assert.match(outcome.details?.text ?? '', /outside your care/);
    assert.equal(
      (await users.clinician.request({ method: 'GET', url: `${FHIR}/Observation/${observations.p1}` })).statusCode,
      200,
    );
    const created = await users.clinician.request({
      method: 'POST',
      url: `${FHIR}/Observation`,
      payload: buildObservation(patients.p4),
    });
    expectOutcome(created, 403);
    const ownCreated = await users.clinician.request({
      method: 'POST',
      url: `${FHIR}/Observation`,
      payload: buildObservation(patients.p1),
    });
    assert.equal(ownCreated.statusCode, 201, ownCreated.body);
    // The nurse's policy row has no delete.
    const deleted = await users.nurse.request({ method: 'DELETE', url: `${FHIR}/Observation/${observations.p1}` });
    assert.match(expectOutcome(deleted, 403).details?.text ?? '', /Observation \(d\)/);
  });

  it('gives the front desk demographics and the schedule, never clinical data', async () => {
    assert.equal((await users.staff.request({ method: 'GET', url: `${FHIR}/Patient/${patients.p4}` })).statusCode, 200);
    expectOutcome(await users.staff.request({ method: 'GET', url: `${FHIR}/Observation/${observations.p4}` }), 403);
    expectOutcome(await users.staff.request({ method: 'GET', url: `${FHIR}/DocumentReference` }), 403);
    const booked = await users.staff.request({
      method: 'POST',
      url: `${FHIR}/Appointment`,
      payload: {
        resourceType: 'Appointment',
        status: 'booked',
        start: '2026-12-01T09:00:00Z',
        end: '2026-12-01T09:20:00Z',
        participant: [{ actor: { reference: `Patient/${patients.p4}` }, status: 'accepted' }],
      },
    });
    assert.equal(booked.statusCode, 201, booked.body);
  });

  it('keeps a patient to their own record, read-only but for what the portal writes', async () => {
    const own = ids(await users.patient.request({ method: 'GET', url: `${FHIR}/Observation?_count=100` }));
    assert.ok(own.includes(`Observation/${observations.p1}`));
    for (const other of [observations.p2, observations.p3, observations.p4]) {
      assert.ok(!own.includes(`Observation/${other}`));
    }
    expectOutcome(await users.patient.request({ method: 'GET', url: `${FHIR}/Observation/${observations.p2}` }), 403);
    const written = buildObservation(patients.p1);
    expectOutcome(await users.patient.request({ method: 'POST', url: `${FHIR}/Observation`, payload: written }), 403);
    const current = await create({
      resourceType: 'DocumentReference',
      status: 'current',
      subject: { reference: `Patient/${patients.p1}` },
      content: [{ attachment: { contentType: 'text/plain', data: 'aGk=' } }],
    });
    const superseded = await create({
      resourceType: 'DocumentReference',
      status: 'superseded',
      subject: { reference: `Patient/${patients.p1}` },
      content: [{ attachment: { contentType: 'text/plain', data: 'aGk=' } }],
    });
    // A policy row's criteria are part of the SQL: with `status=current` on DocumentReference, only the current document.
    const { policies } = json<{ policies: object[] }>(
      await tenant.request({ method: 'GET', url: '/api/admin/access-policies' }),
    );
    const documents = {
      role: 'patient',
      resource: 'DocumentReference',
      interactions: 'rs',
      patients: 'own',
      criteria: 'status=current',
    };
    const replaced = await tenant.request({
      method: 'PUT',
      url: '/api/admin/access-policies',
      payload: { policies: [...policies, documents] },
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(replaced.statusCode, 200, replaced.body);
    assert.deepEqual(ids(await users.patient.request({ method: 'GET', url: `${FHIR}/DocumentReference` })), [
      `DocumentReference/${current}`,
    ]);
    expectOutcome(await users.patient.request({ method: 'GET', url: `${FHIR}/DocumentReference/${superseded}` }), 403);
  });

  it('opens a record out of reach when a clinician states a reason: audited, flagged, and the privacy officer alerted', async () => {
    const reason = 'Unconscious patient in the emergency department';
    const opened = await users.clinician.request({
      method: 'GET',
      url: `${FHIR}/Observation/${observations.p4}`,
      headers: { 'x-break-glass-reason': reason },
    });
    assert.equal(opened.statusCode, 200, opened.body);
    // 1. The audit entry of the read carries the reason, with purpose of use BTG.
    const entries = await readEntries(testApp.db, tenant.id);
    const read = entries.find(
      (entry) =>
        entry.interaction === 'read' &&
        entry.outcome === '0' &&
        entry.entities.includes(`Observation/${observations.p4}`) &&
        entry.agent.name === users.clinician.userId,
    );
    assert.deepEqual(read?.purpose, { code: 'BTG', reason });
    // 2. The privacy officer is e-mailed (without the reason) and a Communication alert is stored.
    const mail = await smtp.takeMessage(users.officer.email);
    assert.match(mail.subject, /Break-the-glass/);
    assert.match(mail.text, new RegExp(`Observation/${observations.p4}`));
    assert.doesNotMatch(mail.text, /Unconscious/);
    const alerts = await users.officer.request({ method: 'GET', url: `${FHIR}/Communication?category=alert` });
    const alert = (JSON.parse(alerts.body) as Bundle).entry?.[0]?.resource as {
      about?: { reference: string }[];
      payload?: { contentString: string }[];
    };
    assert.deepEqual(alert.about, [{ reference: `Observation/${observations.p4}` }]);
    assert.match(alert.payload?.[0]?.contentString ?? '', /Unconscious/);
    // 3. A nurse's policy row does not allow break-the-glass.
    const nurseTry = await users.nurse.request({
      method: 'GET',
      url: `${FHIR}/Observation/${observations.p4}`,
      headers: { 'x-break-glass-reason': reason },
    });
    expectOutcome(nurseTry, 403);
  });

  it('enforces a patient’s deny consent on read and search for everyone but the patient', async () => {
    const sensitive = await create(buildObservation(patients.p1, { meta: { security: [PSY] } }));
    await create({
      resourceType: 'Consent',
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: { reference: `Patient/${patients.p1}` },
      policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
      provision: { type: 'permit', provision: [{ type: 'deny', securityLabel: [PSY] }] },
    });
    const search = ids(
      await users.clinician.request({ method: 'GET', url: `${FHIR}/Observation?subject=Patient/${patients.p1}` }),
    );
    assert.ok(!search.includes(`Observation/${sensitive}`), 'the search leaves the restricted observation out');
    assert.ok(search.includes(`Observation/${observations.p1}`));
    // Hidden by consent: 404, not even its existence shows.
    expectOutcome(await users.clinician.request({ method: 'GET', url: `${FHIR}/Observation/${sensitive}` }), 404);
    expectOutcome(
      await users.clinician.request({ method: 'GET', url: `${FHIR}/Patient/${patients.p1}/$everything` }),
      403,
    );
    // The patient sees their own record in full.
    assert.ok(
      ids(await users.patient.request({ method: 'GET', url: `${FHIR}/Observation` })).includes(
        `Observation/${sensitive}`,
      ),
    );
    // Breaking the glass overrides the consent, with the reason audited.
    const glass = await users.clinician.request({
      method: 'GET',
      url: `${FHIR}/Observation/${sensitive}`,
      headers: { 'x-break-glass-reason': 'Suspected overdose' },
    });
    assert.equal(glass.statusCode, 200, glass.body);
  });

  it('lets administrators read and replace the policy, validated and audited, and applies it at once', async () => {
    const admin = await tenant.request({ method: 'GET', url: '/api/admin/access-policies' });
    assert.equal(admin.statusCode, 200, admin.body);
    const { policies } = json<{ policies: Array<{ role: string; resource: string; interactions: string }> }>(admin);
    assert.ok(policies.some((row) => row.role === 'nurse' && row.resource === '*'));
    assert.equal((await users.clinician.request({ method: 'GET', url: '/api/admin/access-policies' })).statusCode, 403);
    const unknownType = await tenant.request({
      method: 'PUT',
      url: '/api/admin/access-policies',
      payload: {
        policies: [...policies, { role: 'nurse', resource: 'Obsrvation', interactions: 'rs', patients: 'any' }],
      },
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(unknownType.statusCode, 400);
    assert.equal(json<{ code: string }>(unknownType).code, 'ACCESS_INVALID_POLICY');
    // Nurses lose Observation; everything else stays.
    const replaced = await tenant.request({
      method: 'PUT',
      url: '/api/admin/access-policies',
      payload: {
        policies: [...policies, { role: 'nurse', resource: 'Observation', interactions: 'c', patients: 'in-care' }],
      },
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(replaced.statusCode, 200, replaced.body);
    expectOutcome(await users.nurse.request({ method: 'GET', url: `${FHIR}/Observation/${observations.p1}` }), 403);
    const entries = await readEntries(testApp.db, tenant.id);
    assert.ok(entries.some((entry) => entry.interaction === 'access-policy.replaced'));
  });
});
