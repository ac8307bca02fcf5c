import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JourneyNode } from '@caregraph/core/domain';
import { isJourneyChange, mergeLiveChange } from '../src/features/journey/merge-live-change.ts';

const node = (ref: string, time: string): JourneyNode => ({
  ref,
  resourceType: ref.split('/')[0] ?? '',
  label: ref,
  codes: [],
  time,
});

const journey = {
  truncated: false,
  nodes: [node('Encounter/a', '2020-01-01'), node('Observation/c', '2020-03-01')],
  edges: [
    { from: 'Encounter/a', to: 'Observation/c', relation: 'next' },
    { from: 'Observation/c', to: 'Encounter/a', relation: 'during' },
  ],
};

describe('mergeLiveChange', () => {
  it('inserts a new node in time order with its edges, replacing the next edge it splits', () => {
    const merged = mergeLiveChange(journey, {
      type: 'upsert',
      node: node('Condition/b', '2020-02-01'),
      edges: [
        { from: 'Encounter/a', to: 'Condition/b', relation: 'next' },
        { from: 'Condition/b', to: 'Observation/c', relation: 'next' },
        { from: 'Condition/b', to: 'Encounter/a', relation: 'during' },
        { from: 'Condition/b', to: 'Encounter/not-loaded', relation: 'during' },
      ],
    });
    assert.deepEqual(
      merged.nodes.map((n) => n.ref),
      ['Encounter/a', 'Condition/b', 'Observation/c'],
    );
    assert.deepEqual(merged.edges.map((e) => `${e.from} ${e.relation} ${e.to}`).sort(), [
      'Condition/b during Encounter/a',
      'Condition/b next Observation/c',
      'Encounter/a next Condition/b',
      'Observation/c during Encounter/a',
    ]);
  });

  it('replaces an updated node and drops a deleted one with its edges', () => {
    const updated = mergeLiveChange(journey, {
      type: 'upsert',
      node: { ...node('Observation/c', '2020-03-01'), label: 'HbA1c' },
      edges: [],
    });
    assert.equal(updated.nodes.find((n) => n.ref === 'Observation/c')!.label, 'HbA1c');
    const deleted = mergeLiveChange(journey, { type: 'delete', ref: 'Observation/c' });
    assert.deepEqual(
      deleted.nodes.map((n) => n.ref),
      ['Encounter/a'],
    );
    assert.deepEqual(deleted.edges, []);
  });

  it('recognises only well-formed change messages', () => {
    assert.equal(isJourneyChange({ type: 'delete', ref: 'Observation/1' }), true);
    assert.equal(isJourneyChange({ type: 'upsert', node: {}, edges: [] }), true);
    assert.equal(isJourneyChange({ type: 'upsert', node: null, edges: [] }), false);
    assert.equal(isJourneyChange({ type: 'ready' }), false);
    assert.equal(isJourneyChange('delete'), false);
  });
});
