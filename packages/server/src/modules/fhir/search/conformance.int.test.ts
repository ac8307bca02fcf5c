// FHIR R4 search conformance (https://hl7.org/fhir/R4/search.html): one fixed set of resources,
// then a table of queries with the exact set of resources each must find. Expectations follow the
// specification's text, cited per group by the page's anchor (#date is search.html#date), not what
// the engine happens to do.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { createTestApp, type TestApp, type TestTenant } from '../../../test/create-test-app.ts';
import { createResource, expectOutcome, FHIR, FHIR_BASE_URL, json } from '../fhir-test-support.ts';

const MRN = 'urn:caregraph:mrn';
const OTHER = 'urn:caregraph:other';
const UCUM = 'http://unitsofmeasure.org';
const LOINC = 'http://loinc.org';
const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const CONFIDENTIALITY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
const TAGS = 'urn:caregraph:tags';
const VIP_PROFILE = 'http://example.org/fhir/StructureDefinition/vip-patient';

/** Exactly these resources, or (for the implementation-defined `ap` prefix) at least and at most some. */
type Expected = string[] | { includes: string[]; excludes: string[] };
/** Resource type, query with `{name}` placeholders for seeded ids and `{base}` for the server base, expected names. */
type Case = [type: string, query: string, expected: Expected];

const PATIENTS = ['pMuller', 'pMULLER', 'pmuller', 'pSmith', 'pNoData'];
const OBSERVATIONS = ['hrPlus10', 'weightMinus5', 'weightZ', 'weightPeriod', 'openPeriod', 'bloodPressure', 'external'];

/** Seeds in creation order; `{name}` in a seed stands for the id of an earlier one. */
function seeds(): Array<[string, Resource]> {
  const loinc = (code: string, display: string) => ({ coding: [{ system: LOINC, code, display }] });
  const observation = (overrides: Record<string, unknown>): Resource =>
    ({ resourceType: 'Observation', status: 'final', ...overrides }) as Resource;
  const encounter = (period: Record<string, string>): Resource => ({
    resourceType: 'Encounter',
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
    subject: { reference: 'Patient/{pMuller}' },
    period,
  });
  const risk = (prediction: Record<string, unknown>): Resource => ({
    resourceType: 'RiskAssessment',
    status: 'final',
    subject: { reference: 'Patient/{pSmith}' },
    prediction: [prediction],
  });
  return [
    [
      'pMuller',
      {
        resourceType: 'Patient',
        meta: {
          tag: [{ system: TAGS, code: 'vip' }],
          security: [{ system: CONFIDENTIALITY, code: 'R' }],
          profile: [VIP_PROFILE],
        },
        text: {
          status: 'generated',
          div: '<div xmlns="http://www.w3.org/1999/xhtml"><p>Anna M&#252;ller has a <b>heart</b> condition &amp; diabetes</p></div>',
        },
        identifier: [
          {
            type: { coding: [{ system: V2_0203, code: 'MR' }], text: 'Medical record number' },
            system: MRN,
            value: 'M-1',
          },
          {
            type: { coding: [{ system: V2_0203, code: 'SS' }] },
            system: 'http://hl7.org/fhir/sid/us-ssn',
            value: '111-22-3333',
          },
        ],
        active: true,
        name: [
          { family: 'Müller', given: ['Anna'] },
          { use: 'maiden', family: 'Schmidt', given: ['Anna', 'Maria'] },
        ],
        gender: 'female',
        birthDate: '1980-05-17',
        address: [{ city: 'Zürich' }],
      },
    ],
    [
      'pMULLER',
      {
        resourceType: 'Patient',
        identifier: [{ type: { coding: [{ system: V2_0203, code: 'MR' }] }, system: MRN, value: 'M-2' }],
        active: false,
        name: [{ family: 'MÜLLER', given: ['Hans'] }],
        gender: 'male',
        birthDate: '1980-05',
      },
    ],
    [
      'pmuller',
      {
        resourceType: 'Patient',
        identifier: [{ system: OTHER, value: 'M-1' }],
        name: [{ family: 'muller', given: ['Jo'] }],
        gender: 'other',
        birthDate: '1980',
      },
    ],
    [
      'pSmith',
      {
        resourceType: 'Patient',
        meta: { tag: [{ system: TAGS, code: 'research' }], security: [{ system: CONFIDENTIALITY, code: 'N' }] },
        text: {
          status: 'generated',
          div: '<div xmlns="http://www.w3.org/1999/xhtml">John Smith, no known conditions</div>',
        },
        identifier: [{ value: 'no-system-id' }],
        name: [{ family: 'Smith', given: ['John', 'Jacob'] }],
        gender: 'male',
        birthDate: '1975-12-31',
      },
    ],
    ['pNoData', { resourceType: 'Patient', name: [{ text: 'Nameless Person' }] }],

    [
      'hrPlus10',
      observation({
        code: loinc('8867-4', 'Heart rate'),
        subject: { reference: 'Patient/{pMuller}' },
        // 2024-02-29T22:00:00Z
        effectiveDateTime: '2024-03-01T08:00:00+10:00',
        valueQuantity: { value: 72, unit: 'beats/minute', system: UCUM, code: '/min' },
      }),
    ],
    [
      'weightMinus5',
      observation({
        code: loinc('29463-7', 'Body weight'),
        subject: { reference: 'Patient/{pMuller}' },
        // 2024-03-01T01:00:00Z
        effectiveDateTime: '2024-02-29T20:00:00-05:00',
        valueQuantity: { value: 100, unit: 'kg', system: UCUM, code: 'kg' },
      }),
    ],
    [
      'weightZ',
      observation({
        code: loinc('29463-7', 'Body weight'),
        subject: { reference: 'Patient/{pSmith}' },
        effectiveDateTime: '2024-03-01T12:00:00Z',
        valueQuantity: { value: 99.5, unit: 'kg' },
      }),
    ],
    [
      'weightPeriod',
      observation({
        code: loinc('29463-7', 'Body weight'),
        subject: { reference: 'Patient/{pMULLER}' },
        effectivePeriod: { start: '2024-02-28T00:00:00Z', end: '2024-03-02T00:00:00Z' },
        valueQuantity: { value: 100.4, system: 'http://other.org/units', code: 'kg' },
      }),
    ],
    [
      'openPeriod',
      observation({
        status: 'registered',
        code: { text: 'Pending lab' },
        effectivePeriod: { start: '2024-03-01T23:00:00Z' },
      }),
    ],
    [
      'bloodPressure',
      observation({
        code: loinc('85354-9', 'Blood pressure panel'),
        subject: { reference: 'Patient/{pmuller}' },
        effectiveDateTime: '2023-06-01T09:00:00Z',
        component: [
          { code: loinc('8480-6', 'Systolic'), valueQuantity: { value: 120, system: UCUM, code: 'mm[Hg]' } },
          { code: loinc('8462-4', 'Diastolic'), valueQuantity: { value: 80, system: UCUM, code: 'mm[Hg]' } },
        ],
      }),
    ],
    [
      'external',
      observation({
        code: loinc('8867-4', 'Heart rate'),
        subject: {
          reference: 'http://other.org/fhir/Patient/ext-1',
          identifier: { system: 'urn:other:mrn', value: 'X-9' },
        },
        valueString: 'irregular',
      }),
    ],

    ['eJan', encounter({ start: '2024-01-10', end: '2024-01-20' })],
    ['eSpan', encounter({ start: '2023-12-25T10:00:00Z', end: '2024-01-05T10:00:00Z' })],
    ['eOpen', encounter({ start: '2024-01-15T00:00:00Z' })],

    ['rHigh', risk({ probabilityDecimal: 0.8 })],
    ['rLow', risk({ probabilityDecimal: 0.25 })],
    ['rEdge', risk({ probabilityDecimal: 99.5 })],
    ['rHundred', risk({ probabilityDecimal: 100 })],
    ['rNone', risk({ outcome: { text: 'Stroke' } })],

    ['vsColors', { resourceType: 'ValueSet', status: 'active', url: 'http://example.org/fhir/ValueSet/colors' }],
    ['vsWarm', { resourceType: 'ValueSet', status: 'active', url: 'http://example.org/fhir/ValueSet/colors/warm' }],
    ['vsOther', { resourceType: 'ValueSet', status: 'active', url: 'http://other.org/ValueSet/colors' }],
    ['vsNoUrl', { resourceType: 'ValueSet', status: 'draft', name: 'Unpublished' }],
    [
      'csColors',
      {
        resourceType: 'CodeSystem',
        status: 'active',
        content: 'complete',
        url: 'http://example.org/fhir/CodeSystem/colors',
      },
    ],
  ];
}

const GROUPS: Array<{ title: string; cases: Case[] }> = [
  {
    // #string: "By default, a field matches a string query if the value of the field equals or starts
    // with the supplied parameter value, after both have been normalized by case and accent."
    title: 'string',
    cases: [
      ['Patient', 'family=muller', ['pMuller', 'pMULLER', 'pmuller']],
      ['Patient', 'family=MÜLL', ['pMuller', 'pMULLER', 'pmuller']],
      ['Patient', 'family=uller', []],
      ['Patient', 'family=s', ['pMuller', 'pSmith']],
      ['Patient', 'name=maria', ['pMuller']],
      ['Patient', 'name=nameless', ['pNoData']],
      ['Patient', 'given=jo', ['pmuller', 'pSmith']],
      ['Patient', 'given=anna&given=maria', ['pMuller']],
      ['Patient', 'address-city=zurich', ['pMuller']],
      // ":exact ... the search parameter value ... matches exactly (case, accent, and other normalization sensitive)"
      ['Patient', 'family:exact=Müller', ['pMuller']],
      ['Patient', 'family:exact=MÜLLER', ['pMULLER']],
      ['Patient', 'family:exact=muller', ['pmuller']],
      ['Patient', 'family:exact=Mull', []],
      ['Patient', 'address-city:exact=Zurich', []],
      // ":contains ... the string anywhere in the field"
      ['Patient', 'family:contains=LLER', ['pMuller', 'pMULLER', 'pmuller']],
      ['Patient', 'family:contains=mid', ['pMuller']],
      ['Patient', 'family:missing=true', ['pNoData']],
      ['Patient', 'family:missing=false', ['pMuller', 'pMULLER', 'pmuller', 'pSmith']],
      ['Patient', 'name:missing=true', []],
    ],
  },
  {
    // #token: [code], [system]|[code], |[code] (no system), [system]| (any code in the system).
    title: 'token',
    cases: [
      ['Patient', 'gender=male', ['pMULLER', 'pSmith']],
      ['Patient', 'gender=male,other', ['pMULLER', 'pmuller', 'pSmith']],
      // "Matching is case sensitive unless the underlying semantics for the context indicate that the token
      // should be interpreted case-insensitively" (administrative-gender is a case-sensitive code system).
      ['Patient', 'gender=MALE', []],
      ['Patient', 'identifier=m-1', []],
      ['Patient', 'active=true', ['pMuller']],
      ['Patient', 'active=false', ['pMULLER']],
      ['Patient', `identifier=${MRN}|M-1`, ['pMuller']],
      ['Patient', 'identifier=M-1', ['pMuller', 'pmuller']],
      ['Patient', 'identifier=|no-system-id', ['pSmith']],
      ['Patient', 'identifier=|M-1', []],
      ['Patient', `identifier=${MRN}|`, ['pMuller', 'pMULLER']],
      ['Observation', `code=${LOINC}|29463-7`, ['weightMinus5', 'weightZ', 'weightPeriod']],
      ['Observation', 'code=8867-4', ['hrPlus10', 'external']],
      ['Observation', 'code=|8867-4', []],
      [
        'Observation',
        `code=${LOINC}|`,
        ['hrPlus10', 'weightMinus5', 'weightZ', 'weightPeriod', 'bloodPressure', 'external'],
      ],
      ['Observation', `code=${LOINC}|8867-4,${LOINC}|85354-9`, ['hrPlus10', 'bloodPressure', 'external']],
      // ":not ... Note that this includes resources that have no value for the parameter"
      ['Patient', 'gender:not=male', ['pMuller', 'pmuller', 'pNoData']],
      ['Observation', `code:not=${LOINC}|29463-7`, ['hrPlus10', 'openPeriod', 'bloodPressure', 'external']],
      ['Observation', 'status:not=final', ['openPeriod']],
      // ":text ... searches text associated with the code/value - either CodeableConcept.text, Coding.display, or
      // Identifier.type.text"
      ['Observation', 'code:text=body', ['weightMinus5', 'weightZ', 'weightPeriod']],
      ['Observation', 'code:text=pending', ['openPeriod']],
      ['Patient', 'identifier:text=medical', ['pMuller']],
      ['Patient', 'gender:missing=true', ['pNoData']],
      ['Patient', 'active:missing=true', ['pmuller', 'pSmith', 'pNoData']],
      ['Patient', 'identifier:missing=true', ['pNoData']],
      // ":of-type ... [system]|[code]|[value], where system and code refer to Identifier.type.coding"
      ['Patient', `identifier:of-type=${V2_0203}|MR|M-1`, ['pMuller']],
      ['Patient', `identifier:of-type=${V2_0203}|MR|M-2`, ['pMULLER']],
      ['Patient', `identifier:of-type=${V2_0203}|SS|111-22-3333`, ['pMuller']],
      ['Patient', `identifier:of-type=${V2_0203}|SS|M-1`, []],
    ],
  },
  {
    // #prefix, on ranges: eq "the range of the search value fully contains the range of the target
    // value"; gt "the range above the search value intersects (i.e. overlaps) with the range of the target value";
    // sa "... does not overlap ..., and the range above the search value contains the range of the target value".
    // #date: a date of lower precision, or a Period, is a range; an open Period end is unbounded.
    title: 'date',
    cases: [
      ['Patient', 'birthdate=1980', ['pMuller', 'pMULLER', 'pmuller']],
      ['Patient', 'birthdate=1980-05', ['pMuller', 'pMULLER']],
      ['Patient', 'birthdate=1980-05-17', ['pMuller']],
      ['Patient', 'birthdate=ne1980-05-17', ['pMULLER', 'pmuller', 'pSmith']],
      // A day is not inside one second, and nothing of 1980-05-17 lies below its first second.
      ['Patient', 'birthdate=1980-05-17T00:00:00Z', []],
      ['Patient', 'birthdate=le1980-05-17T00:00:00Z', ['pMULLER', 'pmuller', 'pSmith']],
      ['Patient', 'birthdate=ne1980-05', ['pmuller', 'pSmith']],
      ['Patient', 'birthdate=gt1980-05-17', ['pMULLER', 'pmuller']],
      ['Patient', 'birthdate=lt1980-05-17', ['pMULLER', 'pmuller', 'pSmith']],
      ['Patient', 'birthdate=ge1980-05-17', ['pMuller', 'pMULLER', 'pmuller']],
      ['Patient', 'birthdate=le1975-12-31', ['pSmith']],
      ['Patient', 'birthdate=sa1980-04', ['pMuller', 'pMULLER']],
      ['Patient', 'birthdate=eb1980-05-17', ['pSmith']],
      ['Patient', 'birthdate=ge1980&birthdate=lt1980-05-17', ['pMULLER', 'pmuller']],
      ['Patient', 'birthdate:missing=true', ['pNoData']],
      // Instants compare in UTC whatever offset they were written with.
      ['Observation', 'date=2024-03-01T01:00:00Z', ['weightMinus5']],
      ['Observation', 'date=2024-02-29T22:00:00Z', ['hrPlus10']],
      ['Observation', 'date=2024-03-01T08:00:00+10:00', ['hrPlus10']],
      ['Observation', 'date=2024-02-29T20:00:00-05:00', ['weightMinus5']],
      // A value given to the second is a one-second range, which a millisecond does not contain.
      ['Observation', 'date=2024-03-01T12:00:00.000Z', []],
      ['Observation', 'date=2024-03-01T12:00:00Z', ['weightZ']],
      ['Observation', 'date=lt2024-03-01T00:00:00Z', ['hrPlus10', 'weightPeriod', 'bloodPressure']],
      ['Observation', 'date=ge2024-03-01T00:00:00Z', ['weightMinus5', 'weightZ', 'weightPeriod', 'openPeriod']],
      ['Observation', 'date=gt2024-03-02T00:00:00Z', ['openPeriod']],
      ['Observation', 'date=sa2024-02-29T23:00:00Z', ['weightMinus5', 'weightZ', 'openPeriod']],
      ['Observation', 'date=eb2024-03-01T00:00:00Z', ['hrPlus10', 'bloodPressure']],
      ['Observation', 'date=le2023-06-01T09:00:00Z', ['bloodPressure']],
      ['Observation', 'date=2023', ['bloodPressure']],
      ['Observation', 'date:missing=true', ['external']],
      // ap: "the value for the parameter in the resource is approximately the same to the provided value";
      // how close is the server's choice, so only the obvious members and non-members are checked.
      [
        'Observation',
        'date=ap2024-03-01T12:00:00Z',
        { includes: ['weightZ'], excludes: ['bloodPressure', 'external'] },
      ],
      ['Encounter', 'date=2024-01', ['eJan']],
      ['Encounter', 'date=2024-01-15', []],
      ['Encounter', 'date=ge2024-01-21', ['eOpen']],
      ['Encounter', 'date=le2023-12-31', ['eSpan']],
      ['Encounter', 'date=lt2024-01-10', ['eSpan']],
      ['Encounter', 'date=sa2024-01-09', ['eJan', 'eOpen']],
      ['Encounter', 'date=eb2024-01-10', ['eSpan']],
      ['Encounter', 'date=ne2024-01', ['eSpan', 'eOpen']],
      ['Encounter', 'date=gt2024-01-10&date=lt2024-01-12', ['eJan']],
    ],
  },
  {
    // #reference: [id], [type]/[id], an absolute URL, and the :[type] modifier.
    title: 'reference',
    cases: [
      ['Observation', 'subject=Patient/{pMuller}', ['hrPlus10', 'weightMinus5']],
      ['Observation', 'subject={pMuller}', ['hrPlus10', 'weightMinus5']],
      ['Observation', 'subject:Patient={pMuller}', ['hrPlus10', 'weightMinus5']],
      ['Observation', 'subject={base}/Patient/{pMuller}', ['hrPlus10', 'weightMinus5']],
      ['Observation', 'subject:Group={pMuller}', []],
      ['Observation', 'patient={pMULLER}', ['weightPeriod']],
      ['Observation', 'subject=Patient/{pMuller},Patient/{pmuller}', ['hrPlus10', 'weightMinus5', 'bloodPressure']],
      ['Observation', 'subject=http://other.org/fhir/Patient/ext-1', ['external']],
      ['Observation', 'subject:missing=true', ['openPeriod']],
      ['Observation', 'subject=Patient/unknown-id', []],
      // ":identifier ... search on Reference.identifier rather than the literal reference"
      ['Observation', 'subject:identifier=urn:other:mrn|X-9', ['external']],
      [
        'Observation',
        'subject:missing=false',
        ['hrPlus10', 'weightMinus5', 'weightZ', 'weightPeriod', 'bloodPressure', 'external'],
      ],
    ],
  },
  {
    // #quantity: "value-quantity=5.4||mg ... where the unit - either the code (code) or the stated human
    // unit (unit) are "mg""; with a system, the code must match in that system. The number follows #number.
    title: 'quantity',
    cases: [
      ['Observation', 'value-quantity=100', ['weightMinus5', 'weightZ', 'weightPeriod']],
      ['Observation', 'value-quantity=100.00', ['weightMinus5']],
      ['Observation', 'value-quantity=99.5', ['weightZ']],
      ['Observation', 'value-quantity=ne100||kg', []],
      // "[parameter]=1e2: Values that equal 100, to 1 significant figures precision, so this is actually searching
      // for values in the range [95 ... 105)". The sentence contradicts itself: one significant figure is
      // [50, 150), which is what CareGraph implements (and documents), so the pulse of 72 matches too.
      ['Observation', 'value-quantity=1e2', ['weightMinus5', 'weightZ', 'weightPeriod', 'hrPlus10']],
      ['Observation', 'value-quantity=100||kg', ['weightMinus5', 'weightZ', 'weightPeriod']],
      ['Observation', `value-quantity=100|${UCUM}|kg`, ['weightMinus5']],
      ['Observation', 'value-quantity=100|http://other.org/units|kg', ['weightPeriod']],
      ['Observation', `value-quantity=72|${UCUM}|/min`, ['hrPlus10']],
      ['Observation', `value-quantity=lt80|${UCUM}|/min`, ['hrPlus10']],
      ['Observation', 'value-quantity=gt100', ['weightPeriod']],
      ['Observation', 'value-quantity=ge100', ['weightMinus5', 'weightPeriod']],
      ['Observation', 'value-quantity=lt100', ['hrPlus10', 'weightZ']],
      ['Observation', 'value-quantity=le99.5', ['hrPlus10', 'weightZ']],
      ['Observation', 'value-quantity=ne100', ['hrPlus10']],
      ['Observation', 'value-quantity:missing=true', ['openPeriod', 'bloodPressure', 'external']],
    ],
  },
  {
    // #number: "[parameter]=100: Values that equal 100, to 3 significant figures precision, so this is
    // actually searching for values in the range [99.5 ... 100.5)"; "gt100: Values that are greater than exactly
    // 100"; "ne100: Values that are not equal to 100 (actually, in the range 99.5 to 100.5)".
    title: 'number',
    cases: [
      ['RiskAssessment', 'probability=0.8', ['rHigh']],
      ['RiskAssessment', 'probability=0.3', ['rLow']],
      ['RiskAssessment', 'probability=0.2', []],
      ['RiskAssessment', 'probability=100', ['rEdge', 'rHundred']],
      ['RiskAssessment', 'probability=100.0', ['rHundred']],
      ['RiskAssessment', 'probability=2.5e-1', ['rLow']],
      ['RiskAssessment', 'probability=gt0.8', ['rEdge', 'rHundred']],
      ['RiskAssessment', 'probability=gt0.25', ['rHigh', 'rEdge', 'rHundred']],
      ['RiskAssessment', 'probability=ge0.25', ['rLow', 'rHigh', 'rEdge', 'rHundred']],
      ['RiskAssessment', 'probability=lt0.8', ['rLow']],
      ['RiskAssessment', 'probability=le0.8', ['rLow', 'rHigh']],
      ['RiskAssessment', 'probability=ne100', ['rLow', 'rHigh']],
      ['RiskAssessment', 'probability=0.25,0.8', ['rLow', 'rHigh']],
      [
        'RiskAssessment',
        'probability=ap100',
        { includes: ['rEdge', 'rHundred'], excludes: ['rLow', 'rHigh', 'rNone'] },
      ],
      ['RiskAssessment', 'probability:missing=true', ['rNone']],
    ],
  },
  {
    // #uri: exact by default; ":below ... would match any value set with a URL that starts with" the
    // value; ":above ... would match any value set with a URL that is above the provided one".
    title: 'uri',
    cases: [
      ['ValueSet', 'url=http://example.org/fhir/ValueSet/colors', ['vsColors']],
      ['ValueSet', 'url=http://example.org/fhir/ValueSet', []],
      [
        'ValueSet',
        'url=http://example.org/fhir/ValueSet/colors,http://other.org/ValueSet/colors',
        ['vsColors', 'vsOther'],
      ],
      ['ValueSet', 'url:below=http://example.org/fhir/ValueSet/colors', ['vsColors', 'vsWarm']],
      ['ValueSet', 'url:below=http://example.org', ['vsColors', 'vsWarm']],
      ['ValueSet', 'url:above=http://example.org/fhir/ValueSet/colors/warm/deep', ['vsColors', 'vsWarm']],
      ['ValueSet', 'url:above=http://example.org/fhir/ValueSet/colors', ['vsColors']],
      ['ValueSet', 'url:missing=true', ['vsNoUrl']],
      ['CodeSystem', 'url:below=http://example.org/fhir/CodeSystem', ['csColors']],
    ],
  },
  {
    // #all: parameters for all resources.
    title: 'special and common parameters',
    cases: [
      ['Patient', '_id={pMuller},{pSmith}', ['pMuller', 'pSmith']],
      ['Patient', '_id={pMuller}&_id={pSmith}', []],
      ['Observation', '_id={pMuller}', []],
      ['Patient', '_lastUpdated=ge{seedStart}', PATIENTS],
      ['Patient', '_lastUpdated=lt{seedStart}', []],
      ['Patient', '_lastUpdated=gt{seedStart}&gender=male', ['pMULLER', 'pSmith']],
      ['Patient', `_tag=${TAGS}|vip`, ['pMuller']],
      ['Patient', '_tag=research', ['pSmith']],
      ['Patient', `_tag=${TAGS}|`, ['pMuller', 'pSmith']],
      ['Patient', `_tag:not=${TAGS}|vip`, ['pMULLER', 'pmuller', 'pSmith', 'pNoData']],
      ['Patient', `_security=${CONFIDENTIALITY}|R`, ['pMuller']],
      ['Patient', '_security=N', ['pSmith']],
      ['Patient', `_profile=${VIP_PROFILE}`, ['pMuller']],
      ['Patient', '_profile:below=http://example.org/fhir/StructureDefinition', ['pMuller']],
    ],
  },
  {
    // Searching multiple values: "p=a,b" matches either value (OR); repeating a parameter ANDs the criteria.
    // #errors: "Note: Empty parameters are not an error - they are just ignored by the server."
    title: 'OR, AND and empty values',
    cases: [
      ['Patient', 'family=smith,schmidt', ['pMuller', 'pSmith']],
      ['Patient', 'family=muller&gender=male', ['pMULLER']],
      ['Patient', 'gender=male,female&birthdate=1980', ['pMuller', 'pMULLER']],
      ['Observation', `code=${LOINC}|29463-7&value-quantity=gt99.9`, ['weightMinus5', 'weightPeriod']],
      ['Observation', 'subject=Patient/{pMuller}&date=lt2024-03-01T00:00:00Z', ['hrPlus10']],
      ['Patient', 'family=&gender=male', ['pMULLER', 'pSmith']],
      ['Patient', 'birthdate=', PATIENTS],
      ['Patient', 'birthdate=&birthdate=1980', ['pMuller', 'pMULLER', 'pmuller']],
      ['Patient', 'gender:missing=', PATIENTS],
      ['Observation', 'code=', OBSERVATIONS],
    ],
  },
  {
    // #composite: "[code]$[value]", both holding for the same element (one component).
    title: 'composite',
    cases: [
      ['Observation', `code-value-quantity=${LOINC}|29463-7$gt99.9`, ['weightMinus5', 'weightPeriod']],
      ['Observation', `component-code-value-quantity=${LOINC}|8480-6$gt100`, ['bloodPressure']],
      ['Observation', `component-code-value-quantity=${LOINC}|8462-4$gt100`, []],
    ],
  },
  {
    // #chaining and #has (reverse chaining).
    title: 'chaining and _has',
    cases: [
      ['Observation', 'subject:Patient.family=schmidt', ['hrPlus10', 'weightMinus5']],
      ['Observation', 'patient.birthdate=1980-05', ['hrPlus10', 'weightMinus5', 'weightPeriod']],
      ['Observation', `patient.identifier=${MRN}|M-2`, ['weightPeriod']],
      ['Patient', '_has:Observation:subject:code=85354-9', ['pmuller']],
      ['Patient', `_has:Observation:patient:code=${LOINC}|29463-7`, ['pMuller', 'pMULLER', 'pSmith']],
    ],
  },
  {
    // #all (_text: "Search on the narrative of the resource"; _content: "Search on the entire content of
    // the resource").
    title: '_text and _content',
    cases: [
      ['Patient', '_text=diabetes', ['pMuller']],
      ['Patient', '_text=smith', ['pSmith']],
      ['Patient', '_text=schmidt', []],
      ['Patient', '_content=schmidt', ['pMuller']],
      ['Patient', '_content=zurich', ['pMuller']],
      ['Patient', '_content=diabetes', ['pMuller']],
      ['Patient', '_content=muller', ['pMuller', 'pMULLER', 'pmuller']],
      ['Patient', '_content=ZÜRICH', ['pMuller']],
      ['Patient', '_text=MÜLLER', ['pMuller']],
      ['Observation', '_content=irregular', ['external']],
    ],
  },
];

/**
 * "Where the content of the parameter is syntactically incorrect, servers SHOULD return an error" (#errors), and
 * an unknown parameter is an error unless the client asks for lenient handling. Each case names the text the
 * OperationOutcome must quote.
 */
const BAD_REQUESTS: Array<[type: string, query: string, quoted: string]> = [
  ['Patient', 'birthdate=1980-13', '1980-13'],
  ['Patient', 'birthdate=xx2020', 'xx2020'],
  ['Patient', 'birthdate=2020-02-30', '2020-02-30'],
  ['Observation', 'date=ge2024-03-01T25:00:00Z', 'ge2024-03-01T25:00:00Z'],
  ['Patient', '_lastUpdated=yesterday', 'yesterday'],
  ['RiskAssessment', 'probability=abc', 'abc'],
  ['RiskAssessment', 'probability=xx5', 'xx5'],
  ['RiskAssessment', 'probability=gt', 'gt'],
  ['Observation', 'value-quantity=ten||kg', 'ten||kg'],
  ['Patient', 'gender:missing=maybe', 'maybe'],
  ['Patient', 'family:sounds-like=x', 'sounds-like'],
  ['Patient', 'shoe-size=42', 'shoe-size'],
  ['Patient', '_summary=maybe', 'maybe'],
  ['Patient', '_elements=shoeSize', 'shoeSize'],
];

/** Replaces `{name}` with the id of the seed so named. */
function fillIds(text: string, ids: Record<string, string>): string {
  return text.replace(/\{(\w+)\}/g, (placeholder, name: string) => {
    const id = ids[name];
    assert.ok(id, `no seed named ${placeholder} has been created`);
    return id;
  });
}

/** Fills `{name}`, `{base}` and `{seedStart}` in a query and URL-encodes each value. */
function buildQuery(query: string, ids: Record<string, string>, seedStart: string): string {
  return query
    .split('&')
    .map((part) => {
      const equals = part.indexOf('=');
      const value = fillIds(part.slice(equals + 1), { ...ids, base: FHIR_BASE_URL, seedStart });
      return `${part.slice(0, equals)}=${encodeURIComponent(value)}`;
    })
    .join('&');
}

describe('FHIR search conformance', () => {
  let testApp: TestApp;
  let tenant: TestTenant;
  const ids: Record<string, string> = {};
  const names = new Map<string, string>();
  let seedStart = '';

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
    // _lastUpdated has second precision in the query, so the boundary is set a second before the first write.
    seedStart = `${new Date(Date.now() - 1000).toISOString().slice(0, 19)}Z`;
    for (const [name, resource] of seeds()) {
      const created = await createResource(tenant, JSON.parse(fillIds(JSON.stringify(resource), ids)) as Resource);
      ids[name] = created.id;
      names.set(created.id, name);
    }
  });

  after(() => testApp.close());

  async function search(type: string, query: string, headers: Record<string, string> = {}): Promise<Bundle> {
    const response = await tenant.request({
      method: 'GET',
      url: `${FHIR}/${type}?${buildQuery(query, ids, seedStart)}&_count=100`,
      headers,
    });
    assert.equal(response.statusCode, 200, `${type}?${query}: ${response.body}`);
    return json<Bundle>(response);
  }

  function matchNames(bundle: Bundle): string[] {
    return (bundle.entry ?? [])
      .filter((entry) => entry.search?.mode !== 'outcome')
      .map((entry) => names.get(entry.resource?.id ?? '') ?? `unknown ${entry.resource?.id}`)
      .sort();
  }

  for (const group of GROUPS) {
    describe(group.title, () => {
      for (const [type, query, expected] of group.cases) {
        const label = Array.isArray(expected) ? `[${expected.join(', ')}]` : `⊇ [${expected.includes.join(', ')}]`;
        it(`${type}?${query} finds ${label}`, async () => {
          const found = matchNames(await search(type, query));
          if (Array.isArray(expected)) {
            assert.deepEqual(found, [...expected].sort());
          } else {
            for (const name of expected.includes) {
              assert.ok(found.includes(name), `${name} missing from [${found.join(', ')}]`);
            }
            for (const name of expected.excludes) {
              assert.ok(!found.includes(name), `${name} should not be in [${found.join(', ')}]`);
            }
          }
        });
      }
    });
  }

  // #summary and #elements: subsets of each match, tagged SUBSETTED so that no client
  // takes them for the whole resource.
  describe('_summary and _elements', () => {
    const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };

    async function shapedMuller(parameter: string): Promise<Record<string, unknown>> {
      const bundle = await search('Patient', `_id={pMuller}&${parameter}`);
      const resource = bundle.entry?.[0]?.resource as Record<string, unknown> | undefined;
      assert.ok(resource, `${parameter} returns the match`);
      return resource;
    }

    const tagsOf = (resource: Record<string, unknown>) => (resource.meta as { tag?: unknown[] }).tag;

    it('_summary=true keeps the summary elements and drops the rest, tagging the subset', async () => {
      const resource = await shapedMuller('_summary=true');
      assert.deepEqual(Object.keys(resource).sort(), [
        'active',
        'address',
        'birthDate',
        'gender',
        'id',
        'identifier',
        'meta',
        'name',
        'resourceType',
      ]);
      assert.deepEqual(tagsOf(resource), [{ system: TAGS, code: 'vip' }, SUBSETTED]);
    });

    it('_summary=text keeps only the narrative, id and meta; _summary=data drops only the narrative', async () => {
      assert.deepEqual(Object.keys(await shapedMuller('_summary=text')).sort(), ['id', 'meta', 'resourceType', 'text']);
      const data = await shapedMuller('_summary=data');
      assert.equal(data.text, undefined);
      assert.ok(data.name && data.address);
      assert.deepEqual(tagsOf(data), [{ system: TAGS, code: 'vip' }, SUBSETTED]);
    });

    it('_elements keeps the listed elements with id and meta', async () => {
      const resource = await shapedMuller('_elements=gender,birthDate');
      assert.deepEqual(Object.keys(resource).sort(), ['birthDate', 'gender', 'id', 'meta', 'resourceType']);
      assert.deepEqual(tagsOf(resource), [{ system: TAGS, code: 'vip' }, SUBSETTED]);
    });

    it('_summary=count gives the total and no matches', async () => {
      const bundle = await search('Patient', 'family=muller&_summary=count');
      assert.equal(bundle.total, 3);
      assert.deepEqual(matchNames(bundle), []);
    });
  });

  describe('errors', () => {
    for (const [type, query, quoted] of BAD_REQUESTS) {
      it(`${type}?${query} is refused with 400 quoting "${quoted}"`, async () => {
        const response = await tenant.request({
          method: 'GET',
          url: `${FHIR}/${type}?${buildQuery(query, ids, seedStart)}`,
        });
        const issue = expectOutcome(response, 400);
        assert.ok(issue.details?.text?.includes(quoted), `"${issue.details?.text}" does not quote ${quoted}`);
      });
    }

    it('ignores an unknown parameter under Prefer: handling=lenient and reports it in an outcome entry', async () => {
      const bundle = await search('Patient', 'family=muller&shoe-size=42', { prefer: 'handling=lenient' });
      assert.deepEqual(matchNames(bundle), ['pMULLER', 'pMuller', 'pmuller']);
      const outcome = bundle.entry?.find((entry) => entry.search?.mode === 'outcome')?.resource as
        OperationOutcome | undefined;
      assert.ok(outcome, 'the searchset carries an outcome entry');
      assert.ok(outcome.issue?.some((issue) => issue.expression?.includes('shoe-size')));
    });
  });
});
