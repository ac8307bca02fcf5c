import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadPathGraph, type EdgeSource } from './find-paths.ts';
import { buildJourneyGraph, findAllSimplePaths, findShortestPath, type JourneyEdge } from './graph.ts';

/** A deterministic pseudo-random generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomEdges(seed: number, nodes: number, edges: number): JourneyEdge[] {
  const next = random(seed);
  const pick = () => `Observation/${Math.floor(next() * nodes)}`;
  return Array.from({ length: edges }, () => ({ from: pick(), to: pick(), relation: next() < 0.5 ? 'a' : 'b' }));
}

/** An edge source over edges in memory that counts the nodes it was asked about. */
function memorySource(edges: JourneyEdge[]): EdgeSource & { asked: Set<string> } {
  const asked = new Set<string>();
  const source = (refs: readonly string[]) => {
    refs.forEach((ref) => asked.add(ref));
    const wanted = new Set(refs);
    return Promise.resolve(edges.filter((edge) => wanted.has(edge.from) || wanted.has(edge.to)));
  };
  return Object.assign(source, { asked });
}

const describePaths = (paths: Array<{ nodes: string[] }>) => paths.map((path) => path.nodes.join(' ')).sort();

describe('loading the part of a journey a path query needs', () => {
  it('loads every path up to the depth that the whole graph has, on random graphs', async () => {
    let pathsCompared = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const edges = randomEdges(seed, 40, 70);
      const full = buildJourneyGraph(edges);
      for (const maxDepth of [1, 2, 3, 4, 5]) {
        const options = { from: 'Observation/0', to: 'Observation/1', maxDepth };
        const loaded = await loadPathGraph(memorySource(edges), { ...options, stopWhenMet: false });

        const expected = findAllSimplePaths(full, options.from, options.to, { maxDepth, maxPaths: 10_000 }).paths;
        assert.deepEqual(
          describePaths(findAllSimplePaths(loaded, options.from, options.to, { maxDepth, maxPaths: 10_000 }).paths),
          describePaths(expected),
          `seed ${seed}, depth ${maxDepth}`,
        );
        pathsCompared += expected.length;
      }
    }
    // The graphs are dense enough for the comparison to be about real paths.
    assert.ok(pathsCompared > 100, `${pathsCompared} paths compared`);
  });

  it('finds a shortest path as short as the whole graph has, stopping once the two sides meet', async () => {
    for (let seed = 1; seed <= 30; seed++) {
      const edges = randomEdges(seed, 60, 80);
      const full = buildJourneyGraph(edges);
      const loaded = await loadPathGraph(memorySource(edges), {
        from: 'Observation/0',
        to: 'Observation/1',
        maxDepth: 8,
        stopWhenMet: true,
      });

      assert.equal(
        findShortestPath(loaded, 'Observation/0', 'Observation/1', 8)?.nodes.length,
        findShortestPath(full, 'Observation/0', 'Observation/1', 8)?.nodes.length,
        `seed ${seed}`,
      );
    }
  });

  it('asks only about nodes near the two ends of a long chain', async () => {
    const chain = Array.from({ length: 1000 }, (_, index) => ({
      from: `Observation/${index}`,
      to: `Observation/${index + 1}`,
      relation: 'derived-from',
    }));
    const source = memorySource(chain);

    await loadPathGraph(source, { from: 'Observation/0', to: 'Observation/1000', maxDepth: 4, stopWhenMet: false });

    assert.deepEqual([...source.asked].sort(), [
      'Observation/0',
      'Observation/1',
      'Observation/1000',
      'Observation/999',
    ]);
  });
});
