import type { Patient } from '@medplum/fhirtypes';
import type {
  ReviewDecision,
  ReviewDetail,
  ReviewPage,
  ReviewStatusFilter,
  ReviewSummary,
} from '@caregraph/core/domain';
import { OutcomeError } from '@caregraph/core/fhir';
import type { Queryable } from '../../platform/db/index.ts';
import { recordDecision } from './decisions.ts';
import { scorePair } from './engine/index.ts';
import { MpiError } from './errors.ts';
import { tryReadLive, type StoreContext } from './fhir-store.ts';
import { mergePatients, reclusterPatients, type TransactionRepo } from './merge-patients.ts';
import { loadRecords } from './mpi-records.ts';
import { loadActiveModel } from './model-store.ts';
import { toPatientCard } from './patient-card.ts';
import {
  REVIEW_COLUMNS,
  closeReview,
  toStoredReview,
  tryReadReview,
  type ReviewRow,
  type StoredReview,
} from './review-tasks.ts';

type ReadContext = Pick<StoreContext, 'tenantId' | 'tx'>;

function encodeCursor(time: Date, taskId: string): string {
  return Buffer.from(JSON.stringify([time.toISOString(), taskId])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      !Number.isNaN(Date.parse(value[0])) &&
      typeof value[1] === 'string'
    ) {
      return [value[0], value[1]];
    }
  } catch {
    // Reported below like any other malformed cursor.
  }
  throw new MpiError('MPI_BAD_CURSOR', 'Invalid cursor');
}

/** The review as the API shows it: both records' cards, read now. */
async function summarise(ctx: ReadContext, review: StoredReview): Promise<ReviewSummary> {
  const records = await loadRecords(ctx.tx, ctx.tenantId, [review.a, review.b]);
  const storeContext: StoreContext = { ...ctx, now: () => new Date() };
  const card = async (id: string) =>
    toPatientCard(
      id,
      (await tryReadLive<Patient>(storeContext, 'Patient', id))?.content,
      records.get(id)?.record.source ?? '',
    );
  return {
    id: review.taskId,
    status: review.status,
    createdAt: review.createdAt.toISOString(),
    probability: review.probability,
    grade: review.grade,
    a: await card(review.a),
    b: await card(review.b),
    ...(review.decision ? { decision: review.decision } : {}),
    ...(review.decidedBy ? { decidedBy: review.decidedBy } : {}),
    ...(review.decidedAt ? { decidedAt: review.decidedAt.toISOString() } : {}),
  };
}

/**
 * One page of the review queue: open reviews oldest first (the order they should be worked in),
 * closed ones most recently decided first.
 */
export async function listReviews(
  q: Queryable,
  options: { tenantId: string; status: ReviewStatusFilter; count: number; cursor?: string | undefined },
): Promise<ReviewPage> {
  const [after, afterId] = options.cursor ? decodeCursor(options.cursor) : [null, null];
  const open = options.status === 'open';
  const { rows } = await q.query<ReviewRow>(
    open
      ? `SELECT ${REVIEW_COLUMNS} FROM mpi_review
         WHERE tenant_id = $1 AND status = 'open' AND ($2::timestamptz IS NULL OR (created_at, task_id) > ($2::timestamptz, $3::text))
         ORDER BY created_at, task_id LIMIT $4`
      : `SELECT ${REVIEW_COLUMNS} FROM mpi_review
         WHERE tenant_id = $1 AND status = 'closed' AND ($2::timestamptz IS NULL OR (decided_at, task_id) < ($2::timestamptz, $3::text))
         ORDER BY decided_at DESC, task_id DESC LIMIT $4`,
    [options.tenantId, after, afterId, options.count + 1],
  );
  const reviews = rows.slice(0, options.count).map(toStoredReview);
  const ctx = { tenantId: options.tenantId, tx: q };
  const items: ReviewSummary[] = [];
  for (const review of reviews) {
    items.push(await summarise(ctx, review));
  }
  const last = reviews.at(-1);
  const lastTime = open ? last?.createdAt : last?.decidedAt;
  return rows.length > options.count && last && lastTime
    ? { items, next: encodeCursor(lastTime, last.taskId) }
    : { items };
}

async function getReview(ctx: ReadContext, id: string, forUpdate = false): Promise<StoredReview> {
  const review = await tryReadReview(ctx, id, forUpdate);
  if (!review) {
    throw new MpiError('MPI_REVIEW_NOT_FOUND', `No review ${id}`);
  }
  return review;
}

/** A review with every field's comparison, scored with the tenant's current model on the records as they are now. */
export async function readReviewDetail(q: Queryable, options: { tenantId: string; id: string }): Promise<ReviewDetail> {
  const ctx = { tenantId: options.tenantId, tx: q };
  const review = await getReview(ctx, options.id);
  const summary = await summarise(ctx, review);
  const records = await loadRecords(q, options.tenantId, [review.a, review.b]);
  const a = records.get(review.a)?.record;
  const b = records.get(review.b)?.record;
  if (!a || !b) {
    // A record left the index (deleted): nothing to compare any more.
    return { ...summary, fields: [], weight: 0 };
  }
  const score = scorePair(await loadActiveModel(q, options.tenantId), a, b);
  return { ...summary, fields: score.fields, weight: score.weight };
}

/**
 * Applies a reviewer's decision in the repo's transaction: `link` and `not-a-match` are recorded
 * (automatic matching never overrides them) and the two records' golden records re-clustered;
 * `merge` merges the other record into the survivor (`a` unless told). The review closes.
 */
export async function decideReview(
  repo: TransactionRepo,
  options: { id: string; decision: ReviewDecision; actor: string },
): Promise<ReviewSummary> {
  const ctx: StoreContext = { tenantId: repo.tenantId, tx: repo.tx, now: repo.now };
  const review = await getReview(ctx, options.id, true);
  if (review.status !== 'open') {
    throw new MpiError('MPI_REVIEW_CLOSED', `Review ${options.id} was already decided`);
  }
  const { decision, survivor = 'a' } = options.decision;
  if (decision === 'merge') {
    const [target, source] = survivor === 'a' ? [review.a, review.b] : [review.b, review.a];
    try {
      await mergePatients(repo, { source, target, preview: false, actor: options.actor });
    } catch (error) {
      if (error instanceof OutcomeError) {
        throw new MpiError('MPI_MERGE_REFUSED', error.message);
      }
      throw error;
    }
    return summarise(ctx, await getReview(ctx, options.id));
  }
  await recordDecision(ctx.tx, {
    tenantId: ctx.tenantId,
    x: review.a,
    y: review.b,
    decision,
    decidedBy: options.actor,
    now: ctx.now(),
  });
  await reclusterPatients(ctx, [review.a, review.b]);
  return summarise(ctx, await closeReview(ctx, review, { decision, decidedBy: options.actor }));
}
