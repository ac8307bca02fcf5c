import type { ModelVersion } from '@caregraph/core/domain';
import type { Database } from '../../platform/db/index.ts';
import { trainModelFromStream, type MatchRecord } from './engine/index.ts';
import { MpiError } from './errors.ts';
import { indexAllPatients } from './index-patients.ts';
import { activateModelVersion, saveActiveModel } from './model-store.ts';

export type TrainTenantOptions = {
  tenantId: string;
  /** Seed of the random pair sampling, for reproducible models. */
  seed?: number;
  onProgress?: (step: string, done: number, total: number) => void;
};

const READ_BATCH = 5000;

/** The tenant's live records in batches, in patient id order, read afresh on every call. */
export function streamRecords(db: Database, tenantId: string): () => AsyncGenerator<MatchRecord[]> {
  return async function* readBatches() {
    let after = '';
    for (;;) {
      const { rows } = await db.query<{ patient_id: string; record: MatchRecord }>(
        `SELECT patient_id, record FROM mpi_record
         WHERE tenant_id = $1 AND patient_id > $2 AND merged_into IS NULL ORDER BY patient_id LIMIT $3`,
        [tenantId, after, READ_BATCH],
        { name: 'mpi-train-read' },
      );
      if (rows.length > 0) {
        yield rows.map((row) => row.record);
      }
      const last = rows.at(-1);
      if (!last || rows.length < READ_BATCH) {
        return;
      }
      after = last.patient_id;
    }
  };
}

/**
 * Re-trains the tenant's matching model without labels over its whole population (u from random
 * pairs, m by EM per blocking rule) and stores it as a new, active version. The records are read
 * twice in batches and only a bounded sample of them is held (see the engine's `trainModelFromStream`),
 * so memory is that of the sample plus a few dozen bytes per patient. Golden records already formed
 * keep their membership; new writes match with the new model, and a dedupe run applies it to everyone.
 */
export async function trainTenantModel(db: Database, options: TrainTenantOptions): Promise<ModelVersion> {
  await indexAllPatients(db, { tenantId: options.tenantId });
  const model = await trainModelFromStream(streamRecords(db, options.tenantId), {
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const records = model.training?.records ?? 0;
  if (records < 2) {
    throw new MpiError('MPI_NOT_ENOUGH_RECORDS', `Training needs at least two patients; the tenant has ${records}`);
  }
  return db.transaction((tx) => saveActiveModel(tx, options.tenantId, model));
}

/** Makes a stored model version the active one again (rollback). */
export async function activateModel(
  db: Database,
  options: { tenantId: string; version: number },
): Promise<ModelVersion> {
  const activated = await db.transaction((tx) => activateModelVersion(tx, options.tenantId, options.version));
  if (!activated) {
    throw new MpiError('MPI_MODEL_NOT_FOUND', `No model version ${options.version}`);
  }
  return activated;
}
