/** A typed edge of the journey graph, in its true direction (`from` holds the reference). */
export type JourneyEdge = { from: string; to: string; relation: string };

/** A path between two nodes: its nodes in order and, per hop, the edges joining the two nodes. */
export type JourneyPath = { nodes: string[]; edges: JourneyEdge[] };

/**
 * An in-memory undirected view of some journey edges. Path questions ("how did we get from this
 * Condition to that Procedure?") ignore direction, since a reference may point either way along
 * the story; every edge keeps its true direction for the answer.
 */
export type JourneyGraph = {
  /** The nodes adjacent to `ref`, each with the edges joining them (two when both refer to each other). */
  neighbours: (ref: string) => ReadonlyMap<string, JourneyEdge[]>;
};

/** Builds the undirected view over `edges`; self-loops carry no path and are left out. */
export function buildJourneyGraph(edges: Iterable<JourneyEdge>): JourneyGraph & { add: (edge: JourneyEdge) => void } {
  const adjacency = new Map<string, Map<string, JourneyEdge[]>>();
  const seen = new Set<string>();
  const link = (a: string, b: string, edge: JourneyEdge) => {
    let around = adjacency.get(a);
    if (!around) {
      around = new Map();
      adjacency.set(a, around);
    }
    const between = around.get(b);
    if (between) {
      between.push(edge);
    } else {
      around.set(b, [edge]);
    }
  };
  const add = (edge: JourneyEdge) => {
    const key = `${edge.from}\n${edge.relation}\n${edge.to}`;
    if (edge.from === edge.to || seen.has(key)) {
      return;
    }
    seen.add(key);
    link(edge.from, edge.to, edge);
    link(edge.to, edge.from, edge);
  };
  for (const edge of edges) {
    add(edge);
  }
  const none: ReadonlyMap<string, JourneyEdge[]> = new Map();
  return { add, neighbours: (ref) => adjacency.get(ref) ?? none };
}

function toPath(graph: JourneyGraph, nodes: string[]): JourneyPath {
  const edges: JourneyEdge[] = [];
  for (let index = 1; index < nodes.length; index++) {
    edges.push(...(graph.neighbours(nodes[index - 1] ?? '').get(nodes[index] ?? '') ?? []));
  }
  return { nodes, edges };
}

/**
 * A shortest path from `from` to `to` of at most `maxDepth` hops (breadth-first; among equally
 * short paths, the one through the neighbours met first), or undefined.
 */
export function findShortestPath(
  graph: JourneyGraph,
  from: string,
  to: string,
  maxDepth: number,
): JourneyPath | undefined {
  if (from === to) {
    return { nodes: [from], edges: [] };
  }
  const parent = new Map<string, string>([[from, from]]);
  let frontier = [from];
  for (let depth = 1; depth <= maxDepth && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const ref of frontier) {
      for (const neighbour of graph.neighbours(ref).keys()) {
        if (parent.has(neighbour)) {
          continue;
        }
        parent.set(neighbour, ref);
        if (neighbour === to) {
          const nodes = [to];
          for (let at = ref; at !== from; at = parent.get(at) ?? from) {
            nodes.push(at);
          }
          nodes.push(from);
          return toPath(graph, nodes.reverse());
        }
        next.push(neighbour);
      }
    }
    frontier = next;
  }
  return undefined;
}

/** How many edges the all-paths search may follow before it stops and reports truncation. */
const MAX_STEPS = 200_000;

/**
 * Every simple path (no node twice) from `from` to `to` of at most `maxDepth` hops, shortest
 * first, stopping after `maxPaths` (or after a fixed number of steps on a dense graph):
 * `isTruncated` then says more may exist. Iterative deepening: each round walks depth-first for
 * paths of exactly one more hop, with the path's nodes on a stack so no cycle is walked, so a
 * truncated answer still holds the shortest paths.
 */
export function findAllSimplePaths(
  graph: JourneyGraph,
  from: string,
  to: string,
  options: { maxDepth: number; maxPaths: number },
): { paths: JourneyPath[]; isTruncated: boolean } {
  if (from === to) {
    return { paths: [{ nodes: [from], edges: [] }], isTruncated: false };
  }
  const found: string[][] = [];
  const onPath = new Set<string>([from]);
  const stack = [from];
  let steps = 0;
  let isTruncated = false;
  const walk = (ref: string, hopsLeft: number): void => {
    for (const neighbour of graph.neighbours(ref).keys()) {
      if (isTruncated) {
        return;
      }
      if (++steps > MAX_STEPS) {
        isTruncated = true;
        return;
      }
      if (hopsLeft === 1) {
        if (neighbour !== to) {
          continue;
        }
        if (found.length >= options.maxPaths) {
          isTruncated = true;
          return;
        }
        found.push([...stack, to]);
      } else if (neighbour !== to && !onPath.has(neighbour)) {
        onPath.add(neighbour);
        stack.push(neighbour);
        walk(neighbour, hopsLeft - 1);
        stack.pop();
        onPath.delete(neighbour);
      }
    }
  };
  for (let depth = 1; depth <= options.maxDepth && !isTruncated; depth++) {
    walk(from, depth);
  }
  return { paths: found.map((nodes) => toPath(graph, nodes)), isTruncated };
}

/** The nodes within `hops` hops of `start` (itself included), with their distance. */
export function findNeighbourhood(graph: JourneyGraph, start: string, hops: number): Map<string, number> {
  const distance = new Map<string, number>([[start, 0]]);
  let frontier = [start];
  for (let depth = 1; depth <= hops && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const ref of frontier) {
      for (const neighbour of graph.neighbours(ref).keys()) {
        if (!distance.has(neighbour)) {
          distance.set(neighbour, depth);
          next.push(neighbour);
        }
      }
    }
    frontier = next;
  }
  return distance;
}
