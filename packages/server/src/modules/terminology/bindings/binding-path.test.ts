import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BindingPathError, findBoundElements, resolveBindingPath } from './binding-path.ts';

function pathError(resourceType: string, path: string): BindingPathError {
  try {
    resolveBindingPath(resourceType, path);
  } catch (error) {
    assert.ok(error instanceof BindingPathError);
    return error;
  }
  assert.fail(`${resourceType} ${path} resolved`);
}

describe('resolveBindingPath', () => {
  it('resolves a CodeableConcept element with or without the resource type in front', () => {
    for (const path of ['Condition.code', 'code']) {
      const resolved = resolveBindingPath('Condition', path);
      assert.equal(resolved.path, 'Condition.code');
      assert.equal(resolved.type, 'CodeableConcept');
      assert.deepEqual(resolved.steps, [{ key: 'code', fhirPath: 'code' }]);
    }
  });

  it('follows backbone elements and names the coded type at the end', () => {
    assert.equal(resolveBindingPath('Observation', 'Observation.component.code').type, 'CodeableConcept');
    assert.equal(resolveBindingPath('Encounter', 'Encounter.class').type, 'Coding');
    assert.equal(resolveBindingPath('Patient', 'Patient.gender').type, 'code');
    assert.equal(resolveBindingPath('Condition', 'Condition.code.coding').type, 'Coding');
  });

  it('names a choice element by its JSON key and reads it as ofType() in FHIRPath', () => {
    const resolved = resolveBindingPath('Observation', 'Observation.valueCodeableConcept');
    assert.equal(resolved.type, 'CodeableConcept');
    assert.deepEqual(resolved.steps, [{ key: 'valueCodeableConcept', fhirPath: 'value.ofType(CodeableConcept)' }]);
  });

  it('refuses unknown types, missing elements and elements that hold no code', () => {
    assert.equal(pathError('Conditon', 'Conditon.code').field, 'resourceType');
    assert.match(pathError('Condition', 'Condition.diagnosis').message, /Condition has no element "diagnosis"/);
    assert.match(pathError('Condition', 'Condition.subject').message, /is a Reference; a binding needs a code/);
    assert.match(pathError('Observation', 'Observation.valueQuantity').message, /is a Quantity/);
    assert.match(pathError('Condition', 'Condition.code.coding.code').message, /is a Coding; a binding applies/);
    assert.match(pathError('Condition', 'Condition.code[0]').message, /not a dotted element path/);
    assert.match(pathError('Bundle', 'Bundle.entry.resource').message, /has no element "resource"/);
    assert.equal(pathError('Condition', 'Condition.code[0]').field, 'path');
  });
});

describe('findBoundElements', () => {
  it('expands repeating elements into indexed FHIRPath expressions', () => {
    const observation = {
      resourceType: 'Observation',
      component: [{ code: { text: 'systolic' } }, { valueString: 'no code' }, { code: { text: 'diastolic' } }],
    };
    const path = resolveBindingPath('Observation', 'Observation.component.code');
    assert.deepEqual(
      findBoundElements(observation, path).map((element) => element.expression),
      ['Observation.component[0].code', 'Observation.component[2].code'],
    );
  });

  it('returns the resource objects themselves, so displays can be filled in place', () => {
    const condition = { resourceType: 'Condition', code: { coding: [{ code: 'x' }] } };
    const [element] = findBoundElements(condition, resolveBindingPath('Condition', 'code'));
    assert.equal(element?.value, condition.code);
  });

  it('finds nothing when the element is absent', () => {
    assert.deepEqual(findBoundElements({ resourceType: 'Condition' }, resolveBindingPath('Condition', 'code')), []);
  });
});
