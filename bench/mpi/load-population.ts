// Loads a generated population as a database that predates the master patient index holds it:
// each Patient's first version through the store's batch writer (current and history rows, search
// index, audit entry, journey), without the per-write matching of the store's single-version write
// path (`writeVersion` would match every patient against those before it: the incremental path, not
// the batch run this loads for).
import type { Patient } from '@medplum/fhirtypes';
import type { Database } from '../../packages/server/src/index.ts';
import { writeVersions } from '../../packages/server/src/modules/fhir/store/write-versions.ts';
import type { PopulationRecord } from './population/generate-population.ts';

/** Patients per transaction. */
export const LOAD_BATCH = 2000;

/** Writes one batch of Patients (version 1, created now) in one transaction. */
async function writeBatch(db: Database, tenantId: string, patients: Patient[]): Promise<void> {
  await db.transaction(async (tx) => {
    await writeVersions(
      { tenantId, tx, now: () => new Date() },
      patients.map((patient) => ({
        resourceType: 'Patient',
        id: patient.id ?? '',
        resource: patient,
        previous: undefined,
        method: 'POST',
      })),
    );
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
