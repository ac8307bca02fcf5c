import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Resource } from '@medplum/fhirtypes';
import { extractIndexRows } from '../../fhir/search/extract-index.ts';
import { deriveContribution, describeResource, isJourneyResourceType } from './derive-node.ts';

function contributionOf(resource: Resource & { id: string }) {
  return deriveContribution(
    resource as unknown as Record<string, unknown> & { resourceType: string; id: string },
    extractIndexRows(resource),
  );
}

describe('journey node derivation', () => {
  it('puts a resource in the journeys of the patients its compartment parameters reference', () => {
    const contribution = contributionOf({
      resourceType: 'Observation',
      id: 'o-1',
      status: 'final',
      code: { text: 'note' },
      subject: { reference: 'Patient/p-2' },
      performer: [{ reference: 'Patient/p-1' }, { reference: 'Practitioner/dr-1' }],
      // Not a compartment parameter of Observation: the focus does not make it p-3's.
      focus: [{ reference: 'Patient/p-3' }],
    });

    assert.deepEqual(contribution.patients, ['p-1', 'p-2']);
  });

  it('makes a Patient a node of its own journey, and of a patient it links to', () => {
    const contribution = contributionOf({
      resourceType: 'Patient',
      id: 'p-1',
      link: [{ other: { reference: 'Patient/p-0' }, type: 'replaces' }],
      generalPractitioner: [{ reference: 'Practitioner/dr-1' }],
      managingOrganization: { reference: 'Organization/org-1' },
    });

    assert.deepEqual(contribution.patients, ['p-0', 'p-1']);
    assert.deepEqual(contribution.node, {
      startTime: null,
      endTime: null,
      label: 'Patient',
      codes: [],
      encounterId: null,
      providers: ['Practitioner/dr-1'],
    });
    assert.deepEqual(contribution.links, []);
  });

  it('takes the time from the care date: a period gives start and end, an open end gives no end', () => {
    const closed = contributionOf({
      resourceType: 'Encounter',
      id: 'e-1',
      status: 'finished',
      class: { code: 'AMB' },
      subject: { reference: 'Patient/p-1' },
      period: { start: '2024-01-01T08:00:00Z', end: '2024-01-01T09:00:00Z' },
    });
    const open = contributionOf({
      resourceType: 'Encounter',
      id: 'e-2',
      status: 'in-progress',
      class: { code: 'IMP' },
      subject: { reference: 'Patient/p-1' },
      period: { start: '2024-01-02' },
    });
    const endOnly = contributionOf({
      resourceType: 'Encounter',
      id: 'e-3',
      status: 'finished',
      class: { code: 'IMP' },
      subject: { reference: 'Patient/p-1' },
      period: { end: '2024-01-03T10:00:00Z' },
    });

    assert.deepEqual(
      [closed.node.startTime, closed.node.endTime],
      ['2024-01-01T08:00:00.000Z', '2024-01-01T09:00:00.999Z'],
    );
    assert.deepEqual([open.node.startTime, open.node.endTime], ['2024-01-02T00:00:00.000Z', null]);
    assert.deepEqual(
      [endOnly.node.startTime, endOnly.node.endTime],
      ['2024-01-03T10:00:00.999Z', '2024-01-03T10:00:00.999Z'],
    );
  });

  it('dates a MedicationRequest by when it was authored, and a Condition by its recording when it has no onset', () => {
    const request = contributionOf({
      resourceType: 'MedicationRequest',
      id: 'mr-1',
      status: 'active',
      intent: 'order',
      medicationCodeableConcept: { text: 'metformin' },
      subject: { reference: 'Patient/p-1' },
      authoredOn: '2024-05-06T07:08:09Z',
    });
    const condition = contributionOf({
      resourceType: 'Condition',
      id: 'c-1',
      subject: { reference: 'Patient/p-1' },
      recordedDate: '2023-02-03',
    });

    assert.equal(request.node.startTime, '2024-05-06T07:08:09.000Z');
    assert.equal(condition.node.startTime, '2023-02-03T00:00:00.000Z');
  });

  it('has no time for a resource without a care date', () => {
    const coverage = contributionOf({
      resourceType: 'Coverage',
      id: 'cov-1',
      status: 'active',
      beneficiary: { reference: 'Patient/p-1' },
      payor: [{ reference: 'Organization/insurer-1' }],
    });

    assert.deepEqual(coverage.patients, ['p-1']);
    assert.equal(coverage.node.startTime, null);
    // The insurer paid for care, it did not provide it.
    assert.deepEqual(coverage.node.providers, []);
  });

  it('names the encounter a resource belongs to, and an Encounter itself', () => {
    const observation = contributionOf({
      resourceType: 'Observation',
      id: 'o-1',
      status: 'final',
      code: { text: 'x' },
      subject: { reference: 'Patient/p-1' },
      encounter: { reference: 'Encounter/e-7' },
    });
    const administration = contributionOf({
      resourceType: 'MedicationAdministration',
      id: 'ma-1',
      status: 'completed',
      medicationCodeableConcept: { text: 'x' },
      subject: { reference: 'Patient/p-1' },
      effectiveDateTime: '2024-01-01',
      context: { reference: 'Encounter/e-8' },
    });

    assert.equal(observation.node.encounterId, 'e-7');
    assert.equal(administration.node.encounterId, 'e-8');
  });

  it('labels a resource by the display of its main code, else its text, else its type', () => {
    const coding = { system: 'http://loinc.org', code: '4548-4', display: 'Hemoglobin A1c' };
    assert.deepEqual(
      describeResource({ code: { coding: [{ system: 'urn:x', code: 'a' }, coding], text: 'HbA1c' } }, 'Observation'),
      {
        label: 'Hemoglobin A1c',
        codes: ['urn:x|a', 'http://loinc.org|4548-4'],
      },
    );
    assert.deepEqual(describeResource({ code: { text: 'HbA1c' } }, 'Observation'), { label: 'HbA1c', codes: [] });
    assert.deepEqual(describeResource({ status: 'final' }, 'Observation'), { label: 'Observation', codes: [] });
    assert.deepEqual(
      describeResource(
        { vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '140', display: 'Influenza' }] } },
        'Immunization',
      ),
      { label: 'Influenza', codes: ['http://hl7.org/fhir/sid/cvx|140'] },
    );
    assert.deepEqual(
      describeResource(
        {
          type: [{ coding: [{ system: 'http://snomed.info/sct', code: '185349003', display: 'Check-up' }] }],
          class: { code: 'AMB' },
        },
        'Encounter',
      ),
      { label: 'Check-up', codes: ['http://snomed.info/sct|185349003'] },
    );
    assert.deepEqual(
      describeResource(
        { medicationReference: { reference: 'Medication/m-1', display: 'Insulin' } },
        'MedicationRequest',
      ),
      {
        label: 'Insulin',
        codes: [],
      },
    );
  });

  it('contributes nothing for a type that is never in a patient compartment', () => {
    assert.equal(isJourneyResourceType('Practitioner'), false);
    assert.equal(isJourneyResourceType('Patient'), true);
    assert.equal(isJourneyResourceType('Observation'), true);
    const contribution = contributionOf({
      resourceType: 'Organization',
      id: 'org-1',
      partOf: { reference: 'Organization/org-0' },
    });
    assert.deepEqual(contribution.patients, []);
    assert.deepEqual(contribution.links, []);
  });
});
