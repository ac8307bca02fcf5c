import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ValueSet } from '@caregraph/core/fhir';
import type { TerminologyContext } from './context.ts';
import { systemsOfValueSet } from './membership.ts';

/** A context whose only value sets are `known`; any database or FHIR read is a test failure. */
function contextOf(known: ValueSet[]): TerminologyContext {
  return {
    db: {
      query: () => Promise.reject(new Error('no database in this test')),
    } as unknown as TerminologyContext['db'],
    fetch: () => Promise.reject(new Error('no FHIR reads in this test')),
    findValueSet: (url) => Promise.resolve(known.find((valueSet) => valueSet.url === url)),
  };
}

const valueSet = (url: string, compose: ValueSet['compose']): ValueSet => ({
  resourceType: 'ValueSet',
  url,
  status: 'active',
  compose,
});

describe('systemsOfValueSet', () => {
  it('names the systems of includes, excludes and imports, and which need a loaded release', async () => {
    const imported = valueSet('urn:vs:imported', {
      include: [{ system: 'urn:sys:c' }, { system: 'urn:sys:d', concept: [{ code: 'd1' }] }],
    });
    const ctx = contextOf([imported]);
    const systems = await systemsOfValueSet(
      ctx,
      valueSet('urn:vs:main', {
        include: [
          { system: 'urn:sys:a', filter: [{ property: 'concept', op: 'is-a', value: 'a1' }] },
          { system: 'urn:sys:b', concept: [{ code: 'b1' }], valueSet: ['urn:vs:imported'] },
        ],
        exclude: [{ system: 'urn:sys:e' }],
      }),
    );
    assert.deepEqual([...systems.all].sort(), ['urn:sys:a', 'urn:sys:b', 'urn:sys:c', 'urn:sys:d', 'urn:sys:e']);
    // Listed concepts need no release; an exclude never does.
    assert.deepEqual([...systems.needingRelease].sort(), ['urn:sys:a', 'urn:sys:c']);
  });

  it('reads a value set published only as an expansion as listed codes', async () => {
    const systems = await systemsOfValueSet(contextOf([]), {
      resourceType: 'ValueSet',
      status: 'active',
      expansion: {
        timestamp: '2026-01-01T00:00:00Z',
        contains: [
          { system: 'urn:sys:x', code: 'x1' },
          { abstract: true, contains: [{ system: 'urn:sys:y', code: 'y1' }] },
        ],
      },
    });
    assert.deepEqual([...systems.all].sort(), ['urn:sys:x', 'urn:sys:y']);
    assert.deepEqual([...systems.needingRelease], []);
  });

  it('visits value sets that import each other once each', async () => {
    const first = valueSet('urn:vs:first', { include: [{ system: 'urn:sys:f', valueSet: ['urn:vs:second'] }] });
    const second = valueSet('urn:vs:second', { include: [{ system: 'urn:sys:s', valueSet: ['urn:vs:first'] }] });
    const systems = await systemsOfValueSet(contextOf([first, second]), first);
    assert.deepEqual([...systems.all].sort(), ['urn:sys:f', 'urn:sys:s']);
  });
});
