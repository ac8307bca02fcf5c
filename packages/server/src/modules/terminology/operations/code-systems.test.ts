import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CodeSystem } from '@caregraph/core/fhir';
import { closureInMemory, sourceOfCodeSystem } from './code-systems.ts';

const VISIT_REASONS: CodeSystem = {
  resourceType: 'CodeSystem',
  url: 'http://clinic.example.org/CodeSystem/visit-reason',
  version: '2',
  title: 'Visit reasons',
  status: 'active',
  content: 'complete',
  concept: [
    {
      code: 'checkup',
      display: 'Routine check-up',
      designation: [{ language: 'fr', value: 'Bilan de santé' }],
      concept: [{ code: 'annual', display: 'Annual physical', property: [{ code: 'billable', valueBoolean: true }] }],
    },
    { code: 'sports', display: 'Sports physical', property: [{ code: 'parent', valueCode: 'checkup' }] },
    { code: 'legacy', display: 'Old reason', property: [{ code: 'status', valueCode: 'retired' }] },
  ],
};

describe('code systems given as CodeSystem resources', () => {
  it('flattens nested concepts and parent properties into an is-a hierarchy', () => {
    const source = sourceOfCodeSystem(VISIT_REASONS);
    assert.deepEqual([source.url, source.version, source.name], [VISIT_REASONS.url, '2', 'Visit reasons']);
    assert.deepEqual(source.concepts.get('checkup')?.children, ['annual', 'sports']);
    assert.deepEqual(source.concepts.get('sports')?.parents, ['checkup']);
    assert.deepEqual(source.concepts.get('annual')?.properties, { billable: true });
    assert.deepEqual(source.concepts.get('checkup')?.designations, [{ language: 'fr', value: 'Bilan de santé' }]);
  });

  it('marks retired concepts inactive', () => {
    const source = sourceOfCodeSystem(VISIT_REASONS);
    assert.equal(source.concepts.get('legacy')?.active, false);
    assert.equal(source.concepts.get('annual')?.active, true);
  });

  it('walks the hierarchy down and up', () => {
    const source = sourceOfCodeSystem(VISIT_REASONS);
    assert.deepEqual([...closureInMemory(source, 'checkup', 'children')].sort(), ['annual', 'checkup', 'sports']);
    assert.deepEqual([...closureInMemory(source, 'annual', 'parents')].sort(), ['annual', 'checkup']);
  });
});
