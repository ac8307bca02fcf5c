import type { Queryable } from '../../../platform/db/index.ts';
import { JourneyError } from '../journey-error.ts';
import {
  buildJourneyGraph,
  findAllSimplePaths,
  findNeighbourhood,
  findShortestPath,
  type JourneyEdge,
  type JourneyGraph,
} from './graph.ts';
import {
  readEdgesAmong,
  readNodes,
  requirePatient,
  splitRef,
  toJourneyEdge,
  type EdgeRow,
  type JourneyNode,
  type JourneyScope,
} from './journey-nodes.ts';

/** The edges touching some nodes, in either direction: what a walk needs to take its next step. */
export type EdgeSource = (refs: readonly string[]) => Promise<JourneyEdge[]>;

/**
 * Reads the edges touching `refs` whose other end is a node of the journey, of `relations`: by
 * default every relation except `next`, which would make every path the timeline.
 */
export function databaseEdgeSource(
  db: Queryable,
  scope: JourneyScope,
  relations: readonly string[] | 'all' | 'all-but-next' = 'all-but-next',
): EdgeSource {
  return async (refs) => {
    if (refs.length === 0) {
      return [];
    }
    const parts = refs.map(splitRef);
    // Each frontier node is looked up on its own through an index (the LATERAL subqueries, kept
    // apart by OFFSET 0): as a named statement this runs on a generic plan, which estimates a
    // patient's edges from the average patient and would otherwise read a long history whole.
    const { rows } = await db.query<EdgeRow>(
      `SELECT e.from_type, e.from_id, e.relation, e.to_type, e.to_id
       FROM unnest($3::text[], $4::text[]) AS f(resource_type, resource_id)
       CROSS JOIN LATERAL (
         SELECT o.from_type, o.from_id, o.relation, o.to_type, o.to_id, o.to_type AS other_type, o.to_id AS other_id
         FROM journey_edge o
         WHERE o.tenant_id = $1 AND o.patient_id = $2 AND o.from_type = f.resource_type AND o.from_id = f.resource_id
         UNION ALL
         SELECT i.from_type, i.from_id, i.relation, i.to_type, i.to_id, i.from_type, i.from_id
         FROM journey_edge i
         WHERE i.tenant_id = $1 AND i.patient_id = $2 AND i.to_type = f.resource_type AND i.to_id = f.resource_id
         OFFSET 0
       ) e
       WHERE (CASE WHEN $5::text[] IS NULL THEN $6::boolean OR e.relation <> 'next' ELSE e.relation = ANY($5::text[]) END)
         AND EXISTS (SELECT 1 FROM journey_node n
                     WHERE n.tenant_id = $1 AND n.patient_id = $2
                       AND n.resource_type = e.other_type AND n.resource_id = e.other_id)`,
      [
        scope.tenantId,
        scope.patientId,
        parts.map((part) => part[0]),
        parts.map((part) => part[1]),
        typeof relations === 'string' ? null : [...relations],
        relations === 'all',
      ],
      { name: 'journey-edges-touching' },
    );
    // An edge between two frontier nodes comes once from each end.
    const unique = new Map(
      rows.map((row) => [`${row.from_type}/${row.from_id} ${row.relation} ${row.to_type}/${row.to_id}`, row]),
    );
    // Consent-hidden nodes are no ends of edges, so no path passes through them.
    const hidden = scope.hidden;
    return [...unique.values()]
      .map(toJourneyEdge)
      .filter((edge) => !hidden || (!hidden.has(edge.from) && !hidden.has(edge.to)));
  };
}

/** One side of a bidirectional walk: how far it has reached, and its unexpanded rim. */
type Side = { reached: Map<string, number>; frontier: string[]; radius: number };

async function expand(source: EdgeSource, graph: ReturnType<typeof buildJourneyGraph>, side: Side): Promise<void> {
  const edges = await source(side.frontier);
  const next: string[] = [];
  side.radius++;
  for (const edge of edges) {
    graph.add(edge);
    for (const ref of [edge.from, edge.to]) {
      if (!side.reached.has(ref)) {
        side.reached.set(ref, side.radius);
        next.push(ref);
      }
    }
  }
  side.frontier = next;
}

/**
 * Loads just enough of the journey to answer path questions between `from` and `to` up to
 * `maxDepth` hops: the edges of the nodes within r₁ hops of `from` and r₂ hops of `to`,
 * r₁ + r₂ = maxDepth, always widening the side with the smaller rim (the nearer one on a tie). Every hop of every path of
 * at most maxDepth hops starts from a node at distance < r₁ from `from` or ends at one at distance
 * < r₂ from `to`, so all of them are loaded. With `stopWhenMet`, it stops once the two sides share
 * a node: no shorter path can exist then, so the shortest path is in what was loaded.
 */
export async function loadPathGraph(
  source: EdgeSource,
  options: { from: string; to: string; maxDepth: number; stopWhenMet: boolean },
): Promise<JourneyGraph> {
  const graph = buildJourneyGraph([]);
  const start: Side = { reached: new Map([[options.from, 0]]), frontier: [options.from], radius: 0 };
  const end: Side = { reached: new Map([[options.to, 0]]), frontier: [options.to], radius: 0 };
  const haveMet = () => [...start.reached.keys()].some((ref) => end.reached.has(ref));
  while (start.radius + end.radius < options.maxDepth) {
    if (options.stopWhenMet && haveMet()) {
      break;
    }
    // An empty rim means that side's whole connected part is loaded, and with it every path.
    if (start.frontier.length === 0 || end.frontier.length === 0) {
      break;
    }
    const isStartSmaller =
      start.frontier.length < end.frontier.length ||
      (start.frontier.length === end.frontier.length && start.radius <= end.radius);
    await expand(source, graph, isStartSmaller ? start : end);
  }
  return graph;
}

export type PathMode = 'shortest' | 'all';

export type PathsOptions = JourneyScope & {
  from: string;
  to: string;
  mode: PathMode;
  maxDepth: number;
  maxPaths: number;
  relations?: string[];
};

/**
 * Paths as node references and edges (the shape of `JourneyPath` in core/domain), with the
 * details of every node on them once; `truncated` when the cap on paths cut the answer short.
 */
export type PathAnswer = {
  from: JourneyNode;
  to: JourneyNode;
  paths: Array<{ length: number; nodes: string[]; edges: JourneyEdge[] }>;
  nodes: JourneyNode[];
  truncated: boolean;
};

async function requireNodes(db: Queryable, scope: JourneyScope, refs: string[]): Promise<JourneyNode[]> {
  const nodes = await readNodes(db, scope, refs);
  const missing = refs.find((ref) => !nodes.some((node) => node.ref === ref));
  if (missing !== undefined) {
    throw new JourneyError(
      404,
      'JOURNEY_NODE_NOT_FOUND',
      `${missing} is not in the journey of Patient/${scope.patientId}`,
    );
  }
  return nodes;
}

/**
 * "How did we get from here to there": the shortest path, or all simple paths (shortest first,
 * capped), between two nodes of a patient's journey, walking edges in either direction.
 */
export async function findJourneyPaths(db: Queryable, options: PathsOptions): Promise<PathAnswer> {
  await requirePatient(db, options);
  const [from, to] = await requireNodes(db, options, [options.from, options.to]);
  const source = databaseEdgeSource(db, options, options.relations);
  const graph = await loadPathGraph(source, {
    from: options.from,
    to: options.to,
    maxDepth: options.maxDepth,
    stopWhenMet: options.mode === 'shortest',
  });
  let found;
  if (options.mode === 'shortest') {
    const path = findShortestPath(graph, options.from, options.to, options.maxDepth);
    found = { paths: path ? [path] : [], isTruncated: false };
  } else {
    found = findAllSimplePaths(graph, options.from, options.to, options);
  }
  return {
    from: from as JourneyNode,
    to: to as JourneyNode,
    paths: found.paths.map((path) => ({ length: path.nodes.length - 1, nodes: path.nodes, edges: path.edges })),
    nodes: await readNodes(db, options, [...new Set(found.paths.flatMap((path) => path.nodes))]),
    truncated: found.isTruncated,
  };
}

export type NeighbourhoodOptions = JourneyScope & {
  ref: string;
  hops: number;
  maxNodes: number;
  relations?: string[];
};

export type Neighbourhood = {
  nodes: Array<JourneyNode & { hops: number }>;
  edges: JourneyEdge[];
  /** The node cap was reached: the farthest nodes were left out. */
  truncated: boolean;
};

/** The nodes within `hops` hops of a node (either direction) and every edge among them. */
export async function readNeighbourhood(db: Queryable, options: NeighbourhoodOptions): Promise<Neighbourhood> {
  await requirePatient(db, options);
  await requireNodes(db, options, [options.ref]);
  const source = databaseEdgeSource(db, options, options.relations);
  const side: Side = { reached: new Map([[options.ref, 0]]), frontier: [options.ref], radius: 0 };
  const graph = buildJourneyGraph([]);
  let isTruncated = false;
  while (side.radius < options.hops && side.frontier.length > 0) {
    if (side.reached.size > options.maxNodes) {
      isTruncated = true;
      break;
    }
    await expand(source, graph, side);
  }
  let distances = findNeighbourhood(graph, options.ref, options.hops);
  if (distances.size > options.maxNodes) {
    isTruncated = true;
    distances = new Map([...distances].sort((a, b) => a[1] - b[1]).slice(0, options.maxNodes));
  }
  const nodes = await readNodes(db, options, [...distances.keys()]);
  const edges = await readEdgesAmong(
    db,
    options,
    nodes.map((node) => node.ref),
    options.relations ?? 'all-but-next',
  );
  return {
    nodes: nodes.map((node) => ({ ...node, hops: distances.get(node.ref) ?? 0 })),
    edges,
    truncated: isTruncated,
  };
}
