import type { Patient } from '@medplum/fhirtypes';
import type { Database, Queryable } from '../../platform/db/index.ts';
import { blockingKeys } from './engine/index.ts';
import { contentHashOf } from './mpi-records.ts';
import { indexedRecordMaker } from './sealed-identifiers.ts';

/** Patients read and filed per transaction when indexing a whole population. */
export const INDEX_BATCH = 500;

/**
 * Files one batch of a tenant's live Patients (ids after `after`, in id order) in the index: each
 * record is (re)computed and stored with its blocking keys when it changed, so patients stored
 * before the index existed, or normalised by an older engine, are brought up to date. Nothing is
 * clustered here. Returns the last id read, or undefined when there was none.
 */
export async function indexPatientBatch(
  q: Queryable,
  options: { tenantId: string; after: string; limit?: number; now: Date },
): Promise<{ last: string | undefined; read: number }> {
  const { tenantId, after, now } = options;
  const { rows } = await q.query<{ id: string; content: Patient & { id: string } }>(
    `SELECT id, content FROM resource
     WHERE tenant_id = $1 AND resource_type = 'Patient' AND id > $2 AND NOT deleted
     ORDER BY id LIMIT $3`,
    [tenantId, after, options.limit ?? INDEX_BATCH],
  );
  if (rows.length === 0) {
    return { last: undefined, read: 0 };
  }
  const { rows: stored } = await q.query<{
    patient_id: string;
    content_hash: string;
    block_keys: string[];
    merged_into: string | null;
  }>(
    'SELECT patient_id, content_hash, block_keys, merged_into FROM mpi_record WHERE tenant_id = $1 AND patient_id = ANY($2::text[])',
    [tenantId, rows.map((row) => row.id)],
  );
  const states = new Map(stored.map((row) => [row.patient_id, row]));
  const dropped: { key: string[]; patient: string[] } = { key: [], patient: [] };
  const added: { key: string[]; patient: string[] } = { key: [], patient: [] };
  const upserts: { id: string[]; record: string[]; source: string[]; keys: string[]; hash: string[] } = {
    id: [],
    record: [],
    source: [],
    keys: [],
    hash: [],
  };
  const patients = rows.map((row) => row.content);
  const toRecord = await indexedRecordMaker(q, tenantId, patients, { create: true });
  for (const row of rows) {
    const record = toRecord(row.content);
    const hash = contentHashOf(record, row.content);
    const state = states.get(row.id);
    if (state?.content_hash === hash) {
      continue;
    }
    // A merged-away record stays out of the blocking index.
    const keys = state?.merged_into ? [] : blockingKeys(record);
    for (const key of state?.block_keys ?? []) {
      if (!keys.includes(key)) {
        dropped.key.push(key);
        dropped.patient.push(row.id);
      }
    }
    for (const key of keys) {
      added.key.push(key);
      added.patient.push(row.id);
    }
    upserts.id.push(row.id);
    upserts.record.push(JSON.stringify(record));
    upserts.source.push(record.source);
    upserts.keys.push(JSON.stringify(keys));
    upserts.hash.push(hash);
  }
  if (upserts.id.length > 0) {
    await q.query(
      `WITH dropped AS (
         DELETE FROM mpi_block_key WHERE ctid = ANY (ARRAY(
           SELECT k.ctid FROM unnest($2::text[], $3::text[]) AS d(key, patient_id)
           JOIN mpi_block_key k ON k.tenant_id = $1 AND k.key = d.key AND k.patient_id = d.patient_id
         ))
       ),
       added AS (
         INSERT INTO mpi_block_key (tenant_id, key, patient_id)
         SELECT $1, key, patient_id FROM unnest($4::text[], $5::text[]) AS a(key, patient_id)
         ON CONFLICT DO NOTHING
       )
       INSERT INTO mpi_record (tenant_id, patient_id, record, source, block_keys, content_hash, updated_at)
       SELECT $1, id, record::jsonb, source, ARRAY(SELECT jsonb_array_elements_text(keys::jsonb)), hash, $11
       FROM unnest($6::text[], $7::text[], $8::text[], $9::text[], $10::text[]) AS u(id, record, source, keys, hash)
       ON CONFLICT (tenant_id, patient_id) DO UPDATE
         SET record = EXCLUDED.record, source = EXCLUDED.source, block_keys = EXCLUDED.block_keys,
             content_hash = EXCLUDED.content_hash, updated_at = EXCLUDED.updated_at`,
      [
        tenantId,
        dropped.key,
        dropped.patient,
        added.key,
        added.patient,
        upserts.id,
        upserts.record,
        upserts.source,
        upserts.keys,
        upserts.hash,
        now,
      ],
    );
  }
  return { last: rows.at(-1)?.id, read: rows.length };
}

/** Files every live Patient of the tenant in the index, one batch per transaction. */
export async function indexAllPatients(
  db: Database,
  options: { tenantId: string; after?: string; onBatch?: (last: string, read: number) => Promise<void> | void },
): Promise<number> {
  let after = options.after ?? '';
  let total = 0;
  for (;;) {
    const batch = await db.transaction((tx) =>
      indexPatientBatch(tx, { tenantId: options.tenantId, after, now: new Date() }),
    );
    if (!batch.last) {
      return total;
    }
    total += batch.read;
    after = batch.last;
    await options.onBatch?.(after, batch.read);
  }
}
