import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutcomeError } from '@caregraph/core/fhir';
import { checkFhirAccess, type CompartmentProbe, type FhirAccessRequest } from './fhir-access.ts';

// Observation/o-1 belongs to patient p-1, Observation/o-2 to p-2; Medication is not patient data.
const probe: CompartmentProbe = {
  isPatientCompartmentType: (type) => type !== 'Medication' && type !== 'Practitioner',
  isInPatientCompartment: (type, id, patientId) =>
    Promise.resolve(
      type === 'Observation' && ((id === 'o-1' && patientId === 'p-1') || (id === 'o-2' && patientId === 'p-2')),
    ),
};

const get = (path: string, query: Array<[string, string]> = []): FhirAccessRequest => ({ method: 'GET', path, query });

async function assertForbidden(promise: Promise<unknown>, text: RegExp) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof OutcomeError);
    assert.equal(error.outcome.issue?.[0]?.code, 'forbidden');
    assert.match(error.outcome.issue?.[0]?.details?.text ?? '', text);
    return true;
  });
}

describe('checkFhirAccess', () => {
  const patient = { scopes: ['launch/patient', 'patient/*.rs'], patientId: 'p-1' };

  it('lets system/*.* do anything, unchanged', async () => {
    const request: FhirAccessRequest = { method: 'POST', path: '', query: [], body: { resourceType: 'Bundle' } };
    assert.equal(await checkFhirAccess({ scopes: ['system/*.*'] }, request, probe), request);
  });

  it('lets patient scopes read the launch patient and their own observations only', async () => {
    await checkFhirAccess(patient, get('Patient/p-1'), probe);
    await checkFhirAccess(patient, get('Observation/o-1'), probe);
    await checkFhirAccess(patient, get('Patient/p-1/$everything'), probe);
    await assertForbidden(checkFhirAccess(patient, get('Patient/p-2'), probe), /launch patient/);
    await assertForbidden(checkFhirAccess(patient, get('Observation/o-2'), probe), /Observation\/o-2 is not in/);
  });

  it('narrows searches to the launch patient', async () => {
    const search = await checkFhirAccess(patient, get('Observation', [['code', '1234-5']]), probe);
    assert.equal(search.path, 'Patient/p-1/Observation');
    assert.deepEqual(search.query, [['code', '1234-5']]);
    const posted = await checkFhirAccess(patient, { method: 'POST', path: 'Observation/_search', query: [] }, probe);
    assert.equal(posted.path, 'Patient/p-1/Observation/_search');
    const patients = await checkFhirAccess(patient, get('Patient', [['name', 'x']]), probe);
    assert.deepEqual(patients.query, [
      ['name', 'x'],
      ['_id', 'p-1'],
    ]);
    assert.equal((await checkFhirAccess(patient, get('Medication'), probe)).path, 'Medication');
    await assertForbidden(checkFhirAccess(patient, get('Patient/p-2/Observation'), probe), /launch patient/);
  });

  it('refuses patient scopes without a launch patient', async () => {
    await assertForbidden(checkFhirAccess({ scopes: ['patient/*.rs'] }, get('Patient/p-1'), probe), /launch patient/);
  });

  it('refuses writes without a write scope, and system-wide work to patient scopes', async () => {
    const create = { method: 'POST', path: 'Observation', query: [], body: { subject: { reference: 'Patient/p-1' } } };
    await assertForbidden(checkFhirAccess(patient, create, probe), /Observation \(c\)/);
    await assertForbidden(
      checkFhirAccess({ scopes: ['user/*.rs'] }, { ...create, method: 'DELETE', path: 'Observation/o-1' }, probe),
      /\(d\)/,
    );
    await assertForbidden(checkFhirAccess(patient, get(''), probe), /cannot be limited/);
    await assertForbidden(checkFhirAccess(patient, get('Observation/_history'), probe), /cannot be limited/);
  });

  it('lets patient write scopes create only in the launch patient compartment', async () => {
    const writer = { scopes: ['patient/Observation.cruds'], patientId: 'p-1' };
    const own = { method: 'POST', path: 'Observation', query: [], body: { subject: { reference: 'Patient/p-1' } } };
    assert.equal(await checkFhirAccess(writer, own, probe), own);
    await assertForbidden(
      checkFhirAccess(writer, { ...own, body: { subject: { reference: 'Patient/p-2' } } }, probe),
      /must reference the launch patient/,
    );
    await assertForbidden(
      checkFhirAccess(writer, { ...own, method: 'PUT', path: 'Observation/o-2' }, probe),
      /not in the launch patient/,
    );
  });

  it('treats v1 scopes as v2', async () => {
    await checkFhirAccess({ scopes: ['user/Observation.read'] }, get('Observation', [['code', 'x']]), probe);
    await assertForbidden(checkFhirAccess({ scopes: ['user/Observation.read'] }, get('Condition'), probe), /Condition/);
  });
});
