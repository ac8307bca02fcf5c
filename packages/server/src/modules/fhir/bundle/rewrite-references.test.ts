import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collectConditionalReferences, rewriteReferences } from './rewrite-references.ts';

describe('rewriteReferences', () => {
  it('replaces urn:uuid references at any depth and leaves others alone', () => {
    const resource = {
      resourceType: 'Encounter',
      subject: { reference: 'urn:uuid:a' },
      participant: [{ individual: { reference: 'urn:uuid:b', display: 'urn:uuid:a' } }],
      serviceProvider: { reference: 'Organization/1' },
    };
    const result = rewriteReferences(
      resource,
      new Map([
        ['urn:uuid:a', 'Patient/p1'],
        ['urn:uuid:b', 'Practitioner/d1'],
      ]),
    );
    assert.equal(result.subject.reference, 'Patient/p1');
    assert.equal(result.participant[0]?.individual.reference, 'Practitioner/d1');
    assert.equal(result.participant[0]?.individual.display, 'urn:uuid:a');
    assert.equal(result.serviceProvider.reference, 'Organization/1');
    assert.equal(resource.subject.reference, 'urn:uuid:a', 'the input is not mutated');
  });
});

describe('collectConditionalReferences', () => {
  it('finds conditional references once each', () => {
    const found = collectConditionalReferences({
      a: { reference: 'Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|1' },
      b: [{ reference: 'Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|1' }, { reference: 'Patient/1' }],
    });
    assert.deepEqual([...found], ['Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|1']);
  });
});
