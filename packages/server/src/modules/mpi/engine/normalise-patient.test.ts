import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildPatient } from './engine-test-support.ts';
import { toMatchRecord } from './normalise-patient.ts';

describe('toMatchRecord', () => {
  it('folds accents, drops titles and suffixes and splits multi-part names', () => {
    const record = toMatchRecord({
      resourceType: 'Patient',
      id: 'a',
      name: [{ prefix: ['Dr.'], given: ['Mary-Ann', 'Zoë'], family: "O'Brien-Müller", suffix: ['Jr.'] }],
    });
    assert.deepEqual(record.givenNames, ['mary', 'ann', 'zoe']);
    assert.deepEqual(record.familyNames, ['obrien', 'muller']);
    assert.equal(record.givenPhonetic.length, 3);
  });

  it('removes titles written into the name fields themselves', () => {
    const record = toMatchRecord({ resourceType: 'Patient', name: [{ given: ['Mr John'], family: 'Smith Jr' }] });
    assert.deepEqual(record.givenNames, ['john']);
    assert.deepEqual(record.familyNames, ['smith']);
  });

  it('puts the official name first and adds maiden-name words after it', () => {
    const record = toMatchRecord({
      resourceType: 'Patient',
      name: [
        { use: 'maiden', family: 'Jones', given: ['Anne'] },
        { use: 'official', family: 'Smith', given: ['Anne'] },
      ],
    });
    assert.deepEqual(record.familyNames, ['smith', 'jones']);
  });

  it('splits the house number from the street and abbreviates street types', () => {
    const record = toMatchRecord(
      buildPatient({ id: 'a', line: '12 Hurley Street', city: 'Kempsey', postalCode: 'SW1A 1AA' }),
    );
    assert.deepEqual(record.addresses, [
      { line: '12 hurley st', number: '12', street: 'hurleyst', city: 'kempsey', postcode: 'sw1a1aa' },
    ]);
  });

  it('splits a street type run into the street name', () => {
    const record = toMatchRecord(buildPatient({ id: 'a', line: '177 pridhamstreet' }));
    assert.equal(record.addresses[0]?.street, 'pridhamst');
  });

  it('keeps the last nine digits of phones and lower-cases e-mails, ignoring Gmail dots and tags', () => {
    const record = toMatchRecord({
      resourceType: 'Patient',
      telecom: [
        { system: 'phone', value: '+44 (0)20 7946-0018' },
        { system: 'email', value: 'Jane.Doe+clinic@GMail.com' },
        { system: 'email', value: 'J.Doe@Example.org' },
        { system: 'phone', value: '123' },
      ],
    });
    assert.deepEqual(record.phones, ['079460018']);
    assert.deepEqual(record.emails, ['janedoe@gmail.com', 'j.doe@example.org']);
  });

  it('marks national ids authoritative by system or by identifier type, and MRNs not', () => {
    const record = toMatchRecord({
      resourceType: 'Patient',
      identifier: [
        { system: 'http://hl7.org/fhir/sid/us-ssn', value: '123-45-6789' },
        { system: 'urn:example:national', value: 'AB 12', type: { coding: [{ code: 'NI' }] } },
        { system: 'urn:hospital:mrn', value: 'm-1', type: { coding: [{ code: 'MR' }] } },
      ],
    });
    assert.deepEqual(record.identifiers, [
      { system: 'http://hl7.org/fhir/sid/us-ssn', value: '123456789', authoritative: true },
      { system: 'urn:example:national', value: 'AB12', authoritative: true },
      { system: 'urn:hospital:mrn', value: 'M1', authoritative: false },
    ]);
  });

  it('takes the source from meta.source, else from the first MRN system', () => {
    const mrn = { system: 'urn:hospital:mrn', value: '1', type: { coding: [{ code: 'MR' }] } };
    assert.equal(
      toMatchRecord({ resourceType: 'Patient', meta: { source: 'urn:feed' }, identifier: [mrn] }).source,
      'urn:feed',
    );
    assert.equal(toMatchRecord({ resourceType: 'Patient', identifier: [mrn] }).source, 'urn:hospital:mrn');
    assert.equal(toMatchRecord({ resourceType: 'Patient' }).source, '');
  });

  it('keeps only full birth dates and known sexes', () => {
    assert.equal(toMatchRecord({ resourceType: 'Patient', birthDate: '1980' }).birthDate, undefined);
    assert.equal(toMatchRecord({ resourceType: 'Patient', birthDate: '1980-02-03' }).birthDate, '1980-02-03');
    assert.equal(toMatchRecord({ resourceType: 'Patient', gender: 'unknown' }).sex, undefined);
    assert.equal(toMatchRecord({ resourceType: 'Patient', gender: 'female' }).sex, 'female');
  });
});
