import type { Queryable } from '../../platform/db/index.ts';
import type { MatchRecord } from './engine/index.ts';
import { blockCapSql, CANDIDATE_BUDGET, MAX_BLOCK_SIZE, type Candidate } from './mpi-records.ts';
import type { ActiveModelRef } from './model-store.ts';

/** The candidates a record's blocking keys find, and which model version is active. */
export type CandidateLookup = {
  candidates: Candidate[];
  /** Keys skipped because their block holds more records than its cap. */
  oversizedKeys: number;
  /** Keys under their cap left out because their block would take the candidates past the budget. */
  keysOverBudget: number;
  model: ActiveModelRef;
  /** The tenant's source systems in trust order (settings), which golden records need. */
  sourceTrust: string[];
};

type CandidateRow = {
  patient_id: string | null;
  record: MatchRecord | null;
  person_id: string | null;
  oversized: number | string;
  over_budget: number | string;
  model_version: number | null;
  model_trained_at: Date | string | null;
  source_trust: string[] | null;
};

/**
 * The lookup shared by matching and `$match` ($1 tenant, $2 the patient itself, $3 its keys, $4 the
 * block cap of ordinary keys, wide keys having their own, `budget` the SQL parameter of the candidate
 * budget): one primary-key range per key, reading at most one row past its cap so an oversized block is
 * skipped without being read. The other keys are taken smallest block first (the most specific ones:
 * identifiers, full name and birth date), each with its whole block, while the distinct candidates so
 * far stay within the budget: a patient counts for the first key that holds it, so the running total is
 * a sum over keys in that order. Then the candidates' records and golden records, and the tenant's
 * active model version and source trust order, so a match needs no separate round trip for them.
 */
function candidatesSql(budget: string): string {
  return `
  key_cap AS (SELECT key, ${blockCapSql('key', '$4::int')} AS cap FROM unnest($3::text[]) AS k(key)),
  hits AS (
    SELECT k.key, k.cap, m.patient_id
    FROM key_cap k
    CROSS JOIN LATERAL (
      SELECT patient_id FROM mpi_block_key WHERE tenant_id = $1 AND key = k.key LIMIT k.cap + 1
    ) m
  ),
  sizes AS (SELECT key, count(*) AS size, count(*) > min(cap) AS is_oversized FROM hits GROUP BY key),
  ranked AS (SELECT key, row_number() OVER (ORDER BY size, key) AS rank FROM sizes WHERE NOT is_oversized),
  first_seen AS (
    SELECT h.patient_id, min(r.rank) AS rank FROM hits h JOIN ranked r USING (key)
    WHERE h.patient_id <> $2 GROUP BY h.patient_id
  ),
  running AS (
    SELECT r.rank, sum(count(f.patient_id)) OVER (ORDER BY r.rank) AS total
    FROM ranked r LEFT JOIN first_seen f ON f.rank = r.rank GROUP BY r.rank
  ),
  candidate AS (
    -- The smallest block is always taken, even past the budget: a record is never left with no candidates.
    SELECT f.patient_id FROM first_seen f JOIN running t ON t.rank = f.rank
    WHERE t.total <= ${budget}::int OR t.rank = 1
  )
  SELECT c.patient_id, r.record, l.person_id,
         (SELECT count(*) FROM sizes WHERE is_oversized) AS oversized,
         (SELECT count(*) FROM running WHERE total > ${budget}::int AND rank > 1) AS over_budget,
         active.version AS model_version, active.trained_at AS model_trained_at, setting.source_trust
  FROM (SELECT 1) one
  LEFT JOIN mpi_model active ON active.tenant_id = $1 AND active.active
  LEFT JOIN mpi_setting setting ON setting.tenant_id = $1
  LEFT JOIN (
    candidate c
    JOIN mpi_record r ON r.tenant_id = $1 AND r.patient_id = c.patient_id AND r.merged_into IS NULL
    LEFT JOIN mpi_link l ON l.tenant_id = $1 AND l.patient_id = c.patient_id
  ) ON true`;
}

function toLookup(rows: CandidateRow[]): CandidateLookup {
  const candidates: Candidate[] = [];
  for (const row of rows) {
    if (row.patient_id !== null && row.record !== null) {
      candidates.push({ id: row.patient_id, record: row.record, personId: row.person_id ?? undefined });
    }
  }
  const first = rows[0];
  return {
    candidates,
    oversizedKeys: Number(first?.oversized ?? 0),
    keysOverBudget: Number(first?.over_budget ?? 0),
    model:
      first && first.model_version !== null && first.model_trained_at !== null
        ? { version: first.model_version, trainedAt: new Date(first.model_trained_at) }
        : undefined,
    sourceTrust: first?.source_trust ?? [],
  };
}

/**
 * The patients sharing a blocking key with `keys`, except `patientId`; keys holding more than
 * `maxBlockSize` records (wide keys: more than `WIDE_BLOCK_SIZE`) are skipped, and so are the largest
 * blocks that would take the candidates past `candidateBudget`.
 */
export async function findCandidates(
  q: Queryable,
  options: {
    tenantId: string;
    patientId: string;
    keys: readonly string[];
    maxBlockSize?: number;
    candidateBudget?: number;
  },
): Promise<CandidateLookup> {
  const { rows } = await q.query<CandidateRow>(
    `WITH ${candidatesSql('$5')}`,
    [
      options.tenantId,
      options.patientId,
      options.keys,
      options.maxBlockSize ?? MAX_BLOCK_SIZE,
      options.candidateBudget ?? CANDIDATE_BUDGET,
    ],
    { name: 'mpi-find-candidates' },
  );
  return toLookup(rows);
}

/**
 * Files a record under its blocking keys (dropping the keys it no longer has), stores it when its
 * content changed, and finds its candidates, in one statement. The candidates are read from the
 * statement's snapshot, taken after the caller locked the keys (`prepareRecordWrite`), so they
 * include every record a concurrent writer of these keys committed; the record's own new rows are
 * not visible to the lookup, and its old ones are excluded with it.
 */
export async function fileRecordAndFindCandidates(
  q: Queryable,
  options: {
    tenantId: string;
    record: MatchRecord;
    keys: readonly string[];
    previousKeys: readonly string[];
    contentHash: string;
    now: Date;
  },
): Promise<CandidateLookup> {
  const { tenantId, record, keys, previousKeys, contentHash, now } = options;
  const { rows } = await q.query<CandidateRow>(
    `WITH dropped AS (
       DELETE FROM mpi_block_key
       WHERE tenant_id = $1 AND key = ANY($5::text[]) AND patient_id = $2 AND NOT (key = ANY($3::text[]))
     ),
     added AS (
       INSERT INTO mpi_block_key (tenant_id, key, patient_id)
       SELECT $1, key, $2 FROM unnest($3::text[]) AS key WHERE NOT (key = ANY($5::text[]))
       ON CONFLICT DO NOTHING
     ),
     stored AS (
       UPDATE mpi_record
       SET record = $6::jsonb, source = $7, block_keys = $3::text[], content_hash = $8, updated_at = $9
       WHERE tenant_id = $1 AND patient_id = $2 AND content_hash <> $8
     ),
     ${candidatesSql('$10')}`,
    [
      tenantId,
      record.id,
      keys,
      MAX_BLOCK_SIZE,
      previousKeys,
      JSON.stringify(record),
      record.source,
      contentHash,
      now,
      CANDIDATE_BUDGET,
    ],
    { name: 'mpi-file-find-candidates', genericPlan: true },
  );
  return toLookup(rows);
}
