import { randomUUID } from 'node:crypto';
import type { Task } from '@medplum/fhirtypes';
import type { MatchGrade, ReviewDecisionKind } from '@caregraph/core/domain';
import type { PairScore } from './engine/index.ts';
import { createWithId, tryReadLive, writeUpdate, type StoreContext } from './fhir-store.ts';

/** The code system of review tasks and their inputs and outputs. */
export const MPI_TASK_SYSTEM = 'http://caregraph.dev/fhir/CodeSystem/mpi-task';
export const POTENTIAL_DUPLICATE = 'potential-duplicate';

/** A review as stored beside its Task. */
export type StoredReview = {
  taskId: string;
  a: string;
  b: string;
  probability: number;
  grade: MatchGrade;
  status: 'open' | 'closed';
  decision: ReviewDecisionKind | 'resolved' | undefined;
  decidedBy: string | undefined;
  createdAt: Date;
  decidedAt: Date | undefined;
};

type ReviewRow = {
  task_id: string;
  patient_a: string;
  patient_b: string;
  probability: number;
  grade: MatchGrade;
  status: 'open' | 'closed';
  decision: ReviewDecisionKind | 'resolved' | null;
  decided_by: string | null;
  created_at: Date;
  decided_at: Date | null;
};

export const REVIEW_COLUMNS =
  'task_id, patient_a, patient_b, probability, grade, status, decision, decided_by, created_at, decided_at';

export function toStoredReview(row: ReviewRow): StoredReview {
  return {
    taskId: row.task_id,
    a: row.patient_a,
    b: row.patient_b,
    probability: row.probability,
    grade: row.grade,
    status: row.status,
    decision: row.decision ?? undefined,
    decidedBy: row.decided_by ?? undefined,
    createdAt: new Date(row.created_at),
    decidedAt: row.decided_at ? new Date(row.decided_at) : undefined,
  };
}

export type { ReviewRow };

function coded(code: string, display?: string) {
  return { coding: [{ system: MPI_TASK_SYSTEM, code, ...(display ? { display } : {}) }] };
}

/**
 * The FHIR Task asking a person whether two Patients are the same: `focus` is the record that was
 * being written, the first input the candidate, then the match probability and grade.
 */
export function buildReviewTask(options: { id: string; a: string; b: string; score: PairScore; now: Date }): Task & {
  id: string;
} {
  return {
    resourceType: 'Task',
    id: options.id,
    status: 'requested',
    intent: 'proposal',
    priority: 'routine',
    code: coded(POTENTIAL_DUPLICATE, 'Potential duplicate patient'),
    description: 'Decide whether these two patient records are the same person',
    focus: { reference: `Patient/${options.a}` },
    for: { reference: `Patient/${options.a}` },
    authoredOn: options.now.toISOString(),
    input: [
      { type: coded('candidate'), valueReference: { reference: `Patient/${options.b}` } },
      { type: coded('match-probability'), valueDecimal: Number(options.score.probability.toFixed(6)) },
      { type: coded('match-grade'), valueCode: options.score.grade },
    ],
  };
}

/** The Task after its review closed: completed with the decision, or cancelled when settled otherwise. */
export function closeReviewTask(task: Task, decision: ReviewDecisionKind | 'resolved', now: Date): Task {
  return {
    ...task,
    status: decision === 'resolved' ? 'cancelled' : 'completed',
    lastModified: now.toISOString(),
    ...(decision === 'resolved'
      ? { statusReason: { text: 'Settled by a later change to the records' } }
      : { output: [{ type: coded('decision'), valueCode: decision }] }),
  };
}

async function openReviewsOf(ctx: StoreContext, patientId: string): Promise<StoredReview[]> {
  const { rows } = await ctx.tx.query<ReviewRow>(
    `SELECT ${REVIEW_COLUMNS} FROM mpi_review WHERE tenant_id = $1 AND status = 'open' AND patient_a = $2
     UNION ALL
     SELECT ${REVIEW_COLUMNS} FROM mpi_review WHERE tenant_id = $1 AND status = 'open' AND patient_b = $2`,
    [ctx.tenantId, patientId],
    { name: 'mpi-open-reviews-of', genericPlan: true },
  );
  return rows.map(toStoredReview);
}

/** Opens a review task for each candidate pair that has no open one. */
export async function openReviews(
  ctx: StoreContext,
  options: { patientId: string; candidates: Array<{ id: string; score: PairScore }> },
): Promise<void> {
  if (options.candidates.length === 0) {
    return;
  }
  const open = await openReviewsOf(ctx, options.patientId);
  const reviewed = new Set(open.map((review) => (review.a === options.patientId ? review.b : review.a)));
  for (const candidate of options.candidates) {
    if (reviewed.has(candidate.id)) {
      continue;
    }
    const taskId = randomUUID();
    const now = ctx.now();
    await createWithId(
      ctx,
      buildReviewTask({ id: taskId, a: options.patientId, b: candidate.id, score: candidate.score, now }),
    );
    await ctx.tx.query(
      `INSERT INTO mpi_review (tenant_id, task_id, patient_a, patient_b, probability, grade, status, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'open', $7)`,
      [ctx.tenantId, taskId, options.patientId, candidate.id, candidate.score.probability, candidate.score.grade, now],
    );
  }
}

/** Closes a review: its row and its Task. */
export async function closeReview(
  ctx: StoreContext,
  review: StoredReview,
  options: { decision: ReviewDecisionKind | 'resolved'; decidedBy: string | undefined },
): Promise<StoredReview> {
  const now = ctx.now();
  await ctx.tx.query(
    `UPDATE mpi_review SET status = 'closed', decision = $3, decided_by = $4, decided_at = $5
     WHERE tenant_id = $1 AND task_id = $2`,
    [ctx.tenantId, review.taskId, options.decision, options.decidedBy ?? null, now],
  );
  const task = await tryReadLive<Task>(ctx, 'Task', review.taskId, true);
  if (task) {
    await writeUpdate(ctx, { ...closeReviewTask(task.content, options.decision, now), id: task.content.id });
  }
  return { ...review, status: 'closed', decision: options.decision, decidedBy: options.decidedBy, decidedAt: now };
}

/** Closes as settled the open reviews of a patient whose other record `isSettled` says no longer needs one. */
export async function closeReviewsOf(
  ctx: StoreContext,
  options: { patientId: string; isSettled: (otherPatientId: string) => boolean },
): Promise<void> {
  for (const review of await openReviewsOf(ctx, options.patientId)) {
    const other = review.a === options.patientId ? review.b : review.a;
    if (options.isSettled(other)) {
      await closeReview(ctx, review, { decision: 'resolved', decidedBy: undefined });
    }
  }
}

/** One review, locked for a decision when `forUpdate`. */
export async function tryReadReview(
  ctx: Pick<StoreContext, 'tx' | 'tenantId'>,
  taskId: string,
  forUpdate = false,
): Promise<StoredReview | undefined> {
  const { rows } = await ctx.tx.query<ReviewRow>(
    `SELECT ${REVIEW_COLUMNS} FROM mpi_review WHERE tenant_id = $1 AND task_id = $2${forUpdate ? ' FOR UPDATE' : ''}`,
    [ctx.tenantId, taskId],
  );
  return rows[0] ? toStoredReview(rows[0]) : undefined;
}
