import type { Queryable } from '../../platform/db/index.ts';

/** A reviewer's decision on a pair: same person (`link`), or not (`not-a-match`, `unlink`). */
export type ManualDecision = 'link' | 'not-a-match' | 'unlink';

export type StoredDecision = { a: string; b: string; decision: ManualDecision; decidedBy: string; decidedAt: Date };

/** A pair in the stored order (`a < b`), so each pair has one row. */
export function orderedPair(x: string, y: string): [string, string] {
  return x < y ? [x, y] : [y, x];
}

/** A map key for an unordered pair. */
export function pairKey(x: string, y: string): string {
  const [a, b] = orderedPair(x, y);
  return `${a}\u0000${b}`;
}

/** Whether a decision keeps the pair apart. */
export function isSeparation(decision: ManualDecision): boolean {
  return decision !== 'link';
}

/** The decisions between any two of `patientIds`. */
/** A row of `mpi_decision` as the loaders select it. */
type DecisionRow = {
  patient_a: string;
  patient_b: string;
  decision: ManualDecision;
  decided_by: string;
  decided_at: Date;
};

export async function loadDecisionsAmong(
  q: Queryable,
  tenantId: string,
  patientIds: readonly string[],
): Promise<StoredDecision[]> {
  if (patientIds.length < 2) {
    return [];
  }
  const { rows } = await q.query<DecisionRow>(
    `SELECT patient_a, patient_b, decision, decided_by, decided_at FROM mpi_decision
     WHERE tenant_id = $1 AND patient_a = ANY($2::text[]) AND patient_b = ANY($2::text[])`,
    [tenantId, patientIds],
    { name: 'mpi-decisions-among', genericPlan: true },
  );
  return rows.map(toDecision);
}

/** Every decision involving `patientId`. */
export async function loadDecisionsOf(q: Queryable, tenantId: string, patientId: string): Promise<StoredDecision[]> {
  const { rows } = await q.query<DecisionRow>(
    `SELECT patient_a, patient_b, decision, decided_by, decided_at FROM mpi_decision
     WHERE tenant_id = $1 AND patient_a = $2
     UNION ALL
     SELECT patient_a, patient_b, decision, decided_by, decided_at FROM mpi_decision
     WHERE tenant_id = $1 AND patient_b = $2`,
    [tenantId, patientId],
    { name: 'mpi-decisions-of', genericPlan: true },
  );
  return rows.map(toDecision);
}

function toDecision(row: DecisionRow): StoredDecision {
  return {
    a: row.patient_a,
    b: row.patient_b,
    decision: row.decision,
    decidedBy: row.decided_by,
    decidedAt: new Date(row.decided_at),
  };
}

/** The decision on one pair, if any. */
export async function tryReadDecision(
  q: Queryable,
  tenantId: string,
  x: string,
  y: string,
): Promise<StoredDecision | undefined> {
  const [a, b] = orderedPair(x, y);
  const { rows } = await q.query<DecisionRow>(
    `SELECT patient_a, patient_b, decision, decided_by, decided_at FROM mpi_decision
     WHERE tenant_id = $1 AND patient_a = $2 AND patient_b = $3`,
    [tenantId, a, b],
  );
  return rows[0] ? toDecision(rows[0]) : undefined;
}

/** Records a reviewer's decision on a pair; a later manual decision on the pair replaces it. */
export async function recordDecision(
  q: Queryable,
  options: { tenantId: string; x: string; y: string; decision: ManualDecision; decidedBy: string; now: Date },
): Promise<void> {
  const [a, b] = orderedPair(options.x, options.y);
  await q.query(
    `INSERT INTO mpi_decision (tenant_id, patient_a, patient_b, decision, decided_by, decided_at)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (tenant_id, patient_a, patient_b) DO UPDATE
       SET decision = EXCLUDED.decision, decided_by = EXCLUDED.decided_by, decided_at = EXCLUDED.decided_at`,
    [options.tenantId, a, b, options.decision, options.decidedBy, options.now],
  );
}

/** Puts back a pair's decision as it was before (none when `previous` is undefined); used by unmerge. */
export async function restoreDecision(
  q: Queryable,
  tenantId: string,
  pair: [string, string],
  previous: StoredDecision | undefined,
): Promise<void> {
  const [a, b] = orderedPair(pair[0], pair[1]);
  if (!previous) {
    await q.query('DELETE FROM mpi_decision WHERE tenant_id = $1 AND patient_a = $2 AND patient_b = $3', [
      tenantId,
      a,
      b,
    ]);
    return;
  }
  await recordDecision(q, {
    tenantId,
    x: a,
    y: b,
    decision: previous.decision,
    decidedBy: previous.decidedBy,
    now: previous.decidedAt,
  });
}
