import type { Database } from '../../../platform/db/index.ts';
import { badParameter } from '../journey-error.ts';
import type { JourneyEdge } from './graph.ts';
import { journeyFilterConditions, type JourneyFilter } from './journey-filter.ts';
import {
  NODE_COLUMNS,
  readEdgesAmong,
  requirePatient,
  toJourneyNode,
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

/**
 * One page of the nodes matching the filter along the timeline: by (time, type, id), nodes
 * without a time last. Keyset paging, so a page is found through the timeline index however long
 * the history, and writes elsewhere on the timeline never shift a later page.
 */
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
  return { nodes: page.map(toJourneyNode), ...(next === undefined ? {} : { next }) };
}

/** A page of the patient's journey with the edges between its nodes (`next` edges included). */
export async function readJourney(db: Database, options: JourneyPageOptions): Promise<JourneyPage> {
  await requirePatient(db, options);
  const page = await readJourneyNodes(db, options);
  const edges = await readEdgesAmong(
    db,
    options,
    page.nodes.map((node) => node.ref),
  );
  return { ...page, edges };
}
