import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JourneyNode } from './journey-nodes.ts';
import { groupTimeline } from './timeline.ts';

const node = (ref: string, time: string | null, encounter?: string): JourneyNode => ({
  ref,
  resourceType: ref.split('/')[0] ?? '',
  time,
  label: ref,
  codes: [],
  ...(encounter ? { encounter } : {}),
});

const NODES = [
  node('Encounter/e1', '2024-01-10T08:00:00.000Z'),
  node('Observation/o1', '2024-01-10T09:00:00.000Z', 'Encounter/e1'),
  node('Observation/o2', '2024-01-10T23:30:00.000Z'),
  node('Condition/c1', '2024-01-11T10:00:00.000Z', 'Encounter/e1'),
  node('Procedure/p1', '2024-02-01T10:00:00.000Z', 'Encounter/e2'),
  node('Patient/p', null),
];

describe('grouping the timeline', () => {
  it('groups by UTC day in time order, undated events last', () => {
    assert.deepEqual(
      groupTimeline(NODES, 'day').map((group) => [group.day, group.events.map((event) => event.ref)]),
      [
        ['2024-01-10', ['Encounter/e1', 'Observation/o1', 'Observation/o2']],
        ['2024-01-11', ['Condition/c1']],
        ['2024-02-01', ['Procedure/p1']],
        [null, ['Patient/p']],
      ],
    );
  });

  it('groups by encounter, an encounter heading its own group, and events outside any encounter together', () => {
    const encounters = new Map([
      ['Encounter/e1', { ...node('Encounter/e1', '2024-01-10T08:00:00.000Z'), label: 'Check-up' }],
    ]);

    assert.deepEqual(
      groupTimeline(NODES, 'encounter', encounters).map((group) => [
        group.encounter,
        group.events.map((event) => event.ref),
      ]),
      [
        [
          { ref: 'Encounter/e1', label: 'Check-up', time: '2024-01-10T08:00:00.000Z' },
          ['Encounter/e1', 'Observation/o1', 'Condition/c1'],
        ],
        [null, ['Observation/o2', 'Patient/p']],
        // Not stored yet: headed by its reference alone.
        [{ ref: 'Encounter/e2' }, ['Procedure/p1']],
      ],
    );
  });
});
