import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { usesBlindIndex } from './blind-index-use.ts';
import { parseSearchQuery } from './parse-query.ts';

const SSN = 'http://hl7.org/fhir/sid/us-ssn';
const sealed = new Set([SSN]);

function uses(resourceType: string, queryString: string, systems: ReadonlySet<string> = sealed): boolean {
  const query = parseSearchQuery(resourceType, [...new URLSearchParams(queryString).entries()], false);
  return usesBlindIndex(query.criteria, systems);
}

describe('usesBlindIndex', () => {
  it('is needed for identifiers of a sealed system, without a system, and :of-type', () => {
    assert.equal(uses('Patient', `identifier=${SSN}|123-45-6789`), true);
    assert.equal(uses('Patient', 'identifier=123-45-6789'), true);
    assert.equal(uses('Patient', 'identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|SS|1'), true);
  });

  it('is needed inside chains and _has, and for :identifier references', () => {
    assert.equal(uses('Observation', `subject:Patient.identifier=${SSN}|123-45-6789`), true);
    assert.equal(uses('Patient', `_has:Observation:subject:code=${SSN}|1`), true);
    assert.equal(uses('Observation', `subject:identifier=${SSN}|1`), true);
  });

  it('is not needed for searches that name no sealed system', () => {
    assert.equal(uses('Patient', 'identifier=http://hospital.example.org|42'), false);
    assert.equal(uses('Observation', 'subject=Patient/1&code=http://loinc.org|8302-2&date=ge2010&_sort=-date'), false);
    assert.equal(uses('Observation', 'code=8302-2'), false);
    assert.equal(uses('Encounter', 'subject=Patient/1&_include=Encounter:participant:Practitioner'), false);
    assert.equal(uses('Observation', 'subject:Patient.identifier=http://hospital.example.org|42'), false);
    assert.equal(uses('Patient', 'name=smith&birthdate=1970-01-01'), false);
  });

  it('is never needed when the policy seals no system', () => {
    assert.equal(uses('Patient', 'identifier=123-45-6789', new Set()), false);
  });
});
