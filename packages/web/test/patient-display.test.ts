import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ageInYears,
  formatIdentifier,
  formatName,
  patientSearchParams,
} from '../src/features/patients/patient-display.ts';
import { safeReturnPath } from '../src/features/session/return-path.ts';

describe('patient display', () => {
  it('prefers the official name and joins given names before the family name', () => {
    assert.equal(
      formatName({
        name: [
          { use: 'nickname', given: ['Bob'] },
          { use: 'official', given: ['Robert', 'James'], family: 'Graham' },
        ],
      }),
      'Robert James Graham',
    );
    assert.equal(formatName({ name: [{ text: 'Dr. A. Smith' }] }), 'Dr. A. Smith');
    assert.equal(formatName({}), 'Unnamed patient');
  });

  it('shows the medical record number with its type', () => {
    assert.equal(
      formatIdentifier({
        identifier: [
          { system: 'http://hl7.org/fhir/sid/us-ssn', value: '999-11-2222', type: { text: 'SSN' } },
          { value: 'MRN-7', type: { coding: [{ code: 'MR', display: 'Medical Record Number' }] } },
        ],
      }),
      'MRN-7 (Medical Record Number)',
    );
    assert.equal(formatIdentifier({ identifier: [{ system: 'x' }] }), undefined);
  });

  it('counts age in whole years, not yet a year older before the birthday', () => {
    const today = new Date('2026-11-23T12:00:00Z');
    assert.equal(ageInYears('1980-11-23', today), 46);
    assert.equal(ageInYears('1980-11-24', today), 45);
    assert.equal(ageInYears('1980', today), 46);
    assert.equal(ageInYears(undefined, today), undefined);
    assert.equal(ageInYears('not a date', today), undefined);
  });

  it('reads a search box as a birth date, an identifier or a name', () => {
    assert.deepEqual(patientSearchParams(' 1970-01-31 '), { birthdate: '1970-01-31' });
    assert.deepEqual(patientSearchParams('MRN-7'), { identifier: 'MRN-7' });
    assert.deepEqual(patientSearchParams('grah'), { name: 'grah' });
    assert.deepEqual(patientSearchParams('  '), {});
  });
});

describe('safeReturnPath', () => {
  it('returns to a path on this site and nowhere else', () => {
    assert.equal(safeReturnPath('/patients/p1/journey?x=1'), '/patients/p1/journey?x=1');
    assert.equal(safeReturnPath('https://evil.example/'), '/patients');
    assert.equal(safeReturnPath('//evil.example/'), '/patients');
    assert.equal(safeReturnPath('/\\evil.example'), '/patients');
    assert.equal(safeReturnPath(null), '/patients');
  });
});
