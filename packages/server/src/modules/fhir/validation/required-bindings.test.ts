import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkRequiredBindings, summarizeRequiredBindings } from './index.ts';

const observation = { resourceType: 'Observation', status: 'final', code: { text: 'Heart rate' } };
const condition = { resourceType: 'Condition', subject: { reference: 'Patient/1' } };
const clinical = 'http://terminology.hl7.org/CodeSystem/condition-clinical';

function paths(resource: unknown): string[] {
  return checkRequiredBindings(resource).map((issue) => issue.expression?.[0] ?? '(none)');
}

describe('required bindings on code elements', () => {
  it('accepts every administrative-gender code on Patient.gender', () => {
    for (const gender of ['male', 'female', 'other', 'unknown']) {
      assert.deepEqual(checkRequiredBindings({ resourceType: 'Patient', gender }), []);
    }
  });

  it('reports Patient.gender "x" as code-invalid naming the value set', () => {
    assert.deepEqual(checkRequiredBindings({ resourceType: 'Patient', gender: 'x' }), [
      {
        severity: 'error',
        code: 'code-invalid',
        details: {
          text: 'Value "x" is not in the required value set http://hl7.org/fhir/ValueSet/administrative-gender',
        },
        expression: ['Patient.gender'],
      },
    ]);
  });

  it('compares codes case-sensitively', () => {
    assert.deepEqual(paths({ resourceType: 'Patient', gender: 'Male' }), ['Patient.gender']);
  });

  it('reports Observation.status "bogus"', () => {
    assert.deepEqual(paths({ ...observation, status: 'bogus' }), ['Observation.status']);
  });

  it('reports Identifier.use in the second Patient.identifier with its array index', () => {
    const patient = { resourceType: 'Patient', identifier: [{ use: 'usual' }, { use: 'nope' }] };
    assert.deepEqual(paths(patient), ['Patient.identifier[1].use']);
  });

  it('checks codes inside nested data types', () => {
    const patient = {
      resourceType: 'Patient',
      text: { status: 'meh', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' },
      telecom: [{ system: 'phone', use: 'home' }, { system: 'pager2' }],
      name: [{ use: 'nick' }],
      address: [{ use: 'zzz', type: 'both' }],
      contact: [{ gender: 'q', telecom: [{ use: 'desk' }] }],
    };
    assert.deepEqual(paths(patient), [
      'Patient.text.status',
      'Patient.telecom[1].system',
      'Patient.name[0].use',
      'Patient.address[0].use',
      'Patient.contact[0].gender',
      'Patient.contact[0].telecom[0].use',
    ]);
  });

  it('checks choice-type values and names them with ofType', () => {
    assert.deepEqual(paths({ ...observation, valueQuantity: { value: 1, comparator: '~' } }), [
      'Observation.value.ofType(Quantity).comparator',
    ]);
    assert.deepEqual(paths({ ...observation, valueQuantity: { value: 1, comparator: '<=' } }), []);
  });

  it('checks backbone elements, including recursive ones', () => {
    const questionnaire = {
      resourceType: 'Questionnaire',
      status: 'active',
      item: [{ linkId: '1', type: 'group', item: [{ linkId: '1.1', type: 'words' }] }],
    };
    assert.deepEqual(paths(questionnaire), ['Questionnaire.item[0].item[0].type']);
    const component = { ...observation, component: [{ code: { text: 'x' }, valueQuantity: { comparator: '=' } }] };
    assert.deepEqual(paths(component), ['Observation.component[0].value.ofType(Quantity).comparator']);
  });

  it('checks contained resources and bundle entries', () => {
    const patient = { resourceType: 'Patient', contained: [{ resourceType: 'Patient', id: 'p', gender: 'q' }] };
    assert.deepEqual(paths(patient), ['Patient.contained[0].gender']);
    const bundle = {
      resourceType: 'Bundle',
      type: 'batchy',
      entry: [{ resource: { ...observation, status: 'nope' }, request: { method: 'FETCH', url: 'Observation' } }],
    };
    assert.deepEqual(paths(bundle), [
      'Bundle.type',
      'Bundle.entry[0].resource.status',
      'Bundle.entry[0].request.method',
    ]);
  });

  it('checks codes in extensions, on elements and on primitive values', () => {
    const patient = {
      resourceType: 'Patient',
      extension: [{ url: 'http://example.org/a', valueIdentifier: { use: 'q' } }],
      birthDate: '2000-01-01',
      _birthDate: { extension: [{ url: 'http://example.org/b', valueContactPoint: { system: 'q' } }] },
    };
    assert.deepEqual(paths(patient), [
      'Patient.extension[0].value.ofType(Identifier).use',
      'Patient.birthDate.extension[0].value.ofType(ContactPoint).system',
    ]);
  });

  it('checks each value of a repeating code element', () => {
    const allergy = {
      resourceType: 'AllergyIntolerance',
      patient: { reference: 'Patient/1' },
      category: ['food', 'dust'],
    };
    assert.deepEqual(paths(allergy), ['AllergyIntolerance.category[1]']);
  });
});

describe('required bindings on CodeableConcept elements', () => {
  it('accepts a coding with the right system and code', () => {
    const resource = { ...condition, clinicalStatus: { coding: [{ system: clinical, code: 'active' }] } };
    assert.deepEqual(checkRequiredBindings(resource), []);
  });

  it('accepts the concept when any one of several codings is in the value set', () => {
    const codings = [
      { system: 'http://example.org/local', code: 'A' },
      { system: clinical, code: 'resolved' },
    ];
    assert.deepEqual(checkRequiredBindings({ ...condition, clinicalStatus: { coding: codings } }), []);
  });

  it('accepts a coding without a system when its code is in the value set', () => {
    assert.deepEqual(checkRequiredBindings({ ...condition, clinicalStatus: { coding: [{ code: 'active' }] } }), []);
  });

  it('reports a known code under the wrong system', () => {
    const issues = checkRequiredBindings({
      ...condition,
      clinicalStatus: { coding: [{ system: 'http://example.org/wrong', code: 'active' }] },
    });
    assert.equal(issues.length, 1);
    assert.deepEqual(issues[0]?.expression, ['Condition.clinicalStatus']);
    assert.equal(
      issues[0]?.details?.text,
      'Value "http://example.org/wrong|active" is not in the required value set http://hl7.org/fhir/ValueSet/condition-clinical',
    );
  });

  it('reports a concept that has only text', () => {
    const issues = checkRequiredBindings({ ...condition, clinicalStatus: { text: 'active' } });
    assert.equal(issues.length, 1);
    assert.equal(issues[0]?.code, 'code-invalid');
    assert.deepEqual(issues[0]?.expression, ['Condition.clinicalStatus']);
  });

  it('reports a coding that has no code', () => {
    assert.deepEqual(paths({ ...condition, clinicalStatus: { coding: [{ system: clinical, display: 'Active' }] } }), [
      'Condition.clinicalStatus',
    ]);
  });
});

describe('value sets that cannot be enumerated', () => {
  it('skips mime types, currencies and UCUM units, which the spec does not list', () => {
    const { checked, skipped } = summarizeRequiredBindings();
    for (const url of ['mimetypes', 'currencies', 'ucum-units']) {
      assert.ok(skipped.includes(`http://hl7.org/fhir/ValueSet/${url}`), url);
    }
    assert.ok(checked.includes('http://hl7.org/fhir/ValueSet/administrative-gender'));
    assert.ok(checked.length > 200, `only ${checked.length} value sets checked`);
  });

  it('accepts any value bound to a skipped value set', () => {
    assert.deepEqual(checkRequiredBindings({ resourceType: 'Binary', contentType: 'not/a-real-type' }), []);
  });
});

describe('value set expansion from the spec data', () => {
  it('accepts codes nested under other codes in hierarchical code systems', () => {
    assert.deepEqual(checkRequiredBindings({ ...observation, status: 'corrected' }), []);
    assert.deepEqual(checkRequiredBindings({ resourceType: 'Patient', name: [{ use: 'maiden' }] }), []);
    const relapse = { ...condition, clinicalStatus: { coding: [{ system: clinical, code: 'relapse' }] } };
    assert.deepEqual(checkRequiredBindings(relapse), []);
  });

  it('limits a value set to its explicit concept list', () => {
    const composition = (confidentiality: string): object => ({
      resourceType: 'Composition',
      status: 'final',
      type: { text: 'x' },
      date: '2020-01-01',
      author: [{ reference: 'Practitioner/1' }],
      title: 'x',
      confidentiality,
    });
    // `B` is a v3 Confidentiality code, but the bound value set only lists U, L, M, N, R and V.
    assert.deepEqual(checkRequiredBindings(composition('N')), []);
    assert.deepEqual(paths(composition('B')), ['Composition.confidentiality']);
  });

  it('combines FHIR and v3 code systems in one value set', () => {
    const timing = (when: string[]): object => ({
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      subject: { reference: 'Patient/1' },
      medicationCodeableConcept: { text: 'x' },
      dosageInstruction: [{ timing: { repeat: { when } } }],
    });
    assert.deepEqual(checkRequiredBindings(timing(['MORN', 'ACM', 'HS'])), []);
    assert.deepEqual(paths(timing(['MORN', 'XYZ'])), ['MedicationRequest.dosageInstruction[0].timing.repeat.when[1]']);
  });
});

describe('robustness', () => {
  it('ignores values of the wrong JSON type, which the structural check reports', () => {
    assert.deepEqual(
      checkRequiredBindings({ resourceType: 'Patient', gender: 5, identifier: [null, 'x', { use: 1 }] }),
      [],
    );
  });

  it('ignores unknown resource types and non-resources', () => {
    for (const input of [null, 'Patient', [], {}, { resourceType: 'Foo', gender: 'x' }]) {
      assert.deepEqual(checkRequiredBindings(input), []);
    }
  });
});
