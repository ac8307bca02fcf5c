import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JourneyNode } from '@caregraph/core/domain';
import { layoutJourneyGraph } from '../src/charts/journey-graph/layout.ts';
import { layoutTimeline } from '../src/charts/journey-timeline/layout.ts';
import { laneOf, lanesFor } from '../src/charts/lanes.ts';

const node = (ref: string, time?: string, end?: string): JourneyNode => ({
  ref,
  resourceType: ref.split('/')[0] ?? '',
  label: ref,
  codes: [],
  ...(time ? { time } : {}),
  ...(end ? { end } : {}),
});

describe('lanes', () => {
  it('puts each resource type in its clinical category, unknown types in Other, in display order', () => {
    assert.equal(laneOf('Encounter').id, 'encounters');
    assert.equal(laneOf('MedicationRequest').id, 'medications');
    assert.equal(laneOf('Observation').id, 'results');
    assert.equal(laneOf('Claim').id, 'other');
    assert.deepEqual(
      lanesFor(['Claim', 'Observation', 'Encounter', 'Observation']).map((lane) => lane.id),
      ['encounters', 'results', 'other'],
    );
  });
});

describe('layoutJourneyGraph', () => {
  const nodes = [
    node('Encounter/e1', '2020-01-01T00:00:00Z'),
    node('Condition/c1', '2020-01-01T00:00:00Z'),
    node('Observation/o1', '2022-01-01T00:00:00Z'),
    node('Observation/o2', '2022-01-01T00:00:00Z'),
    node('Patient/p1'),
  ];
  const edges = [
    { from: 'Condition/c1', to: 'Encounter/e1', relation: 'during' },
    { from: 'Observation/o1', to: 'Encounter/missing', relation: 'during' },
  ];
  const layout = layoutJourneyGraph(nodes, edges, {
    width: 1000,
    laneHeight: 100,
    minGap: 10,
    margin: { left: 100, right: 0, top: 0 },
  });
  const at = (ref: string) => layout.nodes.find((placed) => placed.node.ref === ref)!;

  it('maps time to x across the width, after the column of undated nodes', () => {
    assert.equal(at('Encounter/e1').x, 140);
    assert.equal(at('Observation/o1').x, 1000);
    assert.equal(at('Patient/p1').x, 120);
    assert.equal(layout.undatedX, 120);
    assert.deepEqual(layout.domain, [new Date('2020-01-01T00:00:00Z'), new Date('2022-01-01T00:00:00Z')]);
  });

  it('gives each category its own lane and stacks simultaneous events in rows around its middle', () => {
    assert.deepEqual(
      layout.lanes.map((band) => [band.lane.id, band.top]),
      [
        ['encounters', 0],
        ['problems', 100],
        ['results', 200],
        ['other', 300],
      ],
    );
    assert.equal(at('Encounter/e1').y, 50);
    assert.equal(at('Condition/c1').y, 150);
    assert.deepEqual([at('Observation/o1').y, at('Observation/o2').y], [250, 240]);
    assert.equal(layout.height, 408);
  });

  it('grows a crowded lane to fit its rows, up to the maximum height', () => {
    const crowded = Array.from({ length: 12 }, (_, index) => node(`Observation/o${index}`, '2020-01-01T00:00:00Z'));
    const options = { width: 500, laneHeight: 60, minGap: 10, margin: { left: 0, right: 0, top: 0 } };
    const grown = layoutJourneyGraph(crowded, [], { ...options, maxLaneHeight: 1000 });
    assert.equal(grown.lanes[0]!.height, 12 * 10 + 16);
    assert.equal(new Set(grown.nodes.map((placed) => placed.y)).size, 12);
    const capped = layoutJourneyGraph(crowded, [], { ...options, maxLaneHeight: 76 });
    assert.equal(capped.lanes[0]!.height, 76);
    assert.equal(new Set(capped.nodes.map((placed) => placed.y)).size, 6);
  });

  it('keeps only edges whose two ends are laid out', () => {
    assert.deepEqual(
      layout.edges.map((placed) => placed.edge.from),
      ['Condition/c1'],
    );
  });
});

describe('layoutTimeline', () => {
  const domain: [Date, Date] = [new Date('2020-01-01T00:00:00Z'), new Date('2020-12-31T00:00:00Z')];
  const options = { width: 1100, domain, clusterPx: 8, margin: { left: 100, right: 0, top: 0 } };

  it('draws encounters and medications with a stop date as bars and everything else as points', () => {
    const layout = layoutTimeline(
      [
        node('Encounter/e1', '2020-02-01T00:00:00Z', '2020-03-01T00:00:00Z'),
        node('MedicationRequest/m1', '2020-04-01T00:00:00Z'),
        node('Observation/o1', '2020-05-01T00:00:00Z'),
      ],
      options,
    );
    const [encounters, medications, results] = layout.lanes;
    assert.deepEqual(
      encounters!.bars.map((bar) => bar.node.ref),
      ['Encounter/e1'],
    );
    assert.equal(medications!.bars.length, 0);
    assert.equal(medications!.marks.length, 1);
    assert.equal(results!.marks[0]!.nodes[0]!.ref, 'Observation/o1');
  });

  it('merges points closer than clusterPx into one counted mark, and splits them when zoomed in', () => {
    const observations = Array.from({ length: 30 }, (_, day) =>
      node(`Observation/o${day}`, new Date(Date.UTC(2020, 5, 1 + day)).toISOString()),
    );
    const zoomedOut = layoutTimeline(observations, options);
    const counts = zoomedOut.lanes[0]!.marks.map((mark) => mark.nodes.length);
    assert.equal(
      counts.reduce((sum, count) => sum + count, 0),
      30,
    );
    // 1,000 px for a year is 2.7 px a day: with 8 px clusters, three days share a mark.
    assert.deepEqual(counts, new Array(10).fill(3));
    const zoomedIn = layoutTimeline(observations, {
      ...options,
      domain: [new Date('2020-06-01T00:00:00Z'), new Date('2020-07-01T00:00:00Z')],
    });
    assert.equal(zoomedIn.lanes[0]!.marks.length, 30);
  });

  it('leaves out events outside the visible window but keeps bars that overlap it', () => {
    const layout = layoutTimeline(
      [
        node('Observation/before', '2019-06-01T00:00:00Z'),
        node('Encounter/long', '2019-06-01T00:00:00Z', '2020-02-01T00:00:00Z'),
      ],
      options,
    );
    assert.deepEqual(
      layout.lanes.map((lane) => lane.lane.id),
      ['encounters'],
    );
    assert.equal(layout.lanes[0]!.bars[0]!.x1, 100);
  });
});
