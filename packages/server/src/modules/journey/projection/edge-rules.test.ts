import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveLinks, relationOf } from './edge-rules.ts';
import { findReferences, parseRelativeReference } from './references.ts';

const at = (path: string, target: string) => {
  const [type = '', id = ''] = target.split('/');
  return { path, type, id };
};

describe('journey edge rules', () => {
  it('reads relative references only, dropping a version', () => {
    assert.deepEqual(parseRelativeReference('Observation/o-1'), { type: 'Observation', id: 'o-1' });
    assert.deepEqual(parseRelativeReference('Observation/o-1/_history/3'), { type: 'Observation', id: 'o-1' });
    assert.equal(parseRelativeReference('#contained'), undefined);
    assert.equal(parseRelativeReference('http://elsewhere.example/fhir/Observation/o-1'), undefined);
    assert.equal(parseRelativeReference('urn:uuid:6b5f1d5e-2f1a-4d44-9a53-7a1c6f1b2a10'), undefined);
    assert.equal(parseRelativeReference('Observation?code=1234'), undefined);
  });

  it('finds references with their element paths, arrays flattened, contained resources skipped', () => {
    const references = findReferences({
      resourceType: 'Encounter',
      contained: [{ resourceType: 'Condition', subject: { reference: 'Patient/p-9' } }],
      subject: { reference: 'Patient/p-1' },
      diagnosis: [{ condition: { reference: 'Condition/c-1' } }, { condition: { reference: 'Condition/c-2' } }],
      identifier: [{ assigner: { reference: 'Organization/org-1' } }],
    });

    assert.deepEqual(references, [
      at('subject', 'Patient/p-1'),
      at('diagnosis.condition', 'Condition/c-1'),
      at('diagnosis.condition', 'Condition/c-2'),
      at('identifier.assigner', 'Organization/org-1'),
    ]);
  });

  it('applies a type rule before the wildcard rule of the same element', () => {
    assert.equal(relationOf('Procedure', at('reasonReference', 'Condition/c-1')), 'treats');
    assert.equal(relationOf('MedicationStatement', at('reasonReference', 'Condition/c-1')), 'treats');
    assert.equal(relationOf('ServiceRequest', at('reasonReference', 'Condition/c-1')), 'indicated-by');
    assert.equal(relationOf('Encounter', at('reasonReference', 'Observation/o-1')), 'indicated-by');
  });

  it('narrows context to visits, falling back to references for other targets', () => {
    assert.equal(relationOf('MedicationStatement', at('context', 'Encounter/e-1')), 'during');
    assert.equal(relationOf('MedicationStatement', at('context', 'EpisodeOfCare/eoc-1')), 'during');
    assert.equal(relationOf('Goal', at('addresses', 'Condition/c-1')), 'addresses');
    assert.equal(relationOf('Observation', at('focus', 'Condition/c-1')), 'references');
  });

  it('gives no edge to the patient, providers, locations or types outside the compartment', () => {
    assert.equal(relationOf('Observation', at('subject', 'Patient/p-1')), undefined);
    assert.equal(relationOf('Observation', at('performer', 'Practitioner/dr-1')), undefined);
    assert.equal(relationOf('Encounter', at('serviceProvider', 'Organization/org-1')), undefined);
    assert.equal(relationOf('Encounter', at('location.location', 'Location/l-1')), undefined);
    assert.equal(relationOf('MedicationRequest', at('medicationReference', 'Medication/m-1')), undefined);
  });

  it('keeps one edge per relation and target', () => {
    const links = deriveLinks('DiagnosticReport', [
      at('result', 'Observation/o-1'),
      at('result', 'Observation/o-1'),
      at('result', 'Observation/o-2'),
      at('basedOn', 'ServiceRequest/sr-1'),
    ]);

    assert.deepEqual(links, [
      { relation: 'has-result', toType: 'Observation', toId: 'o-1' },
      { relation: 'has-result', toType: 'Observation', toId: 'o-2' },
      { relation: 'based-on', toType: 'ServiceRequest', toId: 'sr-1' },
    ]);
  });
});
