import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildJourneyGraph,
  findAllSimplePaths,
  findNeighbourhood,
  findShortestPath,
  type JourneyEdge,
} from './graph.ts';

// A small journey with known answers:
//
//   Observation/o1 ─during→ Encounter/e1 ←part-of─ Encounter/e2
//   DiagnosticReport/d1 ─has-result→ o1        e2 ←during─ MedicationRequest/m1 ─treats→ Condition/c1
//   Condition/c1 ─during→ e1, e1 ─diagnosis→ c1  e2 ←during─ Procedure/p1 ─treats→ c1
//
// c1–e1–e2–m1–c1 and c1–e1–e2–p1–c1 are cycles; c1 and e1 are joined by two edges.
const EDGES: JourneyEdge[] = [
  { from: 'Observation/o1', to: 'Encounter/e1', relation: 'during' },
  { from: 'DiagnosticReport/d1', to: 'Observation/o1', relation: 'has-result' },
  { from: 'Condition/c1', to: 'Encounter/e1', relation: 'during' },
  { from: 'Encounter/e1', to: 'Condition/c1', relation: 'diagnosis' },
  { from: 'Encounter/e2', to: 'Encounter/e1', relation: 'part-of' },
  { from: 'MedicationRequest/m1', to: 'Encounter/e2', relation: 'during' },
  { from: 'MedicationRequest/m1', to: 'Condition/c1', relation: 'treats' },
  { from: 'Procedure/p1', to: 'Encounter/e2', relation: 'during' },
  { from: 'Procedure/p1', to: 'Condition/c1', relation: 'treats' },
];

const graph = buildJourneyGraph(EDGES);

describe('the shortest journey path', () => {
  it('follows an edge against its direction and reports it in its true direction', () => {
    const path = findShortestPath(graph, 'Condition/c1', 'Procedure/p1', 4);

    assert.deepEqual(path, {
      nodes: ['Condition/c1', 'Procedure/p1'],
      edges: [{ from: 'Procedure/p1', to: 'Condition/c1', relation: 'treats' }],
    });
  });

  it('finds a three-hop path and lists both edges of a hop whose nodes refer to each other', () => {
    const path = findShortestPath(graph, 'Observation/o1', 'MedicationRequest/m1', 4);

    assert.ok(path);
    assert.equal(path.nodes.length, 4);
    assert.ok(
      [
        ['Observation/o1', 'Encounter/e1', 'Condition/c1', 'MedicationRequest/m1'],
        ['Observation/o1', 'Encounter/e1', 'Encounter/e2', 'MedicationRequest/m1'],
      ].some((nodes) => nodes.join() === path.nodes.join()),
      path.nodes.join(' → '),
    );
    if (path.nodes[2] === 'Condition/c1') {
      assert.deepEqual(
        path.edges.map((edge) => edge.relation),
        ['during', 'during', 'diagnosis', 'treats'],
      );
    }
  });

  it('finds nothing beyond the depth limit, and nothing between unconnected nodes', () => {
    assert.equal(findShortestPath(graph, 'Observation/o1', 'MedicationRequest/m1', 2), undefined);
    assert.equal(findShortestPath(graph, 'Observation/o1', 'Condition/none', 10), undefined);
  });

  it('answers a path from a node to itself with the node alone', () => {
    assert.deepEqual(findShortestPath(graph, 'Condition/c1', 'Condition/c1', 3), {
      nodes: ['Condition/c1'],
      edges: [],
    });
  });
});

describe('all simple journey paths', () => {
  it('lists every path without repeating a node, shortest first, through the cycles', () => {
    const { paths, isTruncated } = findAllSimplePaths(graph, 'Condition/c1', 'Procedure/p1', {
      maxDepth: 6,
      maxPaths: 100,
    });

    assert.equal(isTruncated, false);
    assert.deepEqual(
      paths.map((path) => path.nodes.join(' ')),
      [
        'Condition/c1 Procedure/p1',
        'Condition/c1 Encounter/e1 Encounter/e2 Procedure/p1',
        'Condition/c1 MedicationRequest/m1 Encounter/e2 Procedure/p1',
      ],
    );
    for (const path of paths) {
      assert.equal(new Set(path.nodes).size, path.nodes.length);
    }
    assert.deepEqual(
      paths[1]?.edges.map((edge) => `${edge.from} ${edge.relation} ${edge.to}`),
      [
        'Condition/c1 during Encounter/e1',
        'Encounter/e1 diagnosis Condition/c1',
        'Encounter/e2 part-of Encounter/e1',
        'Procedure/p1 during Encounter/e2',
      ],
    );
  });

  it('keeps to the depth limit', () => {
    const { paths, isTruncated } = findAllSimplePaths(graph, 'Condition/c1', 'Procedure/p1', {
      maxDepth: 2,
      maxPaths: 100,
    });

    assert.deepEqual(
      paths.map((path) => path.nodes.length),
      [2],
    );
    assert.equal(isTruncated, false);
  });

  it('stops at the cap on paths, keeps the shortest and says it was truncated', () => {
    const { paths, isTruncated } = findAllSimplePaths(graph, 'Condition/c1', 'Procedure/p1', {
      maxDepth: 6,
      maxPaths: 2,
    });

    assert.equal(isTruncated, true);
    assert.deepEqual(
      paths.map((path) => path.nodes.length),
      [2, 4],
    );
  });

  it('stops on a dense graph before the number of paths explodes', () => {
    const clique: JourneyEdge[] = [];
    for (let a = 0; a < 12; a++) {
      for (let b = a + 1; b < 12; b++) {
        clique.push({ from: `Observation/${a}`, to: `Observation/${b}`, relation: 'derived-from' });
      }
    }

    const { paths, isTruncated } = findAllSimplePaths(buildJourneyGraph(clique), 'Observation/0', 'Observation/11', {
      maxDepth: 11,
      maxPaths: 1_000_000,
    });

    assert.equal(isTruncated, true);
    assert.ok(paths.length > 0);
  });
});

describe('the neighbourhood of a journey node', () => {
  it('holds the nodes within k hops in either direction, with their distance', () => {
    assert.deepEqual(Object.fromEntries(findNeighbourhood(graph, 'Condition/c1', 1)), {
      'Condition/c1': 0,
      'Encounter/e1': 1,
      'MedicationRequest/m1': 1,
      'Procedure/p1': 1,
    });
    assert.deepEqual([...findNeighbourhood(graph, 'Condition/c1', 2).keys()].sort(), [
      'Condition/c1',
      'Encounter/e1',
      'Encounter/e2',
      'MedicationRequest/m1',
      'Observation/o1',
      'Procedure/p1',
    ]);
  });
});
