import type { Database } from '../../../platform/db/index.ts';
import { badParameter } from '../journey-error.ts';
import type { JourneyEdge } from './graph.ts';
import { journeyFilterConditions, type JourneyFilter } from './journey-filter.ts';
import {
  isoTime,
  NODE_COLUMNS,
  requirePatient,
  splitRef,
  toJourneyNode,
  withoutHiddenEncounter,
  type JourneyNode,
  type JourneyScope,
  type NodeRow,
} from './journey-nodes.ts';

/**
 * The timeline index yields a page in order, reading only its rows. When one patient holds much of
 * the table, the planner prefers reading all of the patient's rows and sorting them, which costs
 * tens of milliseconds on a long history (measured by bench/journey): sorting is ruled out.
 */
const NO_SORT = 'SET LOCAL enable_sort = off';

/** Where the next page starts: the last node's place on the timeline (time as database text). */
type TimelineKey = { time: string | null; resourceType: string; resourceId: string };

export function encodeJourneyCursor(key: TimelineKey): string {
  return Buffer.from(JSON.stringify([key.time, key.resourceType, key.resourceId])).toString('base64url');
}

export function decodeJourneyCursor(text: string): TimelineKey {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 3) {
      const [time, resourceType, resourceId] = parsed as unknown[];
      if (
        (time === null || typeof time === 'string') &&
        typeof resourceType === 'string' &&
        typeof resourceId === 'string'
      ) {
        return { time, resourceType, resourceId };
      }
    }
  } catch {
    // Reported below like any other malformed cursor.
  }
  throw badParameter('_cursor', 'not a cursor this API returned');
}

export type JourneyPageOptions = JourneyScope & {
  filter: JourneyFilter;
  count: number;
  cursor?: string;
};

/** One page of a journey: nodes in timeline order, the edges among them, and where to go on. */
export type JourneyPage = { nodes: JourneyNode[]; edges: JourneyEdge[]; next?: string };

/** The WHERE clause of a page (filters and cursor) on the journey_node alias `n`, with its parameters. */
function pageConditions(options: JourneyPageOptions): {
  where: string;
  params: unknown[];
  addParam: (value: unknown) => string;
} {
  const params: unknown[] = [options.tenantId, options.patientId];
  const addParam = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const conditions = ['n.tenant_id = $1', 'n.patient_id = $2', ...journeyFilterConditions(options.filter, addParam)];
  if (options.hidden && options.hidden.size > 0) {
    // Left out in the statement, so a page is still full and the cursor still exact.
    conditions.push(`NOT (n.resource_type || '/' || n.resource_id = ANY(${addParam([...options.hidden])}::text[]))`);
  }
  if (options.cursor !== undefined) {
    const after = decodeJourneyCursor(options.cursor);
    const type = addParam(after.resourceType);
    const id = addParam(after.resourceId);
    conditions.push(
      after.time === null
        ? `(n.start_time IS NULL AND (n.resource_type, n.resource_id) > (${type}, ${id}))`
        : `((n.start_time, n.resource_type, n.resource_id) > (${addParam(after.time)}::timestamptz, ${type}, ${id}) OR n.start_time IS NULL)`,
    );
  }
  return { where: conditions.join(' AND '), params, addParam };
}

/**
 * One page of the nodes matching the filter along the timeline: by (time, type, id), nodes
 * without a time last. Keyset paging, so a page is found through the timeline index however long
 * the history, and writes elsewhere on the timeline never shift a later page.
 */
export async function readJourneyNodes(
  db: Database,
  options: JourneyPageOptions,
): Promise<{ nodes: JourneyNode[]; next?: string }> {
  const { where, params, addParam } = pageConditions(options);
  const limit = addParam(options.count + 1);
  const { rows } = await db.transaction(async (tx) => {
    await tx.query(NO_SORT);
    return tx.query<NodeRow & { time_key: string | null }>(
      `SELECT ${NODE_COLUMNS}, n.start_time::text AS time_key FROM journey_node n
       WHERE ${where}
       ORDER BY n.start_time, n.resource_type, n.resource_id
       LIMIT ${limit}`,
      params,
    );
  });
  const page = rows.slice(0, options.count);
  const last = page[page.length - 1];
  const next =
    rows.length > options.count && last
      ? encodeJourneyCursor({ time: last.time_key, resourceType: last.resource_type, resourceId: last.resource_id })
      : undefined;
  const nodes = page.map((row) => withoutHiddenEncounter(options, toJourneyNode(row)));
  return { nodes, ...(next === undefined ? {} : { next }) };
}

/**
 * A row of the page statement: a node (`relation` null) in timeline order, or an edge leaving one
 * (`ref` its `from`, `to_ref` its `to`, the node columns null). References are put together by the
 * database: each is then one string, read off the wire, per row.
 */
type PageRow = {
  ref: string;
  relation: string | null;
  to_ref: string | null;
  resource_type: string;
  start_time: string | null;
  end_time: string | null;
  label: string;
  codes: string[];
  encounter: string | null;
  providers: string[];
  time_key: string | null;
};

function pageNode(row: PageRow): JourneyNode {
  const node: JourneyNode = {
    ref: row.ref,
    resourceType: row.resource_type,
    time: row.start_time,
    label: row.label,
    codes: row.codes,
  };
  if (row.end_time !== null) {
    node.end = row.end_time;
  }
  if (row.encounter !== null) {
    node.encounter = row.encounter;
  }
  if (row.providers.length > 0) {
    node.providers = row.providers;
  }
  return node;
}

/**
 * Whether the page's dated nodes, from the window's start on, are a run of the timeline: then the
 * edges leaving them are those whose from_time lies between the first and the last of their times,
 * one range read of journey_edge_from_time (plus the edges of neighbours at the same instants,
 * dropped with those to outside the page). A page filtered by type, code, encounter or provider is
 * a sparse pick of the timeline, whose nodes look their edges up one by one, as do undated nodes
 * and nodes that started before the window.
 */
function isTimelineRun(filter: JourneyFilter): boolean {
  return (
    filter.types === undefined &&
    filter.codes === undefined &&
    filter.encounterId === undefined &&
    filter.provider === undefined
  );
}

/**
 * A page of the patient's journey with the edges between its nodes (`next` edges included), in
 * one statement: the page's nodes, then the edges leaving them (by time range or per node, see
 * `isTimelineRun`); an edge is kept when its other end is on the page too.
 */
export async function readJourney(db: Database, options: JourneyPageOptions): Promise<JourneyPage> {
  const { where, params, addParam } = pageConditions(options);
  const limit = addParam(options.count + 1);
  const windowStart = options.filter.start === undefined ? 'NULL' : addParam(options.filter.start);
  const ranged = isTimelineRun(options.filter)
    ? `p.start_time IS NOT NULL AND (${windowStart}::timestamptz IS NULL OR p.start_time >= ${windowStart}::timestamptz)`
    : 'false';
  const patient = `EXISTS (SELECT 1 FROM journey_node WHERE tenant_id = $1 AND patient_id = $2 AND resource_type = 'Patient' AND resource_id = $2)`;
  const edgeColumns = `e.from_type || '/' || e.from_id, e.relation, e.to_type || '/' || e.to_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL`;
  const edgesOf = (which: string) => `
       SELECT ${edgeColumns}
       FROM page p CROSS JOIN LATERAL (
         SELECT o.from_type, o.from_id, o.relation, o.to_type, o.to_id FROM journey_edge o
         WHERE o.tenant_id = $1 AND o.patient_id = $2 AND o.from_type = p.resource_type AND o.from_id = p.resource_id
         OFFSET 0
       ) e
       WHERE ${which}`;
  // The branches follow the page's order (nodes before the window, the run, undated nodes), each
  // node's edges in primary-key order, as one lookup per node would give them.
  const { rows } = await db.transaction(async (tx) => {
    await tx.query(NO_SORT);
    return tx.query<PageRow>(
      `WITH page AS MATERIALIZED (
         SELECT n.resource_type, n.resource_id, n.start_time, n.end_time, n.label, n.codes, n.encounter_id, n.providers
         FROM journey_node n
         WHERE ${where} AND ${patient}
         ORDER BY n.start_time, n.resource_type, n.resource_id
         LIMIT ${limit}
       ),
       span AS (SELECT min(p.start_time) AS low, max(p.start_time) AS high FROM page p WHERE ${ranged})
       SELECT n.resource_type || '/' || n.resource_id AS ref, NULL AS relation, NULL AS to_ref, n.resource_type,
              ${isoTime('n.start_time')} AS start_time, ${isoTime('n.end_time')} AS end_time, n.label, n.codes,
              'Encounter/' || n.encounter_id AS encounter, n.providers, n.start_time::text AS time_key
       FROM page n
       UNION ALL ${edgesOf(`p.start_time IS NOT NULL AND NOT (${ranged})`)}
       UNION ALL
       SELECT ${edgeColumns}
       FROM span JOIN journey_edge e
         ON e.tenant_id = $1 AND e.patient_id = $2 AND e.from_time BETWEEN span.low AND span.high
       UNION ALL ${edgesOf('p.start_time IS NULL')}`,
      params,
    );
  });
  // Node rows (no relation) come in the page's order: they are one scan of the CTE.
  const nodeRows = rows.filter((row) => row.relation === null);
  if (nodeRows.length === 0) {
    // An empty page of an existing journey, or no journey at all (a 404).
    await requirePatient(db, options);
    return { nodes: [], edges: [] };
  }
  const pageRows = nodeRows.length > options.count ? nodeRows.slice(0, options.count) : nodeRows;
  const nodes = pageRows.map((row) => withoutHiddenEncounter(options, pageNode(row)));
  const onPage = new Set(nodes.map((node) => node.ref));
  const edges: JourneyEdge[] = [];
  for (const row of rows) {
    if (row.relation !== null && row.to_ref !== null && onPage.has(row.ref) && onPage.has(row.to_ref)) {
      edges.push({ from: row.ref, to: row.to_ref, relation: row.relation });
    }
  }
  const last = pageRows.at(-1);
  if (nodeRows.length > options.count && last) {
    const [resourceType, resourceId] = splitRef(last.ref);
    return { nodes, edges, next: encodeJourneyCursor({ time: last.time_key, resourceType, resourceId }) };
  }
  return { nodes, edges };
}
