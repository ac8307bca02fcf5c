import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Observation, Resource } from '@medplum/fhirtypes';
import {
  buildObservation,
  buildPatient,
  countResources,
  expectOutcome,
  FHIR,
  json,
} from '../fhir/fhir-test-support.ts';
import { createTestApp, type TestApp, type TestTenant } from '../../test/create-test-app.ts';
import { registerTestApp, signInAs, type TestUser } from './access-test-support.ts';

describe('access policy criteria on creates and updates', () => {
  let testApp: TestApp;
  let tenant: TestTenant;
  let nurse: TestUser;
  let patient = '';
  let stranger = '';

  async function create(resource: Resource): Promise<string> {
    const response = await tenant.request({
      method: 'POST',
      url: `${FHIR}/${resource.resourceType}`,
      payload: resource,
    });
    assert.equal(response.statusCode, 201, response.body);
    return json<{ id: string }>(response).id;
  }

  /** The Observation as stored, read as the tenant's system client. */
  async function stored(id: string): Promise<Observation> {
    return json<Observation>(await tenant.request({ method: 'GET', url: `${FHIR}/Observation/${id}` }));
  }

  const observations = () => countResources(tenant, 'Observation', `subject=Patient/${patient}`);

  /** Asserts a 403 OperationOutcome that names the criteria. */
  function expectRefused(response: Parameters<typeof expectOutcome>[0]) {
    const issue = expectOutcome(response, 403);
    assert.equal(issue.code, 'forbidden');
    assert.match(issue.details?.text ?? '', /must match the criteria .*status=final/);
  }

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
    // 1. A nurse on the patient's care team.
    const practitioner = await create({ resourceType: 'Practitioner', name: [{ family: 'Nurse' }] });
    patient = await create(buildPatient());
    stranger = await create(buildPatient());
    await create({
      resourceType: 'CareTeam',
      status: 'active',
      subject: { reference: `Patient/${patient}` },
      participant: [{ member: { reference: `Practitioner/${practitioner}` } }],
    });
    nurse = await signInAs(testApp, tenant, await registerTestApp(testApp, tenant), {
      role: 'nurse',
      fhirUser: `Practitioner/${practitioner}`,
    });
    // 2. Nurses may write only final Observations.
    const isNursePractitionerRow = (row: { role?: string; resource?: string }) =>
      row.role === 'nurse' && row.resource === 'Practitioner';
    const { policies } = json<{ policies: Array<{ role?: string; resource?: string }> }>(
      await tenant.request({ method: 'GET', url: '/api/admin/access-policies' }),
    );
    const finalOnly = {
      role: 'nurse',
      resource: 'Observation',
      interactions: 'crus',
      patients: 'in-care',
      criteria: 'status=final',
    };
    // 3. And see only active practitioners: criteria restrict types outside the Patient compartment too.
    const activePractitioners = {
      role: 'nurse',
      resource: 'Practitioner',
      interactions: 'rs',
      patients: 'any',
      criteria: 'active=true',
    };
    const replaced = await tenant.request({
      method: 'PUT',
      url: '/api/admin/access-policies',
      payload: {
        policies: [
          // The default directory row for nurses gives way to the one with criteria.
          ...policies.filter((row) => !isNursePractitionerRow(row)),
          finalOnly,
          activePractitioners,
        ],
      },
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(replaced.statusCode, 200, replaced.body);
  });
  after(async () => {
    await testApp.close();
  });

  it('refuses a create that would not match the criteria, storing nothing, and allows one that does', async () => {
    const before = await observations();
    const refused = await nurse.request({
      method: 'POST',
      url: `${FHIR}/Observation`,
      payload: buildObservation(patient, { status: 'preliminary' }),
    });
    expectRefused(refused);
    assert.equal(await observations(), before, 'nothing was stored');
    const allowed = await nurse.request({
      method: 'POST',
      url: `${FHIR}/Observation`,
      payload: buildObservation(patient),
    });
    assert.equal(allowed.statusCode, 201, allowed.body);
    assert.equal(await observations(), before + 1);
  });

  it('refuses an update or patch taking a resource outside the criteria, leaving the stored version as it was', async () => {
    const id = await create(buildObservation(patient));
    const updated = await nurse.request({
      method: 'PUT',
      url: `${FHIR}/Observation/${id}`,
      payload: { ...buildObservation(patient, { status: 'amended' }), id },
    });
    expectRefused(updated);
    const patched = await nurse.request({
      method: 'PATCH',
      url: `${FHIR}/Observation/${id}`,
      payload: [{ op: 'replace', path: '/status', value: 'cancelled' }],
      headers: { 'content-type': 'application/json-patch+json' },
    });
    expectRefused(patched);
    const current = await stored(id);
    assert.equal(current.status, 'final');
    assert.equal(current.meta?.versionId, '1');
    // Within the criteria the same update goes through.
    const kept = await nurse.request({
      method: 'PUT',
      url: `${FHIR}/Observation/${id}`,
      payload: { ...buildObservation(patient, { valueQuantity: { value: 80 } }), id },
    });
    assert.equal(kept.statusCode, 200, kept.body);
    assert.equal((await stored(id)).meta?.versionId, '2');
  });

  it('refuses an update that creates a resource outside the criteria', async () => {
    const id = `nurse-${Date.now().toString(36)}`;
    const created = await nurse.request({
      method: 'PUT',
      url: `${FHIR}/Observation/${id}`,
      payload: { ...buildObservation(patient, { status: 'preliminary' }), id },
    });
    expectRefused(created);
    expectOutcome(await tenant.request({ method: 'GET', url: `${FHIR}/Observation/${id}` }), 404);
  });

  it('rolls a whole transaction back when one of its entries is refused', async () => {
    const before = await observations();
    const bundle = await nurse.request({
      method: 'POST',
      url: FHIR,
      payload: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { resource: buildObservation(patient), request: { method: 'POST', url: 'Observation' } },
          {
            resource: buildObservation(patient, { status: 'preliminary' }),
            request: { method: 'POST', url: 'Observation' },
          },
        ],
      },
    });
    assert.equal(bundle.statusCode, 403, bundle.body);
    assert.equal(await observations(), before, 'neither entry was stored');
  });

  it('authorises the creates of a transaction like any create: none for a patient out of care', async () => {
    const strangers = () => countResources(tenant, 'Observation', `subject=Patient/${stranger}`);
    const bundle = await nurse.request({
      method: 'POST',
      url: FHIR,
      payload: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ resource: buildObservation(stranger), request: { method: 'POST', url: 'Observation' } }],
      },
    });
    assert.match(expectOutcome(bundle, 403).details?.text ?? '', /patients you reach/);
    assert.equal(await strangers(), 0);
  });

  it('checks a patched resource once patched: it must stay with patients the user reaches', async () => {
    const id = await create(buildObservation(patient));
    const moved = await nurse.request({
      method: 'PATCH',
      url: `${FHIR}/Observation/${id}`,
      payload: [{ op: 'replace', path: '/subject/reference', value: `Patient/${stranger}` }],
      headers: { 'content-type': 'application/json-patch+json' },
    });
    assert.match(expectOutcome(moved, 403).details?.text ?? '', /patients you reach/);
    assert.equal((await stored(id)).subject?.reference, `Patient/${patient}`);
    const patched = await nurse.request({
      method: 'PATCH',
      url: `${FHIR}/Observation/${id}`,
      payload: [{ op: 'replace', path: '/valueQuantity/value', value: 90 }],
      headers: { 'content-type': 'application/json-patch+json' },
    });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal((await stored(id)).valueQuantity?.value, 90);
  });

  it('holds reads and searches of a type outside the Patient compartment to the criteria', async () => {
    const active = await create({ resourceType: 'Practitioner', active: true, name: [{ family: 'Criteriaactive' }] });
    const retired = await create({
      resourceType: 'Practitioner',
      active: false,
      name: [{ family: 'Criteriaretired' }],
    });
    const found = json<{ entry?: Array<{ resource: { id: string } }> }>(
      await nurse.request({ method: 'GET', url: `${FHIR}/Practitioner?name=criteria` }),
    );
    assert.deepEqual(
      found.entry?.map((entry) => entry.resource.id),
      [active],
    );
    assert.equal((await nurse.request({ method: 'GET', url: `${FHIR}/Practitioner/${active}` })).statusCode, 200);
    assert.notEqual((await nurse.request({ method: 'GET', url: `${FHIR}/Practitioner/${retired}` })).statusCode, 200);
  });
});
