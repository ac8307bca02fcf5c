import type { Queryable } from '../../../platform/db/index.ts';
import { JourneyError } from '../journey-error.ts';
import type { JourneyEdge } from './graph.ts';

/** One node of a journey as the API shows it. */
export type JourneyNode = {
  ref: string;
  resourceType: string;
  /** When the care happened (or was recorded), ISO 8601; null when the resource has no date. */
  time: string | null;
  end?: string;
  label: string;
  /** 'system|code' of the main coded element. */
  codes: string[];
  encounter?: string;
  providers?: string[];
};

/**
 * Whose journey: one patient of one tenant, as one caller sees it: `hidden` are the resources
 * (`Type/id`) the patient's Consents hide from that caller, left out as nodes and as edge ends.
 */
export type JourneyScope = { tenantId: string; patientId: string; hidden?: ReadonlySet<string> | undefined };

/** The references the caller may see. */
export const visibleRefs = (scope: JourneyScope, refs: readonly string[]): readonly string[] =>
  scope.hidden && scope.hidden.size > 0 ? refs.filter((ref) => !scope.hidden?.has(ref)) : refs;

/** The node without its encounter when that encounter is hidden from the caller. */
export function withoutHiddenEncounter(scope: JourneyScope, node: JourneyNode): JourneyNode {
  if (node.encounter === undefined || !scope.hidden?.has(node.encounter)) {
    return node;
  }
  const { encounter: _hidden, ...rest } = node;
  return rest;
}

/** A journey_node row as NODE_COLUMNS reads it: times already ISO 8601 text. */
export type NodeRow = {
  resource_type: string;
  resource_id: string;
  start_time: string | null;
  end_time: string | null;
  label: string;
  codes: string[] | null;
  encounter_id: string | null;
  providers: string[] | null;
};

/**
 * A timestamptz of the alias `n` as the API shows it (what Date#toISOString gives, for the four-digit
 * years FHIR dates have): formatted by the database, so no row is parsed into a Date and back.
 */
export const isoTime = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export const NODE_COLUMNS = `n.resource_type, n.resource_id, ${isoTime('n.start_time')} AS start_time, ${isoTime('n.end_time')} AS end_time, n.label, n.codes, n.encounter_id, n.providers`;

export function toJourneyNode(row: NodeRow): JourneyNode {
  const node: JourneyNode = {
    ref: `${row.resource_type}/${row.resource_id}`,
    resourceType: row.resource_type,
    time: row.start_time,
    label: row.label,
    codes: row.codes ?? [],
  };
  if (row.end_time !== null) {
    node.end = row.end_time;
  }
  if (row.encounter_id !== null) {
    node.encounter = `Encounter/${row.encounter_id}`;
  }
  if (row.providers && row.providers.length > 0) {
    node.providers = row.providers;
  }
  return node;
}

/** Splits 'Type/id' (the id may not contain '/'). */
export function splitRef(ref: string): [string, string] {
  const slash = ref.indexOf('/');
  return [ref.slice(0, slash), ref.slice(slash + 1)];
}

/** Throws a 404 unless the patient's journey exists (the Patient is a node of its own journey). */
export async function requirePatient(db: Queryable, scope: JourneyScope): Promise<void> {
  if (scope.hidden?.has(`Patient/${scope.patientId}`)) {
    throw new JourneyError(404, 'JOURNEY_PATIENT_NOT_FOUND', `Patient/${scope.patientId} has no journey here`);
  }
  const { rows } = await db.query(
    `SELECT 1 FROM journey_node
     WHERE tenant_id = $1 AND patient_id = $2 AND resource_type = 'Patient' AND resource_id = $2`,
    [scope.tenantId, scope.patientId],
    { name: 'journey-require-patient' },
  );
  if (rows.length === 0) {
    throw new JourneyError(404, 'JOURNEY_PATIENT_NOT_FOUND', `Patient/${scope.patientId} has no journey here`);
  }
}

/** The nodes among `refs` that exist in the journey, in `refs` order. */
export async function readNodes(db: Queryable, scope: JourneyScope, asked: readonly string[]): Promise<JourneyNode[]> {
  const refs = visibleRefs(scope, asked);
  if (refs.length === 0) {
    return [];
  }
  const parts = refs.map(splitRef);
  // One primary-key lookup per reference, whatever the plan (see `readEdgesAmong`).
  const { rows } = await db.query<NodeRow>(
    `SELECT ${NODE_COLUMNS}
     FROM unnest($3::text[], $4::text[]) AS r(resource_type, resource_id)
     CROSS JOIN LATERAL (
       SELECT * FROM journey_node m
       WHERE m.tenant_id = $1 AND m.patient_id = $2 AND m.resource_type = r.resource_type AND m.resource_id = r.resource_id
       OFFSET 0
     ) n`,
    [scope.tenantId, scope.patientId, parts.map((part) => part[0]), parts.map((part) => part[1])],
    { name: 'journey-read-nodes' },
  );
  const byRef = new Map(
    rows.map((row) => [`${row.resource_type}/${row.resource_id}`, withoutHiddenEncounter(scope, toJourneyNode(row))]),
  );
  return refs.flatMap((ref) => byRef.get(ref) ?? []);
}

/** Answers up to this size find their edges by one index lookup per node. */
const LOOKUP_LIMIT = 1000;

export type EdgeRow = { from_type: string; from_id: string; relation: string; to_type: string; to_id: string };

export function toJourneyEdge(row: EdgeRow): JourneyEdge {
  return { from: `${row.from_type}/${row.from_id}`, to: `${row.to_type}/${row.to_id}`, relation: row.relation };
}

/**
 * The edges whose two ends are both among `refs`, of `relations` ('all' by default, or every
 * relation but `next`): an edge to a resource outside the answer, or not stored yet, is left out.
 * The database finds the edges leaving the answer; the other end is checked here against a
 * set, which stays linear however large the answer.
 */
export async function readEdgesAmong(
  db: Queryable,
  scope: JourneyScope,
  asked: readonly string[],
  relations: readonly string[] | 'all' | 'all-but-next' = 'all',
): Promise<JourneyEdge[]> {
  const refs = visibleRefs(scope, asked);
  if (refs.length === 0) {
    return [];
  }
  const parts = refs.map(splitRef);
  const params = [
    scope.tenantId,
    scope.patientId,
    parts.map((part) => part[0]),
    parts.map((part) => part[1]),
    typeof relations === 'string' ? null : [...relations],
    relations === 'all',
  ];
  const isRelation = `(CASE WHEN $5::text[] IS NULL THEN $6::boolean OR e.relation <> 'next' ELSE e.relation = ANY($5::text[]) END)`;
  // Up to a page of the default size, the LATERAL subquery (kept apart by OFFSET 0) looks each
  // node's edges up through the primary key, as a prepared statement: its generic plan estimates
  // a patient's edges from the average patient and would otherwise hash-join against a long
  // history read whole. Larger answers are planned for their size, where that hash join wins.
  const { rows } =
    refs.length <= LOOKUP_LIMIT
      ? await db.query<EdgeRow>(
          `SELECT e.from_type, e.from_id, e.relation, e.to_type, e.to_id
           FROM unnest($3::text[], $4::text[]) AS f(resource_type, resource_id)
           CROSS JOIN LATERAL (
             SELECT * FROM journey_edge o
             WHERE o.tenant_id = $1 AND o.patient_id = $2 AND o.from_type = f.resource_type AND o.from_id = f.resource_id
             OFFSET 0
           ) e
           WHERE ${isRelation}`,
          params,
          { name: 'journey-edges-among' },
        )
      : await db.query<EdgeRow>(
          `SELECT e.from_type, e.from_id, e.relation, e.to_type, e.to_id
           FROM unnest($3::text[], $4::text[]) AS f(resource_type, resource_id)
           JOIN journey_edge e
             ON e.tenant_id = $1 AND e.patient_id = $2 AND e.from_type = f.resource_type AND e.from_id = f.resource_id
           WHERE ${isRelation}`,
          params,
        );
  const answer = new Set(refs);
  return rows.map(toJourneyEdge).filter((edge) => answer.has(edge.to));
}
