import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Observation, Patient } from '@medplum/fhirtypes';
import { extractIndexRows } from './extract-index.ts';
import { parseReference } from './index-values.ts';

const patient: Patient = {
  resourceType: 'Patient',
  id: 'p1',
  meta: { versionId: '1', lastUpdated: '2024-01-02T03:04:05.000Z', tag: [{ system: 'urn:tags', code: 'vip' }] },
  identifier: [{ system: 'urn:mrn', value: 'MRN-1', type: { text: 'Medical record number' } }],
  active: true,
  name: [{ use: 'official', family: 'Müller', given: ['Anna', 'Maria'] }],
  telecom: [
    { system: 'phone', value: '555-0100' },
    { system: 'email', value: 'anna@example.com' },
  ],
  gender: 'female',
  birthDate: '1980-05-17',
  address: [{ line: ['1 Main St'], city: 'Springfield', postalCode: '62701', country: 'US' }],
  generalPractitioner: [{ reference: 'Practitioner/d1' }],
  managingOrganization: { reference: 'https://example.org/fhir/Organization/o1/_history/2' },
};

const observation: Observation = {
  resourceType: 'Observation',
  id: 'o1',
  status: 'final',
  category: [
    { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] },
  ],
  code: { coding: [{ system: 'http://loinc.org', code: '29463-7', display: 'Body weight' }], text: 'Weight' },
  subject: { reference: 'Patient/p1' },
  encounter: { reference: 'urn:uuid:4d6f2b1e-0000-4000-8000-000000000001' },
  effectivePeriod: { start: '2024-03-01T10:00:00Z', end: '2024-03-01T11:00:00+01:00' },
  valueQuantity: { value: 72.5, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
};

/** The rows of one search parameter, without their `code` column. */
function rowsOf<Row extends { code: string }>(rows: Row[], code: string): Array<Omit<Row, 'code'>> {
  return rows.filter((row) => row.code === code).map(({ code: _code, ...rest }) => rest);
}

describe('extractIndexRows for a Patient', () => {
  const rows = extractIndexRows(patient);

  it('indexes codes, identifiers and contact points as tokens with their system', () => {
    assert.deepEqual(rowsOf(rows.token, 'gender'), [{ system: null, value: 'female', text: null }]);
    assert.deepEqual(rowsOf(rows.token, 'active'), [{ system: null, value: 'true', text: null }]);
    assert.deepEqual(rowsOf(rows.token, 'identifier'), [
      { system: 'urn:mrn', value: 'MRN-1', text: 'medical record number' },
    ]);
    assert.deepEqual(rowsOf(rows.token, 'telecom'), [
      { system: 'phone', value: '555-0100', text: null },
      { system: 'email', value: 'anna@example.com', text: null },
    ]);
    assert.deepEqual(rowsOf(rows.token, 'email'), [{ system: 'email', value: 'anna@example.com', text: null }]);
    assert.deepEqual(rowsOf(rows.token, 'phone'), [{ system: 'phone', value: '555-0100', text: null }]);
  });

  it('indexes the Resource-level parameters such as _tag', () => {
    assert.deepEqual(rowsOf(rows.token, '_tag'), [{ system: 'urn:tags', value: 'vip', text: null }]);
  });

  it('indexes every part of names and addresses, normalised and as written', () => {
    assert.deepEqual(rowsOf(rows.string, 'family'), [{ value: 'muller', exact: 'Müller' }]);
    assert.deepEqual(rowsOf(rows.string, 'given'), [
      { value: 'anna', exact: 'Anna' },
      { value: 'maria', exact: 'Maria' },
    ]);
    assert.deepEqual(
      rowsOf(rows.string, 'name').map((row) => row.exact),
      ['Müller', 'Anna', 'Maria'],
    );
    assert.deepEqual(
      rowsOf(rows.string, 'address').map((row) => row.value),
      ['1 main st', 'springfield', '62701', 'us'],
    );
    assert.deepEqual(rowsOf(rows.string, 'address-city'), [{ value: 'springfield', exact: 'Springfield' }]);
  });

  it('indexes references by type and id, also when absolute or versioned', () => {
    assert.deepEqual(rowsOf(rows.reference, 'general-practitioner'), [
      { targetType: 'Practitioner', targetId: 'd1', target: 'Practitioner/d1' },
    ]);
    assert.deepEqual(rowsOf(rows.reference, 'organization'), [
      {
        targetType: 'Organization',
        targetId: 'o1',
        target: 'https://example.org/fhir/Organization/o1/_history/2',
      },
    ]);
  });

  it('indexes a date as the whole day it covers', () => {
    assert.deepEqual(rowsOf(rows.date, 'birthdate'), [
      { low: '1980-05-17T00:00:00.000Z', high: '1980-05-17T23:59:59.999Z' },
    ]);
  });

  it('produces no rows for parameters whose elements are absent', () => {
    assert.deepEqual(rowsOf(rows.date, 'death-date'), []);
    assert.deepEqual(rowsOf(rows.reference, 'link'), []);
    assert.deepEqual(rows.number, []);
  });
});

describe('extractIndexRows for an Observation', () => {
  const rows = extractIndexRows(observation);

  it('indexes each coding of a CodeableConcept with the concept text as its text', () => {
    assert.deepEqual(rowsOf(rows.token, 'code'), [{ system: 'http://loinc.org', value: '29463-7', text: 'weight' }]);
    assert.deepEqual(rowsOf(rows.token, 'category'), [
      { system: 'http://terminology.hl7.org/CodeSystem/observation-category', value: 'vital-signs', text: null },
    ]);
    assert.deepEqual(rowsOf(rows.token, 'status'), [{ system: null, value: 'final', text: null }]);
  });

  it('indexes the subject under subject and, being a Patient, under patient', () => {
    const expected = [{ targetType: 'Patient', targetId: 'p1', target: 'Patient/p1' }];
    assert.deepEqual(rowsOf(rows.reference, 'subject'), expected);
    assert.deepEqual(rowsOf(rows.reference, 'patient'), expected);
  });

  it('keeps a reference that is not Type/id as written, without a type or id', () => {
    assert.deepEqual(rowsOf(rows.reference, 'encounter'), [
      { targetType: null, targetId: null, target: 'urn:uuid:4d6f2b1e-0000-4000-8000-000000000001' },
    ]);
  });

  it('indexes a Period as the span from its start to the end of its end, in UTC', () => {
    assert.deepEqual(rowsOf(rows.date, 'date'), [
      { low: '2024-03-01T10:00:00.000Z', high: '2024-03-01T10:00:00.999Z' },
    ]);
  });

  it('indexes a Quantity with its value, system and unit code', () => {
    assert.deepEqual(rowsOf(rows.number, 'value-quantity'), [
      { value: 72.5, system: 'http://unitsofmeasure.org', unit: 'kg' },
    ]);
  });
});

describe('parseReference', () => {
  it('reads type and id from relative, absolute and versioned references', () => {
    assert.deepEqual(parseReference('Patient/1'), { type: 'Patient', id: '1' });
    assert.deepEqual(parseReference('https://x.org/fhir/Patient/1'), { type: 'Patient', id: '1' });
    assert.deepEqual(parseReference('Patient/1/_history/3'), { type: 'Patient', id: '1' });
  });

  it('returns undefined for references without a type and id', () => {
    assert.equal(parseReference('urn:uuid:1234'), undefined);
    assert.equal(parseReference('#contained'), undefined);
    assert.equal(parseReference('Patient?identifier=x|y'), undefined);
  });
});
