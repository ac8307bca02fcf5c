import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rewritePatientReferences } from './rewrite-patient-references.ts';

describe('rewritePatientReferences', () => {
  const options = { from: 'p1', to: 'p2', baseUrl: 'http://x.test/fhir/R4' };

  it('rewrites relative, versioned and absolute references to the source, nothing else', () => {
    const { value, rewritten } = rewritePatientReferences(
      {
        subject: { reference: 'Patient/p1', display: 'kept' },
        performer: [{ reference: 'http://x.test/fhir/R4/Patient/p1' }, { reference: 'Practitioner/p1' }],
        focus: [
          { reference: 'Patient/p1/_history/3' },
          { reference: 'Patient/p10' },
          { reference: 'http://other.test/Patient/p1' },
        ],
        note: [{ text: 'Patient/p1' }],
      },
      options,
    );
    assert.equal(rewritten, 3);
    assert.deepEqual(value, {
      subject: { reference: 'Patient/p2', display: 'kept' },
      performer: [{ reference: 'http://x.test/fhir/R4/Patient/p2' }, { reference: 'Practitioner/p1' }],
      focus: [{ reference: 'Patient/p2' }, { reference: 'Patient/p10' }, { reference: 'http://other.test/Patient/p1' }],
      note: [{ text: 'Patient/p1' }],
    });
  });

  it('leaves the input untouched', () => {
    const input = { subject: { reference: 'Patient/p1' } };
    rewritePatientReferences(input, options);
    assert.equal(input.subject.reference, 'Patient/p1');
  });
});
