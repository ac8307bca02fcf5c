import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CodeSystem, ValueSet, ValueSetCompose } from '@medplum/fhirtypes';
import { buildValueSetIndex, stripVersion } from './value-sets.ts';

const colors: CodeSystem = {
  resourceType: 'CodeSystem',
  url: 'http://example.org/colors',
  status: 'active',
  content: 'complete',
  concept: [{ code: 'red', concept: [{ code: 'crimson', concept: [{ code: 'scarlet' }] }] }, { code: 'blue' }],
};

const partial: CodeSystem = {
  resourceType: 'CodeSystem',
  url: 'http://example.org/partial',
  status: 'active',
  content: 'fragment',
  concept: [{ code: 'a' }],
};

function valueSet(name: string, compose: ValueSetCompose): ValueSet {
  return { resourceType: 'ValueSet', url: `http://example.org/vs/${name}`, status: 'active', compose };
}

const index = buildValueSetIndex([
  colors,
  partial,
  valueSet('all-colors', { include: [{ system: colors.url }] }),
  valueSet('listed', { include: [{ system: 'http://example.org/unknown', concept: [{ code: 'x' }, { code: 'y' }] }] }),
  valueSet('no-red', {
    include: [{ system: colors.url }],
    exclude: [{ system: colors.url, concept: [{ code: 'red' }] }],
  }),
  valueSet('nested', {
    include: [{ valueSet: ['http://example.org/vs/listed|1.0'] }, { system: partial.url, concept: [{ code: 'a' }] }],
  }),
  valueSet('intersect', { include: [{ system: colors.url, valueSet: ['http://example.org/vs/no-red'] }] }),
  valueSet('filtered', {
    include: [{ system: colors.url, filter: [{ property: 'concept', op: 'is-a', value: 'red' }] }],
  }),
  valueSet('fragment', { include: [{ system: partial.url }] }),
  valueSet('external', { include: [{ system: 'http://snomed.info/sct' }] }),
  valueSet('uses-external', { include: [{ valueSet: ['http://example.org/vs/external'] }] }),
  valueSet('cycle-a', { include: [{ valueSet: ['http://example.org/vs/cycle-b'] }] }),
  valueSet('cycle-b', { include: [{ valueSet: ['http://example.org/vs/cycle-a'] }] }),
]);

function codes(name: string): string[] | undefined {
  const set = index.expand(`http://example.org/vs/${name}`);
  return set && [...set.codes].sort();
}

describe('buildValueSetIndex', () => {
  it('expands a whole complete code system including nested concepts', () => {
    assert.deepEqual(codes('all-colors'), ['blue', 'crimson', 'red', 'scarlet']);
    assert.ok(index.expand('http://example.org/vs/all-colors')?.pairs.has('http://example.org/colors|scarlet'));
  });

  it('takes explicit concept lists as they are, even for code systems it does not have', () => {
    assert.deepEqual(codes('listed'), ['x', 'y']);
  });

  it('removes excluded codes', () => {
    assert.deepEqual(codes('no-red'), ['blue', 'crimson', 'scarlet']);
  });

  it('resolves included value sets, ignoring their version', () => {
    assert.deepEqual(codes('nested'), ['a', 'x', 'y']);
  });

  it('keeps only the system codes that the value set named in the same include also has', () => {
    assert.deepEqual(codes('intersect'), ['blue', 'crimson', 'scarlet']);
  });

  it('gives up on filters, incomplete or missing code systems and include cycles', () => {
    for (const name of ['filtered', 'fragment', 'external', 'uses-external', 'cycle-a', 'cycle-b', 'missing']) {
      assert.equal(codes(name), undefined, name);
    }
  });

  it('accepts a versioned canonical URL', () => {
    assert.deepEqual(index.expand('http://example.org/vs/listed|2.0')?.codes, new Set(['x', 'y']));
    assert.equal(stripVersion('http://example.org/vs/listed|4.0.1'), 'http://example.org/vs/listed');
    assert.equal(stripVersion('http://example.org/vs/listed'), 'http://example.org/vs/listed');
  });
});
