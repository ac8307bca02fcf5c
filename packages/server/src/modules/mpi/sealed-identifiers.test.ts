import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBlindIndex } from '../encryption/index.ts';
import { toMatchRecord } from './engine/index.ts';
import { sealRecord } from './sealed-identifiers.ts';

const SSN = 'http://hl7.org/fhir/sid/us-ssn';
const MRN = 'urn:hospital:mrn';
const index = createBlindIndex(Buffer.alloc(32, 7), new Set([SSN]));

describe('sealRecord', () => {
  it('replaces the values of sealed systems by their blind-index tokens and digests, and keeps the others', () => {
    const record = toMatchRecord({
      resourceType: 'Patient',
      identifier: [
        { system: SSN, value: '123-45-6789' },
        { system: MRN, value: 'm-1' },
      ],
    });
    const [ssn, mrn] = sealRecord(record, index).identifiers;
    // The normalised value is what is hashed, so "123-45-6789" and "123456789" agree.
    assert.equal(ssn?.value, index.hash(SSN, '123456789'));
    assert.equal(ssn?.digests?.substitutions.length, 9);
    assert.ok(!JSON.stringify(ssn).includes('6789'));
    assert.deepEqual(mrn, { system: MRN, value: 'M1', authoritative: false });
  });

  it('returns a record without sealed identifiers as it is', () => {
    const record = toMatchRecord({ resourceType: 'Patient', identifier: [{ system: MRN, value: 'm-1' }] });
    assert.equal(sealRecord(record, index), record);
  });
});
