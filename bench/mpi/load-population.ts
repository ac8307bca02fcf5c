// Loads a generated population as a database that predates the master patient index holds it:
// the resource rows, their first history versions and their search index, written in bulk and
// without the per-write matching the store's write path runs (`writeVersion` would match every
// patient against those before it: the incremental path, not the batch run this loads for).
import type { Patient } from '@medplum/fhirtypes';
import type { Database } from '../../packages/server/src/index.ts';
import { extractIndexRows } from '../../packages/server/src/modules/fhir/search/extract-index.ts';
import { insertIndexRows } from '../../packages/server/src/modules/fhir/store/write-index.ts';
import type { PopulationRecord } from './population/generate-population.ts';

/** Patients per transaction. */
export const LOAD_BATCH = 2000;

/** Writes one batch of Patients (version 1, created now) in one transaction. */
async function writeBatch(db: Database, tenantId: string, patients: Patient[]): Promise<void> {
  const now = new Date();
  const stored = patients.map((patient) => ({
    ...patient,
    meta: { ...patient.meta, versionId: '1', lastUpdated: now.toISOString() },
  }));
  const ids = stored.map((patient) => patient.id ?? '');
  const contents = stored.map((patient) => JSON.stringify(patient));
  await db.transaction(async (tx) => {
    await tx.query(
      `WITH rows AS (SELECT * FROM unnest($2::text[], $3::jsonb[]) AS r(id, content)),
       current AS (
         INSERT INTO resource (tenant_id, resource_type, id, version_id, last_updated, deleted, content)
         SELECT $1, 'Patient', id, 1, $4, false, content FROM rows
       )
       INSERT INTO resource_history (tenant_id, resource_type, id, version_id, last_updated, deleted, method, content)
       SELECT $1, 'Patient', id, 1, $4, false, 'POST', content FROM rows`,
      [tenantId, ids, contents, now],
    );
    for (const patient of stored) {
      await insertIndexRows(tx, tenantId, 'Patient', patient.id ?? '', extractIndexRows(patient));
    }
  });
}

/**
 * Writes the first `count` records of `records` into the tenant, `LOAD_BATCH` per transaction,
 * holding one batch in memory at a time; resolves to the seconds it took.
 */
export async function loadPopulation(
  db: Database,
  options: {
    tenantId: string;
    records: Iterator<PopulationRecord>;
    count: number;
    onProgress?: (written: number) => void;
  },
): Promise<number> {
  const started = performance.now();
  let written = 0;
  while (written < options.count) {
    const batch: Patient[] = [];
    while (batch.length < LOAD_BATCH && written + batch.length < options.count) {
      const next = options.records.next();
      if (next.done) {
        break;
      }
      batch.push(next.value.patient);
    }
    if (batch.length === 0) {
      break;
    }
    await writeBatch(db, options.tenantId, batch);
    written += batch.length;
    options.onProgress?.(written);
  }
  return (performance.now() - started) / 1000;
}
