import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { careDateParam, compartmentParams, compartmentResourceTypes, type CompartmentType } from './compartments.ts';
import { tryGetSearchParam } from './definitions.ts';

describe('compartments', () => {
  it('reads the Patient compartment from the official R4 CompartmentDefinition', () => {
    assert.deepEqual(compartmentParams('Patient', 'Observation'), ['subject', 'performer']);
    assert.deepEqual(compartmentParams('Patient', 'AllergyIntolerance'), ['patient', 'recorder', 'asserter']);
    assert.deepEqual(compartmentParams('Patient', 'Encounter'), ['subject']);
    assert.deepEqual(compartmentParams('Patient', 'Patient'), ['link']);
    assert.deepEqual(compartmentParams('Patient', 'Practitioner'), []);
    assert.deepEqual(compartmentParams('Patient', 'Organization'), []);
    const types = compartmentResourceTypes('Patient');
    assert.equal(types.length, 67);
    assert.ok(types.includes('Condition') && types.includes('Patient') && types.includes('VisionPrescription'));
    assert.ok(!types.includes('Medication'));
  });

  it('derives the Encounter compartment from the encounter and context reference parameters', () => {
    assert.deepEqual(compartmentParams('Encounter', 'Observation'), ['encounter']);
    assert.deepEqual(compartmentParams('Encounter', 'MedicationAdministration'), ['context']);
    assert.deepEqual(compartmentParams('Encounter', 'ChargeItem'), ['context']);
    assert.deepEqual(compartmentParams('Encounter', 'Patient'), []);
    // EpisodeOfCare has no reference to an Encounter; Encounter is the compartment's own type.
    assert.deepEqual(compartmentParams('Encounter', 'EpisodeOfCare'), []);
    assert.deepEqual(compartmentParams('Encounter', 'Encounter'), []);
    const types = compartmentResourceTypes('Encounter');
    for (const expected of ['CarePlan', 'Condition', 'DiagnosticReport', 'Encounter', 'Procedure', 'ServiceRequest']) {
      assert.ok(types.includes(expected), expected);
    }
    assert.ok(!types.includes('Patient'));
  });

  it('names only reference parameters the server indexes', () => {
    for (const compartment of ['Patient', 'Encounter'] as CompartmentType[]) {
      for (const resourceType of compartmentResourceTypes(compartment)) {
        for (const code of compartmentParams(compartment, resourceType)) {
          const parameter = tryGetSearchParam(resourceType, code);
          assert.equal(parameter?.type, 'reference', `${resourceType}.${code}`);
          assert.ok(parameter.expression, `${resourceType}.${code} has an expression`);
        }
      }
    }
  });

  it('picks a care date parameter: date when the type has one, else a chosen date parameter', () => {
    assert.equal(careDateParam('Observation'), 'date');
    assert.equal(careDateParam('Encounter'), 'date');
    assert.equal(careDateParam('Condition'), 'onset-date');
    assert.equal(careDateParam('ExplanationOfBenefit'), 'created');
    assert.equal(careDateParam('Patient'), undefined);
    assert.equal(careDateParam('Coverage'), undefined);
    for (const resourceType of compartmentResourceTypes('Patient')) {
      const code = careDateParam(resourceType);
      if (code) {
        assert.equal(tryGetSearchParam(resourceType, code)?.type, 'date', `${resourceType}.${code}`);
      }
    }
  });
});
