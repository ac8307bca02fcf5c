import type { Resource } from '@medplum/fhirtypes';
import type { Database, Queryable } from '../../platform/db/index.ts';
import { compartmentResourceTypes } from '../fhir/search/compartments.ts';
import { deriveContribution, extractJourneyRows, TENANT_LOCK_KEY } from './projection/index.ts';

/** How far a rebuild is: resources read of the tenant being rebuilt. */
export type RebuildProgress = { tenantId: string; done: number; total: number };

export type RebuildJourneyOptions = {
  db: Database;
  /** Only this tenant; every tenant when absent. */
  tenantId?: string;
  onProgress?: (progress: RebuildProgress) => void;
};

/** What the rebuilt projection holds, over the tenants rebuilt. */
export type RebuildReport = { patients: number; nodes: number; edges: number };

/** Resources read and written per round trip: enough to amortise it, few enough to keep memory flat. */
const BATCH_SIZE = 500;

type ResourceRow = { resource_type: string; id: string; content: Resource & { id: string } };

/** Node and edge rows of a batch, column by column for `unnest`. */
type Columns = {
  node: {
    patient: string[];
    type: string[];
    id: string[];
    start: (string | null)[];
    end: (string | null)[];
    label: string[];
    codes: string[];
    encounter: (string | null)[];
    providers: string[];
  };
  edge: {
    patient: string[];
    fromType: string[];
    fromId: string[];
    relation: string[];
    toType: string[];
    toId: string[];
    fromTime: (string | null)[];
  };
};

function emptyColumns(): Columns {
  return {
    node: { patient: [], type: [], id: [], start: [], end: [], label: [], codes: [], encounter: [], providers: [] },
    edge: { patient: [], fromType: [], fromId: [], relation: [], toType: [], toId: [], fromTime: [] },
  };
}

/**
 * A text[] value as a PostgreSQL array literal, so a batch's per-node arrays travel as one text[]
 * column (unnest cannot take an array of arrays of different lengths).
 */
function arrayLiteral(values: readonly string[]): string {
  return `{${values.map((value) => `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`;
}

function addResource(columns: Columns, row: ResourceRow): void {
  const contribution = deriveContribution(
    row.content as Record<string, unknown> & { resourceType: string; id: string },
    extractJourneyRows(row.content),
  );
  const { node } = contribution;
  for (const patient of contribution.patients) {
    columns.node.patient.push(patient);
    columns.node.type.push(row.resource_type);
    columns.node.id.push(row.id);
    columns.node.start.push(node.startTime);
    columns.node.end.push(node.endTime);
    columns.node.label.push(node.label);
    columns.node.codes.push(arrayLiteral(node.codes));
    columns.node.encounter.push(node.encounterId);
    columns.node.providers.push(arrayLiteral(node.providers));
    for (const link of contribution.links) {
      columns.edge.patient.push(patient);
      columns.edge.fromType.push(row.resource_type);
      columns.edge.fromId.push(row.id);
      columns.edge.relation.push(link.relation);
      columns.edge.toType.push(link.toType);
      columns.edge.toId.push(link.toId);
      columns.edge.fromTime.push(node.startTime);
    }
  }
}

async function writeColumns(tx: Queryable, tenantId: string, columns: Columns): Promise<void> {
  const { node, edge } = columns;
  await tx.query(
    `WITH nodes AS (
       INSERT INTO journey_node (tenant_id, patient_id, resource_type, resource_id, start_time, end_time, label, codes, encounter_id, providers)
       SELECT $1, patient, type, id, start_time, end_time, label, codes::text[], encounter, providers::text[]
       FROM unnest($2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::text[], $8::text[], $9::text[], $10::text[])
         AS n(patient, type, id, start_time, end_time, label, codes, encounter, providers)
     )
     INSERT INTO journey_edge (tenant_id, patient_id, from_type, from_id, relation, to_type, to_id, from_time)
     SELECT $1, * FROM unnest($11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::timestamptz[])`,
    [
      tenantId,
      node.patient,
      node.type,
      node.id,
      node.start,
      node.end,
      node.label,
      node.codes,
      node.encounter,
      node.providers,
      edge.patient,
      edge.fromType,
      edge.fromId,
      edge.relation,
      edge.toType,
      edge.toId,
      edge.fromTime,
    ],
  );
}

/**
 * Each patient's `next` chain at once: every dated node to the one after it in
 * (start_time, resource_type, resource_id) order — the order writes maintain it in.
 */
const INSERT_NEXT = `
INSERT INTO journey_edge (tenant_id, patient_id, from_type, from_id, relation, to_type, to_id, from_time)
SELECT tenant_id, patient_id, resource_type, resource_id, 'next', next_type, next_id, start_time
FROM (
  SELECT tenant_id, patient_id, resource_type, resource_id, start_time,
         lead(resource_type) OVER timeline AS next_type, lead(resource_id) OVER timeline AS next_id
  FROM journey_node
  WHERE tenant_id = $1 AND start_time IS NOT NULL
  WINDOW timeline AS (PARTITION BY patient_id ORDER BY start_time, resource_type, resource_id)
) ordered
WHERE next_id IS NOT NULL`;

async function rebuildTenant(
  db: Database,
  tenantId: string,
  onProgress: RebuildJourneyOptions['onProgress'],
): Promise<RebuildReport> {
  const types = compartmentResourceTypes('Patient');
  return db.transaction(async (tx) => {
    // Writers hold this lock shared while they patch the projection: none runs half against the old graph.
    await tx.query(`SELECT pg_advisory_xact_lock(${TENANT_LOCK_KEY})`, [tenantId]);
    await tx.query(
      'WITH edges AS (DELETE FROM journey_edge WHERE tenant_id = $1) DELETE FROM journey_node WHERE tenant_id = $1',
      [tenantId],
    );
    const counted = await tx.query<{ total: string }>(
      'SELECT count(*) AS total FROM resource WHERE tenant_id = $1 AND resource_type = ANY($2::text[]) AND NOT deleted',
      [tenantId, types],
    );
    const total = Number(counted.rows[0]?.total ?? 0);
    let done = 0;
    onProgress?.({ tenantId, done, total });
    // Keyset pages in primary-key order: each page is one index range scan, however far along.
    let after = { type: '', id: '' };
    for (;;) {
      const page = await tx.query<ResourceRow>(
        `SELECT resource_type, id, content FROM resource
         WHERE tenant_id = $1 AND resource_type = ANY($2::text[]) AND NOT deleted AND (resource_type, id) > ($3, $4)
         ORDER BY resource_type, id
         LIMIT ${BATCH_SIZE}`,
        [tenantId, types, after.type, after.id],
      );
      const last = page.rows.at(-1);
      if (!last) {
        break;
      }
      const columns = emptyColumns();
      for (const row of page.rows) {
        addResource(columns, row);
      }
      await writeColumns(tx, tenantId, columns);
      done += page.rows.length;
      onProgress?.({ tenantId, done, total });
      after = { type: last.resource_type, id: last.id };
    }
    await tx.query(INSERT_NEXT, [tenantId]);
    const summary = await tx.query<{ patients: string; nodes: string; edges: string }>(
      `SELECT (SELECT count(DISTINCT patient_id) FROM journey_node WHERE tenant_id = $1) AS patients,
              (SELECT count(*) FROM journey_node WHERE tenant_id = $1) AS nodes,
              (SELECT count(*) FROM journey_edge WHERE tenant_id = $1) AS edges`,
      [tenantId],
    );
    const row = summary.rows[0];
    return { patients: Number(row?.patients ?? 0), nodes: Number(row?.nodes ?? 0), edges: Number(row?.edges ?? 0) };
  });
}

/**
 * Recomputes the journey projection from the stored resources alone, one tenant per transaction
 * (every tenant, or the one named; an unknown tenant is an error):
 * resources are read in pages and their nodes and edges written per page, then every `next` chain
 * in one statement. Readers see the old graph until the tenant's transaction commits.
 */
export async function rebuildJourney(options: RebuildJourneyOptions): Promise<RebuildReport> {
  const { db, onProgress } = options;
  const { rows } = await db.query<{ id: string }>(
    'SELECT id FROM tenant WHERE $1::text IS NULL OR id = $1 ORDER BY id',
    [options.tenantId ?? null],
  );
  if (options.tenantId !== undefined && rows.length === 0) {
    throw new Error(`no tenant "${options.tenantId}"`);
  }
  const tenants = rows.map((row) => row.id);
  const report: RebuildReport = { patients: 0, nodes: 0, edges: 0 };
  for (const tenantId of tenants) {
    const tenantReport = await rebuildTenant(db, tenantId, onProgress);
    report.patients += tenantReport.patients;
    report.nodes += tenantReport.nodes;
    report.edges += tenantReport.edges;
  }
  // Fresh statistics for the rewritten tables: the embedded database runs no autovacuum, and the
  // planner needs them to pick the per-patient indexes for journey reads and writes.
  await db.query('ANALYZE journey_node, journey_edge');
  return report;
}
