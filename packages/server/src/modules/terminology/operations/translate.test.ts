import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConceptMap } from '@caregraph/core/fhir';
import { resourceMatches } from './translate.ts';

const SNOMED = 'http://snomed.info/sct';
const ICD10CM = 'http://hl7.org/fhir/sid/icd-10-cm';

const MAP: ConceptMap = {
  resourceType: 'ConceptMap',
  url: 'http://clinic.example.org/ConceptMap/problems',
  status: 'active',
  group: [
    {
      source: SNOMED,
      target: ICD10CM,
      element: [
        {
          code: '44054006',
          display: 'Diabetes mellitus type 2',
          target: [{ code: 'E11.9', display: 'Type 2 diabetes mellitus without complications', equivalence: 'wider' }],
        },
        { code: '38341003', target: [{ equivalence: 'unmatched' }] },
      ],
    },
  ],
};

describe('ConceptMap resources in $translate', () => {
  it("translates a source code into the group's target system", () => {
    assert.deepEqual(resourceMatches(MAP, { system: SNOMED, code: '44054006', reverse: false }), [
      {
        equivalence: 'wider',
        concept: { system: ICD10CM, code: 'E11.9', display: 'Type 2 diabetes mellitus without complications' },
        source: MAP.url,
      },
    ]);
    assert.deepEqual(resourceMatches(MAP, { system: SNOMED, code: '38341003', reverse: false }), [
      { equivalence: 'unmatched', source: MAP.url },
    ]);
  });

  it('translates in reverse and honours the target system', () => {
    assert.deepEqual(resourceMatches(MAP, { system: ICD10CM, code: 'E11.9', reverse: true }), [
      {
        equivalence: 'wider',
        concept: { system: SNOMED, code: '44054006', display: 'Diabetes mellitus type 2' },
        source: MAP.url,
      },
    ]);
    assert.deepEqual(
      resourceMatches(MAP, { system: SNOMED, code: '44054006', reverse: false, targetSystem: 'http://loinc.org' }),
      [],
    );
  });
});
