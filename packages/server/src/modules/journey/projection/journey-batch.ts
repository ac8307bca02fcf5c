import type { Queryable } from '../../../platform/db/index.ts';
import { deriveContribution, isJourneyResourceType, type JourneyContribution } from './derive-node.ts';
import { TENANT_LOCK_KEY, writeJourneyNow, type JourneyWrite } from './write-journey.ts';

/**
 * Journey writes held back until the end of a transaction that writes many resources at once
 * (a transaction Bundle): keyed by the transaction, so the store's write path needs no new
 * parameter. Only the last write of each resource is kept — the projection is a function of the
 * stored resources, so applying a resource's final version equals applying each of its versions.
 */
const pendingWrites = new WeakMap<Queryable, Map<string, JourneyWrite>>();

/** From now until `flushJourneyWrites`, journey writes in `tx` are collected instead of applied. */
export function deferJourneyWrites(tx: Queryable): void {
  pendingWrites.set(tx, new Map());
}

/**
 * Brings the journey projection in line with one resource write, in the caller's transaction: now,
 * or at `flushJourneyWrites` when the transaction defers journey writes.
 */
export async function writeJourney(tx: Queryable, write: JourneyWrite): Promise<void> {
  if (!isJourneyResourceType(write.resourceType)) {
    return;
  }
  const pending = pendingWrites.get(tx);
  if (!pending) {
    await writeJourneyNow(tx, write);
    return;
  }
  const key = `${write.resourceType}/${write.id}`;
  const earlier = pending.get(key);
  // Whether the resource was live before the transaction is what its first write saw.
  pending.set(key, earlier ? { ...write, hadLiveVersion: earlier.hadLiveVersion } : write);
}

/** The locks a write takes (tenant shared, then each patient in order), for every patient at once. */
const LOCK_PATIENTS = `
SELECT count(*)::int AS locked FROM (
  SELECT pg_advisory_xact_lock(hashtextextended('journey:' || $1::text || '/' || patient_id, 0))
  FROM (SELECT DISTINCT unnest($2::text[]) AS patient_id ORDER BY 1 OFFSET 0) patient
) locks
WHERE (SELECT count(*) FROM (SELECT pg_advisory_xact_lock_shared(${TENANT_LOCK_KEY})) tenant_lock) = 1`;

/** Which of the patients have a journey already; run after the locks, so it sees every committed write. */
const PATIENTS_WITH_NODES = `
SELECT p.patient_id FROM unnest($2::text[]) AS p(patient_id)
WHERE EXISTS (SELECT 1 FROM journey_node n WHERE n.tenant_id = $1 AND n.patient_id = p.patient_id)`;

/**
 * The whole journey of patients that had none: nodes, edges and each patient's `next` chain,
 * computed from the new nodes alone (they are all the patient has), and one notification per node.
 */
const INSERT_JOURNEYS = `
WITH
node AS (
  SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::text[], $8::text[], $9::text[], $10::text[])
    AS n(patient_id, resource_type, resource_id, start_time, end_time, label, codes, encounter_id, providers)
),
written_nodes AS (
  INSERT INTO journey_node (tenant_id, patient_id, resource_type, resource_id, start_time, end_time, label, codes, encounter_id, providers)
  SELECT $1, patient_id, resource_type, resource_id, start_time, end_time, label, codes::text[], encounter_id, providers::text[] FROM node
),
written_edges AS (
  INSERT INTO journey_edge (tenant_id, patient_id, from_type, from_id, relation, to_type, to_id, from_time)
  SELECT $1, * FROM unnest($11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::timestamptz[])
),
written_links AS (
  INSERT INTO journey_edge (tenant_id, patient_id, from_type, from_id, relation, to_type, to_id, from_time)
  SELECT $1, patient_id, resource_type, resource_id, 'next', next_type, next_id, start_time
  FROM (
    SELECT patient_id, resource_type, resource_id, start_time,
           lead(resource_type) OVER timeline AS next_type, lead(resource_id) OVER timeline AS next_id
    FROM node
    WHERE start_time IS NOT NULL
    WINDOW timeline AS (PARTITION BY patient_id ORDER BY start_time, resource_type, resource_id)
  ) ordered
  WHERE next_id IS NOT NULL
)
SELECT count(pg_notify('journey', json_build_object(
  'tenant', $1::text, 'patient', patient_id, 'ref', resource_type || '/' || resource_id, 'change', 'upsert')::text))::int AS notified
FROM node`;

/**
 * A text[] value as a PostgreSQL array literal, so per-node arrays travel as one text[] column
 * (unnest cannot take an array of arrays of different lengths).
 */
function arrayLiteral(values: readonly string[]): string {
  return `{${values.map((value) => `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`;
}

type Contributed = { write: JourneyWrite; contribution: JourneyContribution };

function insertJourneysParams(tenantId: string, contributed: Contributed[]): unknown[] {
  const node: unknown[][] = [[], [], [], [], [], [], [], [], []];
  const edge: unknown[][] = [[], [], [], [], [], [], []];
  for (const { write, contribution } of contributed) {
    const { node: derived, links } = contribution;
    for (const patient of contribution.patients) {
      const nodeValues = [
        patient,
        write.resourceType,
        write.id,
        derived.startTime,
        derived.endTime,
        derived.label,
        arrayLiteral(derived.codes),
        derived.encounterId,
        arrayLiteral(derived.providers),
      ];
      nodeValues.forEach((value, column) => node[column]?.push(value));
      for (const link of links) {
        const edgeValues = [
          patient,
          write.resourceType,
          write.id,
          link.relation,
          link.toType,
          link.toId,
          derived.startTime,
        ];
        edgeValues.forEach((value, column) => edge[column]?.push(value));
      }
    }
  }
  return [tenantId, ...node, ...edge];
}

/**
 * Applies the writes collected since `deferJourneyWrites`, in the same transaction. Resources new
 * to patients who have no journey yet — an imported patient's Bundle — are written in three
 * statements whatever their number; anything else (a resource that was already a node, a patient
 * with a journey) goes through the per-resource path, which patches existing chains in place.
 */
export async function flushJourneyWrites(tx: Queryable): Promise<void> {
  const pending = pendingWrites.get(tx);
  pendingWrites.delete(tx);
  const writes = [...(pending?.values() ?? [])];
  const first = writes[0];
  if (!first) {
    return;
  }
  const tenantId = first.tenantId;
  const contributed: Contributed[] = [];
  for (const write of writes) {
    const contribution = write.resource && write.rows ? deriveContribution(write.resource, write.rows) : undefined;
    if (contribution && contribution.patients.length > 0) {
      contributed.push({ write, contribution });
    }
  }
  // Nodes exist only for live resources: none of these resources is a node when none was live.
  const allNew = writes.every((write) => !write.hadLiveVersion);
  const patients = [...new Set(contributed.flatMap(({ contribution }) => contribution.patients))].sort();
  if (allNew && patients.length > 0) {
    await tx.query(LOCK_PATIENTS, [tenantId, patients], { name: 'journey-batch-lock' });
    const existing = await tx.query(PATIENTS_WITH_NODES, [tenantId, patients], { name: 'journey-batch-existing' });
    if (existing.rows.length === 0) {
      await tx.query(INSERT_JOURNEYS, insertJourneysParams(tenantId, contributed), { name: 'journey-batch-insert' });
      return;
    }
  }
  for (const write of writes) {
    await writeJourneyNow(tx, write);
  }
}
