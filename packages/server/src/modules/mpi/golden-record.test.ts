import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Patient } from '@medplum/fhirtypes';
import {
  assuranceOf,
  buildGoldenRecord,
  chooseSurvivor,
  surviveFields,
  type SurvivorCandidate,
} from './golden-record.ts';

function member(
  id: string,
  patient: Partial<Patient>,
  source: string,
  lastUpdated: string,
  replaced = false,
): SurvivorCandidate {
  return { patient: { resourceType: 'Patient', id, ...patient }, source, lastUpdated, replaced };
}

const registration = member(
  'a',
  { name: [{ family: 'Whitfield', given: ['Jon'] }], birthDate: '1975-03-14', address: [{ city: 'Leeds' }] },
  'urn:registration',
  '2024-01-01T00:00:00Z',
);
const lab = member(
  'b',
  {
    name: [{ family: 'Whitfield', given: ['Jonathan', 'Edward'] }],
    birthDate: '1975-03',
    gender: 'male',
    address: [{ line: ['12 Baker Street'], city: 'London', postalCode: 'NW1 6XE' }],
  },
  'urn:lab',
  '2024-06-01T00:00:00Z',
);

describe('golden record survivorship', () => {
  it('takes names and birth dates from the most trusted source, addresses from the latest record', () => {
    const fields = surviveFields([registration, lab], ['urn:registration', 'urn:lab']);
    assert.deepEqual(fields.name, registration.patient.name);
    assert.equal(fields.birthDate, '1975-03-14');
    assert.deepEqual(fields.address, lab.patient.address);
    assert.equal(fields.gender, 'male');
  });

  it('falls back to the most complete value when no source is trusted over another', () => {
    const fields = surviveFields([registration, lab], []);
    assert.deepEqual(fields.name, lab.patient.name);
    assert.equal(fields.birthDate, '1975-03-14');
  });

  it('prefers a known gender to unknown whatever the trust order, and ignores merged-away records', () => {
    const unknown = member('c', { gender: 'unknown' }, 'urn:registration', '2025-01-01T00:00:00Z');
    assert.equal(chooseSurvivor('gender', [unknown, lab], ['urn:registration'])?.patient.id, 'b');
    const merged = { ...lab, replaced: true };
    assert.equal(chooseSurvivor('gender', [unknown, merged], [])?.patient.id, 'c');
  });

  it('grades assurance by probability, confirmed links at level4', () => {
    assert.equal(assuranceOf(0.95, 'manual'), 'level4');
    assert.equal(assuranceOf(0.2, 'merge'), 'level4');
    assert.equal(assuranceOf(0.9995, 'auto'), 'level4');
    assert.equal(assuranceOf(0.995, 'auto'), 'level3');
    assert.equal(assuranceOf(0.95, 'auto'), 'level2');
    assert.equal(assuranceOf(0.5, 'auto'), 'level1');
  });

  it('builds a tagged Person linking every member in id order', () => {
    const person = buildGoldenRecord({
      id: 'p1',
      members: [lab, registration],
      links: [
        { patientId: 'b', assurance: 'level3' },
        { patientId: 'a', assurance: 'level4' },
      ],
      trust: [],
    });
    assert.equal(person.resourceType, 'Person');
    assert.deepEqual(person.link, [
      { target: { reference: 'Patient/a' }, assurance: 'level4' },
      { target: { reference: 'Patient/b' }, assurance: 'level3' },
    ]);
    assert.equal(person.meta?.tag?.[0]?.code, 'golden-record');
  });
});
