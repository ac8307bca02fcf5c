import type { Queryable } from '../../../platform/db/index.ts';
import type { IndexRows } from '../../fhir/search/index-values.ts';
import { deriveContribution, isJourneyResourceType } from './derive-node.ts';

/** The advisory lock key of a tenant's journeys (shared by writers, exclusive for a rebuild). */
export const TENANT_LOCK_KEY = `hashtextextended('journey:' || $1::text, 0)`;

/**
 * Locks the journeys the write touches and announces the change; returns those patients and
 * whether the resource is a node of each already.
 *
 * The tenant lock is taken first (as a one-time filter, before any row is read) so a rebuild
 * never interleaves with a write; patient locks follow in patient order so two writers touching
 * the same patients cannot deadlock on them. `pg_notify` is delivered on commit only.
 */
const LOCK_AND_NOTIFY = `
SELECT affected.patient_id, affected.was_node,
       pg_advisory_xact_lock(hashtextextended('journey:' || $1::text || '/' || affected.patient_id, 0)) IS NULL AS locked,
       pg_notify('journey', json_build_object(
         'tenant', $1::text, 'patient', affected.patient_id, 'ref', $2::text || '/' || $3::text,
         'change', CASE WHEN affected.patient_id = ANY($4::text[]) THEN 'upsert' ELSE 'delete' END)::text) IS NULL AS notified
FROM (
  SELECT patient_id, bool_or(was_node) AS was_node
  FROM (
    SELECT patient_id, false AS was_node FROM unnest($4::text[]) AS new_patient(patient_id)
    UNION ALL
    SELECT patient_id, true FROM journey_node WHERE tenant_id = $1 AND resource_type = $2 AND resource_id = $3
  ) candidates
  GROUP BY patient_id
  ORDER BY patient_id
  OFFSET 0
) affected
WHERE (SELECT count(*) FROM (SELECT pg_advisory_xact_lock_shared(${TENANT_LOCK_KEY})) tenant_lock) = 1`;

/**
 * Adds a resource that is a node of no journey yet: its nodes, its edges, and in each patient's
 * `next` chain the link between its neighbours replaced by two links through it. Far smaller than
 * REWRITE, which matters where every statement is planned afresh (PGlite). Lookups are fenced as
 * in REWRITE (below).
 *
 * $1 tenant, $2 type, $3 id, $4 patients, $5–$10 the node, $11–$13 the outgoing edges.
 */
const INSERT_NEW = `
WITH
new_patient AS (SELECT unnest($4::text[]) AS patient_id),
written_nodes AS (
  INSERT INTO journey_node (tenant_id, patient_id, resource_type, resource_id, start_time, end_time, label, codes, encounter_id, providers)
  SELECT $1, patient_id, $2, $3, $5::timestamptz, $6::timestamptz, $7, $8::text[], $9, $10::text[] FROM new_patient
),
written_edges AS (
  INSERT INTO journey_edge (tenant_id, patient_id, from_type, from_id, relation, to_type, to_id, from_time)
  SELECT $1, p.patient_id, $2, $3, e.relation, e.to_type, e.to_id, $5::timestamptz
  FROM new_patient p CROSS JOIN unnest($11::text[], $12::text[], $13::text[]) AS e(relation, to_type, to_id)
),
new_before AS (
  SELECT p.patient_id, n.resource_type AS t, n.resource_id AS i, n.start_time
  FROM new_patient p CROSS JOIN LATERAL (
    SELECT resource_type, resource_id, start_time FROM journey_node
    WHERE tenant_id = $1 AND patient_id = p.patient_id
      AND (start_time, resource_type, resource_id) < ($5::timestamptz, $2::text, $3::text)
    ORDER BY start_time DESC, resource_type DESC, resource_id DESC
    LIMIT 1
  ) n
  WHERE $5::timestamptz IS NOT NULL
),
new_after AS (
  SELECT p.patient_id, n.resource_type AS t, n.resource_id AS i
  FROM new_patient p CROSS JOIN LATERAL (
    SELECT resource_type, resource_id FROM journey_node
    WHERE tenant_id = $1 AND patient_id = p.patient_id
      AND (start_time, resource_type, resource_id) > ($5::timestamptz, $2::text, $3::text)
    ORDER BY start_time, resource_type, resource_id
    LIMIT 1
  ) n
  WHERE $5::timestamptz IS NOT NULL
),
dropped_links AS (
  DELETE FROM journey_edge WHERE ctid = ANY (ARRAY(
    SELECT e.ctid FROM new_before b JOIN new_after a USING (patient_id) CROSS JOIN LATERAL (
      SELECT ctid FROM journey_edge
      WHERE tenant_id = $1 AND patient_id = b.patient_id AND from_type = b.t AND from_id = b.i
        AND relation = 'next' AND to_type = a.t AND to_id = a.i
      LIMIT 1
    ) e
  ))
),
written_links AS (
  INSERT INTO journey_edge (tenant_id, patient_id, from_type, from_id, relation, to_type, to_id, from_time)
  SELECT $1, patient_id, t, i, 'next', $2, $3, start_time FROM new_before
  UNION ALL
  SELECT $1, patient_id, $2, $3, 'next', t, i, $5::timestamptz FROM new_after
)
SELECT 1`;

/**
 * Replaces the resource's nodes and outgoing edges in every affected journey, and moves it along
 * each patient's `next` chain, in one statement. Every sub-statement reads the snapshot from before
 * the statement, so the chain is patched from what is stored: the node's old neighbours are joined
 * where it was, its new neighbours (found without it) are split where it now goes, and only the
 * difference between the `next` edges that exist and those wanted is deleted or inserted.
 *
 * Every lookup is keyed by one patient: a LATERAL subquery per patient or per edge, fenced with
 * LIMIT/OFFSET so the planner cannot flatten it into a join it may turn around, and deletes go by
 * the ctids those lookups find. The plan stays a handful of index probes even without table
 * statistics, which PGlite never gathers on its own; a free join order could scan a whole
 * tenant's edges.
 *
 * $1 tenant, $2 type, $3 id, $4 patients the resource is now in, $5–$10 the node, $11–$13 the
 * outgoing edges, $14 every affected patient (now or before).
 */
const REWRITE = `
WITH
new_patient AS (SELECT unnest($4::text[]) AS patient_id),
affected AS (SELECT unnest($14::text[]) AS patient_id),
dropped_nodes AS (
  DELETE FROM journey_node
  WHERE tenant_id = $1 AND resource_type = $2 AND resource_id = $3 AND patient_id <> ALL($4::text[])
),
written_nodes AS (
  INSERT INTO journey_node (tenant_id, patient_id, resource_type, resource_id, start_time, end_time, label, codes, encounter_id, providers)
  SELECT $1, patient_id, $2, $3, $5::timestamptz, $6::timestamptz, $7, $8::text[], $9, $10::text[] FROM new_patient
  ON CONFLICT (tenant_id, patient_id, resource_type, resource_id) DO UPDATE
    SET start_time = EXCLUDED.start_time, end_time = EXCLUDED.end_time, label = EXCLUDED.label,
        codes = EXCLUDED.codes, encounter_id = EXCLUDED.encounter_id, providers = EXCLUDED.providers
),
new_edge AS (
  SELECT p.patient_id, e.relation, e.to_type, e.to_id
  FROM new_patient p CROSS JOIN unnest($11::text[], $12::text[], $13::text[]) AS e(relation, to_type, to_id)
),
dropped_edges AS (
  DELETE FROM journey_edge WHERE ctid = ANY (ARRAY(
    SELECT e.ctid FROM affected a CROSS JOIN LATERAL (
      SELECT ctid, relation, to_type, to_id FROM journey_edge
      WHERE tenant_id = $1 AND patient_id = a.patient_id AND from_type = $2 AND from_id = $3 AND relation <> 'next'
      OFFSET 0
    ) e
    WHERE NOT EXISTS (
      SELECT 1 FROM new_edge n
      WHERE n.patient_id = a.patient_id AND n.relation = e.relation AND n.to_type = e.to_type AND n.to_id = e.to_id)
  ))
),
-- Edges kept from the old version take the node's new time (the update touches only rows that
-- dropped_edges keeps: one statement must not change a row twice).
written_edges AS (
  INSERT INTO journey_edge (tenant_id, patient_id, from_type, from_id, relation, to_type, to_id, from_time)
  SELECT DISTINCT $1, patient_id, $2, $3, relation, to_type, to_id, $5::timestamptz FROM new_edge
  ON CONFLICT (tenant_id, patient_id, from_type, from_id, relation, to_type, to_id) DO UPDATE
    SET from_time = EXCLUDED.from_time WHERE journey_edge.from_time IS DISTINCT FROM EXCLUDED.from_time
),
old_link AS (
  SELECT a.patient_id, l.from_type, l.from_id, l.to_type, l.to_id FROM affected a CROSS JOIN LATERAL (
    SELECT from_type, from_id, to_type, to_id FROM journey_edge
    WHERE tenant_id = $1 AND patient_id = a.patient_id AND from_type = $2 AND from_id = $3 AND relation = 'next'
    UNION ALL
    SELECT from_type, from_id, to_type, to_id FROM journey_edge
    WHERE tenant_id = $1 AND patient_id = a.patient_id AND to_type = $2 AND to_id = $3 AND relation = 'next'
    OFFSET 0
  ) l
),
old_before AS (SELECT patient_id, from_type AS t, from_id AS i FROM old_link WHERE to_type = $2 AND to_id = $3),
old_after AS (SELECT patient_id, to_type AS t, to_id AS i FROM old_link WHERE from_type = $2 AND from_id = $3),
placed AS (SELECT patient_id FROM new_patient WHERE $5::timestamptz IS NOT NULL),
new_before AS (
  SELECT p.patient_id, n.resource_type AS t, n.resource_id AS i
  FROM placed p CROSS JOIN LATERAL (
    SELECT resource_type, resource_id FROM journey_node
    WHERE tenant_id = $1 AND patient_id = p.patient_id
      AND (start_time, resource_type, resource_id) < ($5::timestamptz, $2::text, $3::text)
      AND NOT (resource_type = $2 AND resource_id = $3)
    ORDER BY start_time DESC, resource_type DESC, resource_id DESC
    LIMIT 1
  ) n
),
new_after AS (
  SELECT p.patient_id, n.resource_type AS t, n.resource_id AS i
  FROM placed p CROSS JOIN LATERAL (
    SELECT resource_type, resource_id FROM journey_node
    WHERE tenant_id = $1 AND patient_id = p.patient_id
      AND (start_time, resource_type, resource_id) > ($5::timestamptz, $2::text, $3::text)
      AND NOT (resource_type = $2 AND resource_id = $3)
    ORDER BY start_time, resource_type, resource_id
    LIMIT 1
  ) n
),
split AS (
  SELECT b.patient_id, b.t AS from_type, b.i AS from_id, a.t AS to_type, a.i AS to_id
  FROM new_before b JOIN new_after a USING (patient_id)
),
wanted AS (
  SELECT patient_id, t AS from_type, i AS from_id, $2::text AS to_type, $3::text AS to_id FROM new_before
  UNION
  SELECT patient_id, $2::text, $3::text, t, i FROM new_after
  UNION
  -- Where the node was, its old neighbours join up (when it stays put this is the split below,
  -- which is in \`present\` and so never inserted).
  SELECT b.patient_id, b.t, b.i, a.t, a.i FROM old_before b JOIN old_after a USING (patient_id)
),
-- The split link exists unless the node already sits between its new neighbours.
present AS (
  SELECT patient_id, from_type, from_id, to_type, to_id FROM old_link
  UNION
  SELECT patient_id, from_type, from_id, to_type, to_id FROM split
),
dropped_links AS (
  DELETE FROM journey_edge WHERE ctid = ANY (ARRAY(
    SELECT e.ctid FROM (SELECT * FROM present EXCEPT SELECT * FROM wanted) x CROSS JOIN LATERAL (
      SELECT ctid FROM journey_edge
      WHERE tenant_id = $1 AND patient_id = x.patient_id AND from_type = x.from_type AND from_id = x.from_id
        AND relation = 'next' AND to_type = x.to_type AND to_id = x.to_id
      LIMIT 1
    ) e
  ))
),
written_links AS (
  INSERT INTO journey_edge (tenant_id, patient_id, from_type, from_id, relation, to_type, to_id, from_time)
  SELECT $1, w.patient_id, w.from_type, w.from_id, 'next', w.to_type, w.to_id,
         CASE WHEN w.from_type = $2 AND w.from_id = $3 THEN $5::timestamptz ELSE (
           -- Another node's time, which this statement does not change.
           SELECT start_time FROM journey_node
           WHERE tenant_id = $1 AND patient_id = w.patient_id AND resource_type = w.from_type AND resource_id = w.from_id
         ) END
  FROM (SELECT * FROM wanted EXCEPT SELECT * FROM present) w
  ON CONFLICT DO NOTHING
),
-- The node's own link that stays (it has not moved past a neighbour) takes its new time.
retimed_link AS (
  UPDATE journey_edge SET from_time = $5::timestamptz WHERE ctid = ANY (ARRAY(
    SELECT e.ctid FROM (SELECT * FROM wanted INTERSECT SELECT * FROM present) k CROSS JOIN LATERAL (
      SELECT ctid, from_time FROM journey_edge
      WHERE tenant_id = $1 AND patient_id = k.patient_id AND from_type = k.from_type AND from_id = k.from_id
        AND relation = 'next' AND to_type = k.to_type AND to_id = k.to_id
      LIMIT 1
    ) e
    WHERE k.from_type = $2 AND k.from_id = $3 AND e.from_time IS DISTINCT FROM $5::timestamptz
  ))
)
SELECT 1`;

/** The resource version just stored, with the index rows extracted for it; no resource for a deletion. */
export type JourneyWrite = {
  tenantId: string;
  resourceType: string;
  id: string;
  resource: (Record<string, unknown> & { resourceType: string; id: string }) | undefined;
  rows: IndexRows | undefined;
  /** Whether a live earlier version may have put the resource in journeys (its nodes are then replaced). */
  hadLiveVersion: boolean;
};

/**
 * Brings the journey projection in line with one resource write, in the caller's transaction:
 * two statements when the resource is or was in a journey (lock, then insert or rewrite), none
 * otherwise.
 */
export async function writeJourneyNow(tx: Queryable, write: JourneyWrite): Promise<void> {
  const { tenantId, resourceType, id } = write;
  if (!isJourneyResourceType(resourceType)) {
    return;
  }
  const contribution = write.resource && write.rows ? deriveContribution(write.resource, write.rows) : undefined;
  const patients = contribution?.patients ?? [];
  if (patients.length === 0 && !write.hadLiveVersion) {
    return;
  }
  const locked = await tx.query<{ patient_id: string; was_node: boolean }>(
    LOCK_AND_NOTIFY,
    [tenantId, resourceType, id, patients],
    { name: 'journey-lock-and-notify', genericPlan: true },
  );
  if (locked.rows.length === 0) {
    return;
  }
  const node = contribution?.node;
  const links = contribution?.links ?? [];
  const params = [
    tenantId,
    resourceType,
    id,
    patients,
    node?.startTime ?? null,
    node?.endTime ?? null,
    node?.label ?? resourceType,
    node?.codes ?? [],
    node?.encounterId ?? null,
    node?.providers ?? [],
    links.map((link) => link.relation),
    links.map((link) => link.toType),
    links.map((link) => link.toId),
  ];
  if (locked.rows.some((row) => row.was_node)) {
    await tx.query(REWRITE, [...params, locked.rows.map((row) => row.patient_id)], {
      name: 'journey-rewrite',
      genericPlan: true,
    });
  } else {
    await tx.query(INSERT_NEW, params, { name: 'journey-insert', genericPlan: true });
  }
}
