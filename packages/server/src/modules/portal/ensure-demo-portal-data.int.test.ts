import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Appointment, Bundle, DocumentReference } from '@medplum/fhirtypes';
import { createTestApp, type TestApp, type TestTenant } from '../../test/create-test-app.ts';
import { buildPatient, createResource, FHIR, FHIR_BASE_URL, json } from '../fhir/fhir-test-support.ts';
import { ensureDemoUsers } from '../identity/index.ts';
import { ensureDemoPortalData, writeDemoPortalData } from './index.ts';

describe('demo portal data', () => {
  let testApp: TestApp;
  let tenant: TestTenant;
  let patientId: string;
  let practitionerId: string;

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
    patientId = (await createResource(tenant, buildPatient())).id;
    practitionerId = (
      await createResource(tenant, {
        resourceType: 'Practitioner',
        name: [{ prefix: ['Dr.'], given: ['June'], family: 'Kassulke' }],
      })
    ).id;
  });

  after(async () => {
    await testApp.close();
  });

  const ensure = (now: string) =>
    writeDemoPortalData(testApp.db, {
      tenantId: tenant.id,
      fhirBaseUrl: FHIR_BASE_URL,
      patientId,
      practitionerId,
      now: new Date(now),
    });

  const search = async <T>(query: string) => {
    const response = await tenant.request({ method: 'GET', url: `${FHIR}/${query}` });
    assert.equal(response.statusCode, 200, response.body);
    return (json<Bundle>(response).entry ?? []).map((entry) => entry.resource as T);
  };

  it('stores appointments and a visit summary the patient search finds', async () => {
    // 1. The first start writes six appointments and the summary.
    assert.equal(await ensure('2026-11-23T23:50:00Z'), 7);
    // 2. They are in the patient's compartment, with the practitioner named.
    const appointments = await search<Appointment>(`Appointment?patient=${patientId}&_sort=date`);
    assert.equal(appointments.length, 6);
    const practitioner = appointments[0]?.participant.find((participant) =>
      participant.actor?.reference?.startsWith('Practitioner/'),
    );
    assert.deepEqual(practitioner?.actor, {
      reference: `Practitioner/${practitionerId}`,
      display: 'Dr. June Kassulke',
    });
    const upcoming = appointments.filter(
      (appointment) => Date.parse(appointment.start ?? '') > Date.parse('2026-11-24'),
    );
    assert.equal(upcoming.length, 3);
    const [summary] = await search<DocumentReference>(`DocumentReference?patient=${patientId}`);
    assert.equal(summary?.content[0]?.attachment.title, 'After-visit summary');
  });

  it('writes nothing again on the same day, and moves the schedule on a later one', async () => {
    assert.equal(await ensure('2026-11-23T08:00:00Z'), 0);
    const history = await tenant.request({
      method: 'GET',
      url: `${FHIR}/Appointment/demo-appointment-next-lab/_history`,
    });
    assert.equal(json<Bundle>(history).entry?.length, 1);
    // The next day moves the six appointments and the summary.
    assert.equal(await ensure('2026-11-24T08:00:00Z'), 7);
    const [lab] = await search<Appointment>(`Appointment?_id=demo-appointment-next-lab`);
    assert.equal(lab?.start, '2026-11-27T08:15:00.000Z');
  });

  it('books the demo patient sign-in with the demo clinician, and nothing without the sign-ins', async () => {
    const other = await testApp.createTestTenant();
    const now = new Date('2026-11-23T12:00:00Z');
    const options = { tenantId: other.id, fhirBaseUrl: FHIR_BASE_URL, now };
    assert.equal(await ensureDemoPortalData(testApp.db, options), 0);
    const demoPatient = (await createResource(other, buildPatient())).id;
    const demoPractitioner = (
      await createResource(other, { resourceType: 'Practitioner', name: [{ family: 'Moen', given: ['Leanne'] }] })
    ).id;
    await ensureDemoUsers(testApp.db, { tenantId: other.id, patientId: demoPatient, practitionerId: demoPractitioner });
    assert.equal(await ensureDemoPortalData(testApp.db, options), 7);
    const response = await other.request({ method: 'GET', url: `${FHIR}/Appointment?patient=${demoPatient}` });
    const appointments = (json<Bundle>(response).entry ?? []).map((entry) => entry.resource as Appointment);
    assert.equal(appointments.length, 6);
    assert.ok(
      appointments.every((appointment) =>
        appointment.participant.some(
          (participant) => participant.actor?.reference === `Practitioner/${demoPractitioner}`,
        ),
      ),
    );
  });
});
