import { randomUUID } from 'node:crypto';
import type { DedupeReport } from '@caregraph/core/domain';
import type { Database, Queryable } from '../../platform/db/index.ts';
import { applyDedupeUnit, findComponents, prefetchUnits, type Component } from './dedupe-units.ts';
import { loadDecisionsAmong } from './decisions.ts';
import { decide, scorePair, type MatchModel, type MatchRecord, type PairScore } from './engine/index.ts';
import { createPendingWrites, flushWrites, type StoreContext } from './fhir-store.ts';
import { indexPatientBatch } from './index-patients.ts';
import { blockCapSql, DEDUPE_CANDIDATE_BUDGET } from './mpi-records.ts';
import { loadActiveModel, tryLoadModel } from './model-store.ts';
import { openReviews } from './review-tasks.ts';
import { readSettings } from './settings.ts';

export type DedupePhase = 'index' | 'score' | 'cluster' | 'singles' | 'reviews' | 'done';

/** How far a run is: the phase, and batches of it done out of the total (an estimate for `score`). */
export type DedupeProgress = { runId: string; phase: DedupePhase; done: number; total: number };

export type DedupeOptions = {
  tenantId: string;
  onProgress?: (progress: DedupeProgress) => void;
  /** Stops the run between two batches (each batch commits); calling again resumes it. */
  signal?: AbortSignal;
  /** Records per batch (one transaction each); 500 by default. */
  batchSize?: number;
  /** The most candidates of one record (`DEDUPE_CANDIDATE_BUDGET` by default; see there). */
  candidateBudget?: number;
};

/** Probability band edges of the report. */
export const BAND_EDGES = [0, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 0.999, 1];

const DEFAULT_BATCH = 500;
const UNITS_PER_TRANSACTION = 50;

/** What is persisted after each committed batch, so a killed run resumes exactly there. */
type RunState = {
  phase: DedupePhase;
  cursor: string;
  modelVersion: number;
  oversizedKeys: string[];
  records: number;
  candidatePairs: number;
  bandPairs: number[];
  bandExpected: number[];
  linkedPairs: number;
  reviewPairs: number;
  expectedLinked: number;
  seconds: number;
  done: number;
};

function newState(modelVersion: number): RunState {
  return {
    phase: 'index',
    cursor: '',
    modelVersion,
    oversizedKeys: [],
    records: 0,
    candidatePairs: 0,
    bandPairs: BAND_EDGES.slice(1).map(() => 0),
    bandExpected: BAND_EDGES.slice(1).map(() => 0),
    linkedPairs: 0,
    reviewPairs: 0,
    expectedLinked: 0,
    seconds: 0,
    done: 0,
  };
}

function bandOf(probability: number): number {
  const index = BAND_EDGES.findIndex((edge, position) => position > 0 && probability < edge);
  return index < 0 ? BAND_EDGES.length - 2 : index - 1;
}

async function startOrResume(
  db: Database,
  tenantId: string,
): Promise<{ runId: string; state: RunState; resumed: boolean }> {
  const { rows } = await db.query<{ id: string; progress: RunState }>(
    `SELECT id, progress FROM mpi_dedupe_run WHERE tenant_id = $1 AND state = 'running'`,
    [tenantId],
  );
  const running = rows[0];
  if (running) {
    return { runId: running.id, state: running.progress, resumed: true };
  }
  const model = await loadActiveModel(db, tenantId);
  const runId = randomUUID();
  const state = newState(model.version);
  await db.query(
    `INSERT INTO mpi_dedupe_run (tenant_id, id, state, progress, started_at, updated_at)
     VALUES ($1, $2, 'running', $3::jsonb, $4, $4)`,
    [tenantId, runId, JSON.stringify(state), new Date()],
  );
  return { runId, state, resumed: false };
}

async function saveState(q: Queryable, tenantId: string, runId: string, state: RunState): Promise<void> {
  await q.query('UPDATE mpi_dedupe_run SET progress = $3::jsonb, updated_at = $4 WHERE tenant_id = $1 AND id = $2', [
    tenantId,
    runId,
    JSON.stringify(state),
    new Date(),
  ]);
}

async function countPatients(db: Database, tenantId: string): Promise<number> {
  const { rows } = await db.query<{ count: string | number }>(
    `SELECT count(*) AS count FROM resource WHERE tenant_id = $1 AND resource_type = 'Patient' AND NOT deleted`,
    [tenantId],
  );
  return Number(rows[0]?.count ?? 0);
}

/**
 * The candidate pairs of a batch of records ($2), each pair once (a < b): a record's keys are taken
 * smallest block first, skipping oversized ones ($3), each with its whole block, while its distinct
 * candidates stay within the budget ($4) — as the incremental lookup takes them (find-candidates.ts),
 * so the batch run compares what matching each record on its own would.
 */
const BATCH_CANDIDATE_PAIRS = `WITH keyed AS (
    SELECT r.patient_id AS a, k.key
    FROM mpi_record r CROSS JOIN LATERAL unnest(r.block_keys) AS k(key)
    WHERE r.tenant_id = $1 AND r.patient_id = ANY($2::text[]) AND NOT (k.key = ANY($3::text[]))
  ),
  hits AS (
    SELECT k.a, k.key, m.patient_id AS c FROM keyed k
    CROSS JOIN LATERAL (SELECT patient_id FROM mpi_block_key WHERE tenant_id = $1 AND key = k.key OFFSET 0) m
  ),
  sizes AS (SELECT a, key, count(*) AS size FROM hits GROUP BY a, key),
  ranked AS (SELECT a, key, row_number() OVER (PARTITION BY a ORDER BY size, key) AS rank FROM sizes),
  first_seen AS (
    SELECT h.a, h.c, min(r.rank) AS rank FROM hits h JOIN ranked r USING (a, key) WHERE h.c <> h.a GROUP BY h.a, h.c
  ),
  running AS (
    SELECT r.a, r.rank, sum(count(f.c)) OVER (PARTITION BY r.a ORDER BY r.rank) AS total
    FROM ranked r LEFT JOIN first_seen f ON f.a = r.a AND f.rank = r.rank GROUP BY r.a, r.rank
  )
  -- The smallest block is always taken, even past the budget, as the incremental lookup does.
  SELECT f.a, f.c AS b FROM first_seen f JOIN running t ON t.a = f.a AND t.rank = f.rank
  WHERE f.c > f.a AND (t.total <= $4::int OR t.rank = 1)`;

/** Scores one batch of records against their candidates (each pair once: a < b). */
async function scoreBatch(
  tx: Queryable,
  options: {
    tenantId: string;
    runId: string;
    model: MatchModel;
    state: RunState;
    batch: number;
    candidateBudget: number;
  },
): Promise<boolean> {
  const { tenantId, runId, model, state } = options;
  const { rows: batch } = await tx.query<{ patient_id: string; record: MatchRecord }>(
    `SELECT patient_id, record FROM mpi_record
     WHERE tenant_id = $1 AND patient_id > $2 AND merged_into IS NULL ORDER BY patient_id LIMIT $3`,
    [tenantId, state.cursor, options.batch],
  );
  if (batch.length === 0) {
    return false;
  }
  const { rows: pairs } = await tx.query<{ a: string; b: string }>(BATCH_CANDIDATE_PAIRS, [
    tenantId,
    batch.map((row) => row.patient_id),
    state.oversizedKeys,
    options.candidateBudget,
  ]);
  const records = new Map(batch.map((row) => [row.patient_id, row.record]));
  const missing = [...new Set(pairs.map((pair) => pair.b))].filter((id) => !records.has(id));
  if (missing.length > 0) {
    const { rows } = await tx.query<{ patient_id: string; record: MatchRecord }>(
      'SELECT patient_id, record FROM mpi_record WHERE tenant_id = $1 AND patient_id = ANY($2::text[])',
      [tenantId, missing],
    );
    rows.forEach((row) => records.set(row.patient_id, row.record));
  }
  const kept: { a: string[]; b: string[]; probability: number[]; weight: number[]; grade: string[] } = {
    a: [],
    b: [],
    probability: [],
    weight: [],
    grade: [],
  };
  for (const { a, b } of pairs) {
    const left = records.get(a);
    const right = records.get(b);
    if (!left || !right) {
      continue;
    }
    const score = scorePair(model, left, right);
    const band = bandOf(score.probability);
    state.candidatePairs++;
    state.bandPairs[band] = (state.bandPairs[band] ?? 0) + 1;
    state.bandExpected[band] = (state.bandExpected[band] ?? 0) + score.probability;
    const verdict = decide(model, score);
    if (verdict === 'separate') {
      continue;
    }
    if (verdict === 'link') {
      state.linkedPairs++;
      state.expectedLinked += score.probability;
    } else {
      state.reviewPairs++;
    }
    kept.a.push(a);
    kept.b.push(b);
    kept.probability.push(score.probability);
    kept.weight.push(score.weight);
    kept.grade.push(score.grade);
  }
  await tx.query(
    `INSERT INTO mpi_dedupe_pair (tenant_id, run_id, patient_a, patient_b, probability, weight, grade)
     SELECT $1, $2, a, b, p, w, g FROM unnest($3::text[], $4::text[], $5::float8[], $6::float8[], $7::text[]) AS x(a, b, p, w, g)
     ON CONFLICT DO NOTHING`,
    [tenantId, runId, kept.a, kept.b, kept.probability, kept.weight, kept.grade],
  );
  state.records += batch.length;
  state.cursor = batch.at(-1)?.patient_id ?? state.cursor;
  return true;
}

/** Opens review tasks for one batch of review-band pairs left in different golden records. */
async function reviewBatch(
  ctx: StoreContext,
  options: { runId: string; model: MatchModel; state: RunState; batch: number },
): Promise<boolean> {
  const { runId, model, state } = options;
  const [afterA = '', afterB = ''] = state.cursor === '' ? [] : (JSON.parse(state.cursor) as [string, string]);
  const { rows } = await ctx.tx.query<{
    patient_a: string;
    patient_b: string;
    probability: number;
    weight: number;
    grade: PairScore['grade'];
    person_a: string | null;
    person_b: string | null;
  }>(
    `SELECT p.patient_a, p.patient_b, p.probability, p.weight, p.grade,
            (SELECT person_id FROM mpi_link WHERE tenant_id = $1 AND patient_id = p.patient_a) AS person_a,
            (SELECT person_id FROM mpi_link WHERE tenant_id = $1 AND patient_id = p.patient_b) AS person_b
     FROM mpi_dedupe_pair p
     WHERE p.tenant_id = $1 AND p.run_id = $2 AND (p.patient_a, p.patient_b) > ($3::text, $4::text)
     ORDER BY p.patient_a, p.patient_b LIMIT $5`,
    [ctx.tenantId, runId, afterA, afterB, options.batch],
  );
  if (rows.length === 0) {
    return false;
  }
  for (const row of rows) {
    if (row.person_a !== null && row.person_a === row.person_b) {
      continue;
    }
    const decisions = await loadDecisionsAmong(ctx.tx, ctx.tenantId, [row.patient_a, row.patient_b]);
    if (decisions.length > 0) {
      continue;
    }
    const score: PairScore = {
      probability: row.probability,
      weight: row.weight,
      grade: row.grade,
      fields: [],
    };
    if (decide(model, score) !== 'separate') {
      await openReviews(ctx, { patientId: row.patient_a, candidates: [{ id: row.patient_b, score }] });
    }
  }
  const last = rows.at(-1);
  state.cursor = last ? JSON.stringify([last.patient_a, last.patient_b]) : state.cursor;
  return true;
}

/** Keys shared by more records than their rule's cap (wide rules have a smaller one): skipped when scoring. */
async function oversizedKeys(db: Database, tenantId: string): Promise<string[]> {
  const { rows } = await db.query<{ key: string }>(
    `SELECT key FROM mpi_block_key WHERE tenant_id = $1 GROUP BY key HAVING count(*) > ${blockCapSql('key')} ORDER BY key`,
    [tenantId],
  );
  return rows.map((row) => row.key);
}

async function finalReport(
  db: Database,
  options: { tenantId: string; runId: string; state: RunState; resumed: boolean },
): Promise<DedupeReport> {
  const { tenantId, runId, state } = options;
  const { rows } = await db.query<{ persons: string | number; alone: string | number }>(
    `SELECT (SELECT count(DISTINCT person_id) FROM mpi_link WHERE tenant_id = $1) AS persons,
            (SELECT count(*) FROM mpi_record r WHERE r.tenant_id = $1
               AND NOT EXISTS (SELECT 1 FROM mpi_link l WHERE l.tenant_id = $1 AND l.patient_id = r.patient_id)) AS alone`,
    [tenantId],
  );
  const persons = Number(rows[0]?.persons ?? 0);
  const expectedAll = state.bandExpected.reduce((sum, value) => sum + value, 0);
  return {
    runId,
    records: state.records,
    candidatePairs: state.candidatePairs,
    oversizedBlocks: state.oversizedKeys.length,
    clusters: persons + Number(rows[0]?.alone ?? 0),
    multiRecordClusters: persons,
    bands: state.bandPairs.map((pairs, index) => ({
      min: BAND_EDGES[index] ?? 0,
      max: BAND_EDGES[index + 1] ?? 1,
      pairs,
      expectedMatches: Number((state.bandExpected[index] ?? 0).toFixed(3)),
    })),
    linkedPairs: state.linkedPairs,
    reviewPairs: state.reviewPairs,
    estimatedPrecision: state.linkedPairs > 0 ? state.expectedLinked / state.linkedPairs : 1,
    estimatedRecall: expectedAll > 0 ? state.expectedLinked / expectedAll : 1,
    modelVersion: state.modelVersion,
    seconds: Number(state.seconds.toFixed(3)),
    resumed: options.resumed,
  };
}

/**
 * Deduplicates a tenant's whole population in committed batches, persisted in `mpi_dedupe_run` so
 * a killed or aborted run resumes where it stopped and ends as an uninterrupted one would:
 * 1. index: every live Patient's record and blocking keys are brought up to date;
 * 2. score: each record is scored against its candidates (each pair once) with the model active
 *    when the run began; pairs at or above the review threshold are kept;
 * 3. cluster: the groups of records joined by links (pairs above the upper threshold, reviewers'
 *    links, merges) are clustered by the engine and their golden records written;
 * 4. singles: every other patient is on its own (no golden record shared with anyone);
 * 5. reviews: review tasks for pairs between the thresholds left in different golden records.
 * Returns the report; the run's scored pairs are deleted once it completes.
 */
export async function dedupeTenant(db: Database, options: DedupeOptions): Promise<DedupeReport> {
  const { tenantId, signal } = options;
  const batch = options.batchSize ?? DEFAULT_BATCH;
  const units = Math.min(UNITS_PER_TRANSACTION, batch);
  const { runId, state, resumed } = await startOrResume(db, tenantId);
  const model = (await tryLoadModel(db, tenantId, state.modelVersion)) ?? (await loadActiveModel(db, tenantId));
  const started = performance.now();
  const secondsBefore = state.seconds;
  const report = (phase: DedupePhase, done: number, total: number) =>
    options.onProgress?.({ runId, phase, done, total });
  // Commits one batch of work and the state after it together.
  const step = async (work: (ctx: StoreContext) => Promise<boolean>): Promise<boolean> => {
    signal?.throwIfAborted();
    return db.transaction(async (tx) => {
      const more = await work({ tenantId, tx, now: () => new Date() });
      state.seconds = secondsBefore + (performance.now() - started) / 1000;
      if (more) {
        state.done++;
      }
      await saveState(tx, tenantId, runId, state);
      return more;
    });
  };
  const nextPhase = async (phase: DedupePhase) => {
    state.phase = phase;
    state.cursor = '';
    state.done = 0;
    await saveState(db, tenantId, runId, state);
  };

  if (state.phase === 'index') {
    const total = Math.ceil((await countPatients(db, tenantId)) / batch);
    while (
      await step(async (ctx) => {
        const indexed = await indexPatientBatch(ctx.tx, {
          tenantId,
          after: state.cursor,
          limit: batch,
          now: ctx.now(),
        });
        state.cursor = indexed.last ?? state.cursor;
        return indexed.last !== undefined;
      })
    ) {
      report('index', state.done, total);
    }
    state.oversizedKeys = await oversizedKeys(db, tenantId);
    await nextPhase('score');
  }
  if (state.phase === 'score') {
    const total = Math.ceil((await countPatients(db, tenantId)) / batch);
    const candidateBudget = options.candidateBudget ?? DEDUPE_CANDIDATE_BUDGET;
    while (await step((ctx) => scoreBatch(ctx.tx, { tenantId, runId, model, state, batch, candidateBudget }))) {
      report('score', state.done, total);
    }
    await nextPhase('cluster');
  }
  if (state.phase === 'cluster' || state.phase === 'singles') {
    const components = await findComponents(db, { tenantId, runId, model });
    const inComponent = new Map<string, number>();
    components.forEach((component, index) => component.forEach((id) => inComponent.set(id, index)));
    // Read once, in the first transaction that needs it (PGlite serves one connection: not on `db`).
    let sourceTrust: readonly string[] | undefined;
    const applyUnits = async (ctx: StoreContext, slice: readonly Component[]) => {
      const pending = createPendingWrites();
      const prefetched = await prefetchUnits(ctx, slice);
      for (const unit of slice) {
        await applyDedupeUnit(ctx, {
          model,
          unit,
          inComponent,
          pending,
          prefetched,
          trust: async () => (sourceTrust ??= (await readSettings(ctx.tx, tenantId)).sourceTrust),
        });
      }
      await flushWrites(ctx, pending);
    };
    if (state.phase === 'cluster') {
      const total = Math.ceil(components.length / units);
      while (
        await step(async (ctx) => {
          const start = Number(state.cursor || '0');
          const slice: Component[] = components.slice(start, start + units);
          await applyUnits(ctx, slice);
          state.cursor = String(start + slice.length);
          return slice.length > 0;
        })
      ) {
        report('cluster', state.done, total);
      }
      await nextPhase('singles');
    }
    const total = Math.ceil(state.records / batch);
    while (
      await step(async (ctx) => {
        const { rows } = await ctx.tx.query<{ patient_id: string; person_id: string | null }>(
          `SELECT r.patient_id, l.person_id
           FROM mpi_record r LEFT JOIN mpi_link l ON l.tenant_id = r.tenant_id AND l.patient_id = r.patient_id
           WHERE r.tenant_id = $1 AND r.patient_id > $2 ORDER BY r.patient_id LIMIT $3`,
          [tenantId, state.cursor, batch],
        );
        // A patient in no linked group belongs alone: take it out of the golden record it shares.
        await applyUnits(
          ctx,
          rows
            .filter((row) => row.person_id !== null && !inComponent.has(row.patient_id))
            .map((row) => [row.patient_id]),
        );
        state.cursor = rows.at(-1)?.patient_id ?? state.cursor;
        return rows.length > 0;
      })
    ) {
      report('singles', state.done, total);
    }
    await nextPhase('reviews');
  }
  if (state.phase === 'reviews') {
    const total = Math.ceil((state.linkedPairs + state.reviewPairs) / batch);
    while (await step((ctx) => reviewBatch(ctx, { runId, model, state, batch }))) {
      report('reviews', state.done, total);
    }
    state.phase = 'done';
  }
  const result = await finalReport(db, { tenantId, runId, state, resumed });
  await db.transaction(async (tx) => {
    await tx.query('DELETE FROM mpi_dedupe_pair WHERE tenant_id = $1 AND run_id = $2', [tenantId, runId]);
    await tx.query(
      `UPDATE mpi_dedupe_run SET state = 'completed', progress = $3::jsonb, report = $4::jsonb, updated_at = $5
       WHERE tenant_id = $1 AND id = $2`,
      [tenantId, runId, JSON.stringify(state), JSON.stringify(result), new Date()],
    );
  });
  return result;
}
