import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trySignedInPatient } from './record-access.ts';

const user = (fields: { roles?: string[]; fhirUser?: string; patientId?: string }) => ({
  actor: { kind: 'user', label: '6c1f0c2e-2b8f-4c55-9d1e-0f1f5b7c2a10' },
  roles: fields.roles ?? [],
  ...(fields.fhirUser === undefined ? {} : { fhirUser: fields.fhirUser }),
  ...(fields.patientId === undefined ? {} : { patientId: fields.patientId }),
});

describe('the signed-in patient', () => {
  it('is the Patient the token’s fhirUser names, absolute or relative', () => {
    assert.equal(trySignedInPatient(user({ fhirUser: 'http://caregraph.test/fhir/R4/Patient/p-1' })), 'p-1');
    assert.equal(trySignedInPatient(user({ fhirUser: 'Patient/p-2', roles: ['patient'] })), 'p-2');
  });

  it('is a patient-role user’s launch patient when the token has no fhirUser', () => {
    assert.equal(trySignedInPatient(user({ roles: ['patient'], patientId: 'p-3' })), 'p-3');
  });

  it('is nobody for a clinician looking at a launch patient, or for a system client', () => {
    const clinician = user({ roles: ['clinician'], fhirUser: 'http://x/fhir/R4/Practitioner/pr-1', patientId: 'p-4' });
    assert.equal(trySignedInPatient(clinician), undefined);
    assert.equal(trySignedInPatient(user({ roles: ['clinician'], patientId: 'p-4' })), undefined);
    const client = { actor: { kind: 'system', label: 'ward-app' }, roles: ['service'], patientId: 'p-5' };
    assert.equal(trySignedInPatient(client), undefined);
  });
});
