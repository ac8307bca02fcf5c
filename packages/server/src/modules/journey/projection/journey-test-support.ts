// Helpers shared by the journey projection's integration tests.
import type { Queryable } from '../../../platform/db/index.ts';

export type NodeSnapshot = {
  patient_id: string;
  resource_type: string;
  resource_id: string;
  start_time: string | null;
  end_time: string | null;
  label: string;
  codes: string[];
  encounter_id: string | null;
  providers: string[];
};

/** `from_time`: the `from` node's start_time as ISO text (what the page read ranges over). */
export type EdgeSnapshot = { patient_id: string; from: string; relation: string; to: string; from_time: string | null };

/** Both journey tables of a tenant, in a stable order, times as ISO text, for comparing whole graphs. */
export async function snapshotJourney(
  db: Queryable,
  tenantId: string,
): Promise<{ nodes: NodeSnapshot[]; edges: EdgeSnapshot[] }> {
  const nodes = await db.query<NodeSnapshot>(
    `SELECT patient_id, resource_type, resource_id,
            to_char(start_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS start_time,
            to_char(end_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS end_time,
            label, codes, encounter_id, providers
     FROM journey_node WHERE tenant_id = $1
     ORDER BY patient_id COLLATE "C", resource_type COLLATE "C", resource_id COLLATE "C"`,
    [tenantId],
  );
  const edges = await db.query<EdgeSnapshot>(
    `SELECT patient_id, from_type || '/' || from_id AS "from", relation, to_type || '/' || to_id AS "to",
            to_char(from_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS from_time
     FROM journey_edge WHERE tenant_id = $1
     ORDER BY patient_id COLLATE "C", (from_type || '/' || from_id) COLLATE "C", relation COLLATE "C",
              (to_type || '/' || to_id) COLLATE "C"`,
    [tenantId],
  );
  return { nodes: nodes.rows, edges: edges.rows };
}

/**
 * A patient's timeline read by walking its `next` chain from the dated node nothing points to, as
 * `Type/id`s. A broken chain (two heads, a gap, a cycle) reads shorter than the patient's dated nodes.
 */
export async function readTimeline(db: Queryable, tenantId: string, patientId: string): Promise<string[]> {
  const { nodes, edges } = await snapshotJourney(db, tenantId);
  const next = new Map(
    edges
      .filter((edge) => edge.patient_id === patientId && edge.relation === 'next')
      .map((edge) => [edge.from, edge.to]),
  );
  const targets = new Set(next.values());
  let current = nodes
    .filter((node) => node.patient_id === patientId && node.start_time !== null)
    .map((node) => `${node.resource_type}/${node.resource_id}`)
    .find((ref) => !targets.has(ref));
  const chain: string[] = [];
  while (current !== undefined && chain.length <= next.size) {
    chain.push(current);
    current = next.get(current);
  }
  return chain;
}
