import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { composeOf, implicitValueSet } from './value-sets.ts';

describe('value set definitions', () => {
  it('understands the implicit value sets of a code system', () => {
    assert.deepEqual(implicitValueSet('http://snomed.info/sct?fhir_vs=isa/73211009')?.compose, {
      include: [{ system: 'http://snomed.info/sct', filter: [{ property: 'concept', op: 'is-a', value: '73211009' }] }],
    });
    assert.deepEqual(implicitValueSet('http://hl7.org/fhir/sid/icd-10-cm?fhir_vs')?.compose, {
      include: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm' }],
    });
    assert.deepEqual(implicitValueSet('http://loinc.org/vs')?.compose, { include: [{ system: 'http://loinc.org' }] });
    assert.equal(implicitValueSet('http://example.org/ValueSet/x'), undefined);
  });

  it('reads a value set published only as an expansion as explicit includes', () => {
    const compose = composeOf({
      resourceType: 'ValueSet',
      status: 'active',
      expansion: {
        timestamp: '2025-01-01T00:00:00Z',
        contains: [
          { system: 'http://loinc.org', code: '4548-4', display: 'Hemoglobin A1c' },
          { abstract: true, display: 'Group', contains: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '208' }] },
          { system: 'http://loinc.org', code: '2345-7' },
        ],
      },
    });
    assert.deepEqual(compose.include, [
      {
        system: 'http://loinc.org',
        concept: [{ code: '4548-4', display: 'Hemoglobin A1c' }, { code: '2345-7' }],
      },
      { system: 'http://hl7.org/fhir/sid/cvx', concept: [{ code: '208' }] },
    ]);
  });
});
