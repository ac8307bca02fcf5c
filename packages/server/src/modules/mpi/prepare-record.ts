import type { Queryable } from '../../platform/db/index.ts';
import type { MatchRecord } from './engine/index.ts';
import type { LinkMember } from './member-links.ts';
import type { PatientState } from './mpi-records.ts';

/** What the index held about a patient before this write, with what decides whether to re-cluster it. */
export type PriorState = PatientState & {
  /** The members of its golden record (itself included), for `Patient.link`. */
  members: LinkMember[];
  /** Whether a reviewer decided about any pair it is in. */
  hasDecisions: boolean;
  /** Whether a review of any pair it is in is open. */
  hasOpenReviews: boolean;
};

/** The outcome of preparing a write: whether this write's record claimed the id, and the prior state. */
export type PreparedWrite = { isClaimed: boolean; state: PriorState | undefined };

type PrepareRow = {
  claimed: number | string;
  content_hash: string | null;
  block_keys: string[] | null;
  merged_into: string | null;
  person_id: string | null;
  members: Array<{ id: string; mergedInto: string | null }> | null;
  has_decisions: boolean;
  has_open_reviews: boolean;
};

/**
 * The first statement of a Patient write: reads what the index holds about the patient, stores its
 * record when the index has none (claiming the id: a concurrent creator of the same id waits here,
 * before holding any blocking key), and, when the record is new or its content changed, locks its
 * blocking keys' rows in key order (so writers sharing keys cannot deadlock on them). A writer that
 * waited for a key sees the other writer's record in its next statement, which reads candidates.
 * A write that changes nothing the index reads locks nothing.
 */
export async function prepareRecordWrite(
  q: Queryable,
  options: { tenantId: string; record: MatchRecord; keys: readonly string[]; contentHash: string; now: Date },
): Promise<PreparedWrite> {
  const { tenantId, record, keys, contentHash, now } = options;
  const { rows } = await q.query<PrepareRow>(
    `WITH state AS (
       SELECT r.content_hash, r.block_keys, r.merged_into, l.person_id
       FROM mpi_record r LEFT JOIN mpi_link l ON l.tenant_id = r.tenant_id AND l.patient_id = r.patient_id
       WHERE r.tenant_id = $1 AND r.patient_id = $2
     ),
     claimed AS (
       INSERT INTO mpi_record (tenant_id, patient_id, record, source, block_keys, content_hash, updated_at)
       VALUES ($1, $2, $3::jsonb, $4, $5::text[], $6, $7)
       ON CONFLICT (tenant_id, patient_id) DO NOTHING
       RETURNING patient_id
     ),
     locked AS (
       -- DO UPDATE ... WHERE false locks an existing row without writing a new version of it.
       INSERT INTO mpi_block_lock (tenant_id, key)
       SELECT $1, key FROM unnest($5::text[]) AS key
       WHERE EXISTS (SELECT 1 FROM claimed)
          OR EXISTS (SELECT 1 FROM state WHERE content_hash <> $6 AND merged_into IS NULL)
       ORDER BY key
       ON CONFLICT (tenant_id, key) DO UPDATE SET key = EXCLUDED.key WHERE false
     )
     SELECT (SELECT count(*) FROM claimed) AS claimed, s.content_hash, s.block_keys, s.merged_into, s.person_id,
       (SELECT json_agg(json_build_object('id', m.patient_id, 'mergedInto', mr.merged_into))
        FROM mpi_link m LEFT JOIN mpi_record mr ON mr.tenant_id = m.tenant_id AND mr.patient_id = m.patient_id
        WHERE m.tenant_id = $1 AND m.person_id = s.person_id) AS members,
       EXISTS (SELECT 1 FROM mpi_decision WHERE tenant_id = $1 AND patient_a = $2)
         OR EXISTS (SELECT 1 FROM mpi_decision WHERE tenant_id = $1 AND patient_b = $2) AS has_decisions,
       EXISTS (SELECT 1 FROM mpi_review WHERE tenant_id = $1 AND status = 'open' AND patient_a = $2)
         OR EXISTS (SELECT 1 FROM mpi_review WHERE tenant_id = $1 AND status = 'open' AND patient_b = $2)
         AS has_open_reviews
     FROM (SELECT 1) one LEFT JOIN state s ON true`,
    [tenantId, record.id, JSON.stringify(record), record.source, keys, contentHash, now],
    { name: 'mpi-prepare-write', genericPlan: true },
  );
  const row = rows[0];
  if (!row) {
    throw new Error('mpi-prepare-write returned no row');
  }
  const state: PriorState | undefined =
    row.content_hash === null
      ? undefined
      : {
          contentHash: row.content_hash,
          blockKeys: row.block_keys ?? [],
          mergedInto: row.merged_into ?? undefined,
          personId: row.person_id ?? undefined,
          members: (row.members ?? []).map((member) => ({ id: member.id, mergedInto: member.mergedInto ?? undefined })),
          hasDecisions: row.has_decisions,
          hasOpenReviews: row.has_open_reviews,
        };
  return { isClaimed: Number(row.claimed) > 0, state };
}
