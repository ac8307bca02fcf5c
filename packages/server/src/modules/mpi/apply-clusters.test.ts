import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignPersons, memberStanding } from './apply-clusters.ts';

describe('assigning golden records to clusters', () => {
  it('keeps the Person holding most of a cluster, each Person for one cluster, new ids for the rest', () => {
    let next = 0;
    const current = new Map<string, string | undefined>([
      ['a', 'P1'],
      ['b', 'P1'],
      ['c', 'P1'],
      ['d', 'P2'],
      ['e', undefined],
    ]);
    const persons = assignPersons([['c'], ['a', 'b', 'd'], ['e']], current, () => `new-${next++}`);
    assert.deepEqual(persons, ['new-0', 'P1', 'new-1']);
  });

  it('reports a member’s best probability and whether a person confirmed it', () => {
    const plan = {
      members: new Map([
        ['a', { source: '', mergedInto: undefined }],
        ['b', { source: '', mergedInto: 'a' }],
        ['c', { source: '', mergedInto: undefined }],
      ]),
      probability: (x: string, y: string) => (x + y === 'ac' || x + y === 'ca' ? 0.97 : undefined),
      decisions: [],
    };
    assert.deepEqual(memberStanding('c', ['a', 'c'], plan), { probability: 0.97, origin: 'auto' });
    assert.deepEqual(memberStanding('a', ['a', 'b'], plan), { probability: 0, origin: 'merge' });
    assert.deepEqual(memberStanding('c', ['c'], plan), { probability: 1, origin: 'auto' });
    const linked = {
      ...plan,
      decisions: [{ a: 'a', b: 'c', decision: 'link' as const, decidedBy: 'x', decidedAt: new Date(0) }],
    };
    assert.equal(memberStanding('c', ['a', 'c'], linked).origin, 'manual');
  });
});
