import { createHash } from 'node:crypto';
import type { Patient } from '@medplum/fhirtypes';
import type { Queryable } from '../../platform/db/index.ts';
import { BLOCKING_VERSION, WIDE_BLOCK_SIZE, WIDE_KEY_PREFIX, type MatchRecord } from './engine/index.ts';

/**
 * The most records one blocking key may hold and still propose candidates. A key shared by more (a
 * common birth date in a huge population, a placeholder phone number) says little about identity
 * and would make one match cost thousands of comparisons, so it is skipped; the other keys of the
 * union still find the true pairs it held.
 */
export const MAX_BLOCK_SIZE = 500;

/**
 * The most distinct candidates one record's match reads and scores, each a random read of its record and
 * a comparison in the write's transaction. Its keys are taken smallest block first, so the specific ones
 * (identifiers, phone, e-mail, full name with birth date) are read and only large blocks (a surname and a
 * birth year) are left out. Measured (bench/mpi, 2026-11-24): against 100,000 generated patients the
 * lookup read 114 candidates on average and 407 at p99 without a budget, 72 and 100 with this one, and
 * every new patient's lookup still found the person's existing record, as it did with a budget of 25; on
 * FEBRL1–3 and fake_1000 the incremental blocking recall is unchanged down to a budget of 20. The margin
 * is for the specific blocks, which grow with the population (a birth date holds dozens in a million).
 */
export const CANDIDATE_BUDGET = 100;

/**
 * The most distinct candidates of one record in a batch deduplication, taken as `CANDIDATE_BUDGET`'s
 * are. Without one, blocks grow with the population until their cap: against 1,000,000 generated
 * patients a record's keys held 736 distinct candidates on average, about 370 million pairs in all, which
 * scoring would take hours on 2 cores. Measured there (bench/mpi, 2026-11-25, 3,000 random records and
 * their 3,342 true pairs, all of them in a shared block under its cap): a budget of 200 reads 171
 * candidates a record and keeps 99.94% of the true pairs on the side a batch scores them from (100:
 * 84 and 99.67%; 300: 255 and 99.97%). A batch run costs minutes per million records either way,
 * and a pair it misses stays apart until one of the two records is written again, so it takes the
 * larger budget; a single write's match must stay within milliseconds.
 */
export const DEDUPE_CANDIDATE_BUDGET = 200;

/**
 * The cap of the blocking key in the SQL expression `key`, given the SQL expression of the cap of ordinary
 * keys: a wide rule's key (see the engine's blocking rules) holds at most `WIDE_BLOCK_SIZE` records. Every
 * query that skips oversized keys uses it, so they all skip the same ones.
 */
export function blockCapSql(key: string, cap = String(MAX_BLOCK_SIZE)): string {
  return `(CASE WHEN starts_with(${key}, '${WIDE_KEY_PREFIX}') THEN LEAST(${cap}, ${WIDE_BLOCK_SIZE}) ELSE ${cap} END)`;
}

/** What the index holds about one patient. */
export type PatientState = {
  contentHash: string;
  blockKeys: string[];
  mergedInto: string | undefined;
  personId: string | undefined;
};

/** A patient found through the blocking keys, with its record and golden record. */
export type Candidate = { id: string; record: MatchRecord; personId: string | undefined };

/**
 * A hash of everything matching and survivorship read from a Patient: its normalised record and the
 * raw demographics the golden record copies, and the version of the blocking rules its keys come from.
 * Equal hashes mean a write changed neither; a record filed by older rules hashes differently, so the
 * next indexing run re-files it under the current keys.
 */
export function contentHashOf(record: MatchRecord, patient: Patient): string {
  const { name, birthDate, gender, address, telecom } = patient;
  return createHash('sha256')
    .update(canonicalJson([record, name, birthDate, gender, address, telecom, BLOCKING_VERSION]))
    .digest('base64url');
}

/** JSON with object keys sorted: a resource read back from jsonb has its keys in another order than as sent. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, child: unknown) =>
    typeof child === 'object' && child !== null && !Array.isArray(child)
      ? Object.fromEntries(Object.entries(child).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : child,
  );
}

export async function tryReadPatientState(
  q: Queryable,
  tenantId: string,
  patientId: string,
): Promise<PatientState | undefined> {
  const { rows } = await q.query<{
    content_hash: string;
    block_keys: string[];
    merged_into: string | null;
    person_id: string | null;
  }>(
    `SELECT r.content_hash, r.block_keys, r.merged_into, l.person_id
     FROM mpi_record r LEFT JOIN mpi_link l ON l.tenant_id = r.tenant_id AND l.patient_id = r.patient_id
     WHERE r.tenant_id = $1 AND r.patient_id = $2`,
    [tenantId, patientId],
    { name: 'mpi-patient-state', genericPlan: true },
  );
  const row = rows[0];
  return row
    ? {
        contentHash: row.content_hash,
        blockKeys: row.block_keys,
        mergedInto: row.merged_into ?? undefined,
        personId: row.person_id ?? undefined,
      }
    : undefined;
}

/**
 * Stores a patient's record and files it under its blocking keys (removing the keys it no longer
 * has). A merged-away record keeps no keys, so it is never a candidate.
 */
export async function upsertRecord(
  q: Queryable,
  options: {
    tenantId: string;
    record: MatchRecord;
    blockKeys: readonly string[];
    previousKeys: readonly string[];
    contentHash: string;
    now: Date;
  },
): Promise<void> {
  const { tenantId, record, blockKeys, previousKeys, contentHash, now } = options;
  await q.query(
    `WITH dropped AS (
       DELETE FROM mpi_block_key
       WHERE tenant_id = $1 AND key = ANY($3::text[]) AND patient_id = $2 AND NOT (key = ANY($4::text[]))
     ),
     added AS (
       INSERT INTO mpi_block_key (tenant_id, key, patient_id)
       SELECT $1, key, $2 FROM unnest($4::text[]) AS key
       ON CONFLICT DO NOTHING
     )
     INSERT INTO mpi_record (tenant_id, patient_id, record, source, block_keys, content_hash, updated_at)
     VALUES ($1, $2, $5::jsonb, $6, $4::text[], $7, $8)
     ON CONFLICT (tenant_id, patient_id) DO UPDATE
       SET record = EXCLUDED.record, source = EXCLUDED.source, block_keys = EXCLUDED.block_keys,
           content_hash = EXCLUDED.content_hash, updated_at = EXCLUDED.updated_at`,
    [tenantId, record.id, previousKeys, blockKeys, JSON.stringify(record), record.source, contentHash, now],
    { name: 'mpi-upsert-record', genericPlan: true },
  );
}

/** Forgets a patient: its record and its blocking keys. */
export async function deleteRecord(
  q: Queryable,
  tenantId: string,
  patientId: string,
  blockKeys: readonly string[],
): Promise<void> {
  await q.query(
    `WITH dropped AS (DELETE FROM mpi_block_key WHERE tenant_id = $1 AND key = ANY($3::text[]) AND patient_id = $2)
     DELETE FROM mpi_record WHERE tenant_id = $1 AND patient_id = $2`,
    [tenantId, patientId, blockKeys],
  );
}

/** Marks a record merged into another (no blocking keys, no longer a candidate), or live again with `undefined`. */
export async function setMergedInto(
  q: Queryable,
  options: { tenantId: string; patientId: string; mergedInto: string | undefined },
): Promise<void> {
  const { tenantId, patientId, mergedInto } = options;
  if (mergedInto === undefined) {
    await q.query(
      `WITH keys AS (
         INSERT INTO mpi_block_key (tenant_id, key, patient_id)
         SELECT tenant_id, unnest(block_keys), patient_id FROM mpi_record WHERE tenant_id = $1 AND patient_id = $2
         ON CONFLICT DO NOTHING
       )
       UPDATE mpi_record SET merged_into = NULL WHERE tenant_id = $1 AND patient_id = $2`,
      [tenantId, patientId],
    );
    return;
  }
  await q.query(
    `WITH dropped AS (
       DELETE FROM mpi_block_key
       WHERE tenant_id = $1 AND patient_id = $2
         AND key = ANY((SELECT block_keys FROM mpi_record WHERE tenant_id = $1 AND patient_id = $2)::text[])
     )
     UPDATE mpi_record SET merged_into = $3 WHERE tenant_id = $1 AND patient_id = $2`,
    [tenantId, patientId, mergedInto],
  );
}

/** Stored records by patient id, with their golden record and merge state. */
export async function loadRecords(
  q: Queryable,
  tenantId: string,
  patientIds: readonly string[],
): Promise<Map<string, { record: MatchRecord; personId: string | undefined; mergedInto: string | undefined }>> {
  if (patientIds.length === 0) {
    return new Map();
  }
  const { rows } = await q.query<{
    patient_id: string;
    record: MatchRecord;
    person_id: string | null;
    merged_into: string | null;
  }>(
    `SELECT r.patient_id, r.record, l.person_id, r.merged_into
     FROM mpi_record r LEFT JOIN mpi_link l ON l.tenant_id = r.tenant_id AND l.patient_id = r.patient_id
     WHERE r.tenant_id = $1 AND r.patient_id = ANY($2::text[])`,
    [tenantId, patientIds],
  );
  return new Map(
    rows.map((row) => [
      row.patient_id,
      { record: row.record, personId: row.person_id ?? undefined, mergedInto: row.merged_into ?? undefined },
    ]),
  );
}
