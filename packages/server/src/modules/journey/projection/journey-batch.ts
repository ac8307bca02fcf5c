import { isGenericPlanSize, type Queryable } from '../../../platform/db/index.ts';
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

/** A write and what the resource's live version before it contributed (undefined when it had none). */
export type JourneyWriteAfter = JourneyWrite & { previous: JourneyContribution | undefined };

/**
 * Locks every patient touched (tenant shared, then each patient in order) and notifies each
 * (patient, resource) pair, `upsert` where the resource now is and `delete` where it no longer is.
 * $1 tenant, $2 types, $3 ids, $4 patients: one row per resource and patient it is now in.
 */
const LOCK_AND_NOTIFY_MANY = `
WITH
resource AS (SELECT DISTINCT resource_type, resource_id FROM unnest($2::text[], $3::text[]) AS r(resource_type, resource_id)),
now_in AS (SELECT * FROM unnest($5::text[], $6::text[], $4::text[]) AS n(resource_type, resource_id, patient_id)),
affected AS (
  SELECT n.resource_type, n.resource_id, n.patient_id, true AS is_in FROM now_in n
  UNION
  SELECT j.resource_type, j.resource_id, j.patient_id, false FROM resource r CROSS JOIN LATERAL (
    SELECT resource_type, resource_id, patient_id FROM journey_node
    WHERE tenant_id = $1 AND resource_type = r.resource_type AND resource_id = r.resource_id
    OFFSET 0
  ) j
  WHERE NOT EXISTS (
    SELECT 1 FROM now_in n
    WHERE n.resource_type = j.resource_type AND n.resource_id = j.resource_id AND n.patient_id = j.patient_id)
),
locks AS (
  SELECT count(pg_advisory_xact_lock(hashtextextended('journey:' || $1::text || '/' || patient_id, 0))) AS locked
  FROM (SELECT DISTINCT patient_id FROM affected ORDER BY 1 OFFSET 0) patient
  WHERE (SELECT count(*) FROM (SELECT pg_advisory_xact_lock_shared(${TENANT_LOCK_KEY})) tenant_lock) = 1
)
SELECT count(pg_notify('journey', json_build_object(
  'tenant', $1::text, 'patient', patient_id, 'ref', resource_type || '/' || resource_id,
  'change', CASE WHEN is_in THEN 'upsert' ELSE 'delete' END)::text))::int AS notified
FROM affected, locks
WHERE locks.locked >= 0`;

/**
 * The nodes of resources off the timeline (no care time, no edges, before and after): each
 * resource's nodes in journeys it left deleted, the others written. $1 tenant, $2 types, $3 ids,
 * then one row per node: $4 patients, $5 types, $6 ids, $7 labels, $8 codes, $9 encounters, $10 providers.
 */
const WRITE_TIMELESS_NODES = `
WITH
resource AS (SELECT DISTINCT resource_type, resource_id FROM unnest($2::text[], $3::text[]) AS r(resource_type, resource_id)),
node AS (
  SELECT * FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
    AS n(patient_id, resource_type, resource_id, label, codes, encounter_id, providers)
),
dropped_nodes AS (
  DELETE FROM journey_node WHERE ctid = ANY (ARRAY(
    SELECT j.ctid FROM resource r CROSS JOIN LATERAL (
      SELECT ctid, patient_id FROM journey_node
      WHERE tenant_id = $1 AND resource_type = r.resource_type AND resource_id = r.resource_id
      OFFSET 0
    ) j
    WHERE NOT EXISTS (
      SELECT 1 FROM node n
      WHERE n.resource_type = r.resource_type AND n.resource_id = r.resource_id AND n.patient_id = j.patient_id)
  ))
)
INSERT INTO journey_node (tenant_id, patient_id, resource_type, resource_id, start_time, end_time, label, codes, encounter_id, providers)
SELECT $1, patient_id, resource_type, resource_id, NULL, NULL, label, codes::text[], encounter_id, providers::text[] FROM node
ON CONFLICT (tenant_id, patient_id, resource_type, resource_id) DO UPDATE
  SET start_time = NULL, end_time = NULL, label = EXCLUDED.label,
      codes = EXCLUDED.codes, encounter_id = EXCLUDED.encounter_id, providers = EXCLUDED.providers`;

const isTimeless = (contribution: JourneyContribution | undefined) =>
  contribution === undefined || (contribution.node.startTime === null && contribution.links.length === 0);

/**
 * Brings the journey projection in line with many resource writes of one transaction, each
 * resource at most once. Resources off the timeline now and before (no care time and no edges: a
 * Patient whose `Patient.link` changed, a golden-record Person) are written together in two
 * statements, whatever their number; the others as `writeJourney` writes each. In a transaction
 * that defers journey writes, they are all collected as usual.
 */
export async function writeJourneys(tx: Queryable, writes: readonly JourneyWriteAfter[]): Promise<void> {
  const relevant = writes.filter((write) => isJourneyResourceType(write.resourceType));
  if (pendingWrites.has(tx)) {
    for (const write of relevant) {
      await writeJourney(tx, write);
    }
    return;
  }
  const timeless: Array<{ write: JourneyWrite; contribution: JourneyContribution | undefined }> = [];
  for (const write of relevant) {
    const contribution = write.resource && write.rows ? deriveContribution(write.resource, write.rows) : undefined;
    if (isTimeless(contribution) && isTimeless(write.previous)) {
      timeless.push({ write, contribution });
    } else {
      await writeJourneyNow(tx, write);
    }
  }
  const first = timeless[0];
  if (!first) {
    return;
  }
  const nodes = timeless.flatMap(({ write, contribution }) =>
    (contribution?.patients ?? []).map((patient) => ({ patient, write, node: contribution?.node })),
  );
  const params = (extra: unknown[][]) => [
    first.write.tenantId,
    timeless.map(({ write }) => write.resourceType),
    timeless.map(({ write }) => write.id),
    ...extra,
  ];
  const nowIn = [
    nodes.map(({ patient }) => patient),
    nodes.map(({ write }) => write.resourceType),
    nodes.map(({ write }) => write.id),
  ];
  // Keyed by the resources and their patients: a few of them (a golden record and its members'
  // links) run the generic plan, planned once per connection.
  const genericPlan = isGenericPlanSize(timeless.length + nodes.length);
  const locked = await tx.query<{ notified: number }>(LOCK_AND_NOTIFY_MANY, params(nowIn), {
    name: 'journey-lock-and-notify-many',
    genericPlan,
  });
  if ((locked.rows[0]?.notified ?? 0) === 0) {
    return;
  }
  await tx.query(
    WRITE_TIMELESS_NODES,
    params([
      ...nowIn,
      nodes.map(({ write, node }) => node?.label ?? write.resourceType),
      nodes.map(({ node }) => arrayLiteral(node?.codes ?? [])),
      nodes.map(({ node }) => node?.encounterId ?? null),
      nodes.map(({ node }) => arrayLiteral(node?.providers ?? [])),
    ]),
    { name: 'journey-write-timeless-nodes', genericPlan },
  );
}
