import { randomUUID } from 'node:crypto';
import type { Patient, Resource } from '@medplum/fhirtypes';
import { conflict, notFound, OutcomeError, badRequest } from '@caregraph/core/fhir';
import type { FhirRepo } from '../fhir/index.ts';
import type { Queryable } from '../../platform/db/index.ts';
import { recordDecision, tryReadDecision, type StoredDecision } from './decisions.ts';
import { blockingKeys } from './engine/index.ts';
import { tryReadLive, writeUpdate, type StoreContext } from './fhir-store.ts';
import { listPatientCompartment, type ResourceKey } from './list-compartment.ts';
import { contentHashOf, loadRecords, setMergedInto, tryReadPatientState, upsertRecord } from './mpi-records.ts';
import { loadActiveModel } from './model-store.ts';
import { addMembers, lockAndLoadMembers, reclusterNeighbourhood, type NeighbourRecord } from './neighbourhood.ts';
import { MPI_TASK_SYSTEM, closeReview, tryReadReview } from './review-tasks.ts';
import { rewritePatientReferences } from './rewrite-patient-references.ts';
import { toIndexedRecord } from './sealed-identifiers.ts';

/** A FHIR repo inside an open transaction: merges read and write in one. */
export type TransactionRepo = FhirRepo & { tx: Queryable };

export type MergeOptions = {
  source: string;
  target: string;
  /** The target as it should be after the merge (R5 `result-patient`); its id must be the target's. */
  resultPatient?: Patient | undefined;
  /** Work out what would change and change nothing. */
  preview: boolean;
  /** Who asked, for the merge record and the reviewer decision it implies. */
  actor: string;
};

/** One resource version a merge wrote, and the version it replaced. */
export type UndoEntry = { resourceType: string; id: string; previousVersion: number; mergedVersion: number };

/** What `mpi_merge.undo` holds: enough to put every resource back exactly. */
export type MergeUndo = {
  resources: UndoEntry[];
  /** The reviewer decision on the pair before the merge recorded `link`. */
  decision: { decision: StoredDecision['decision']; decidedBy: string; decidedAt: string } | null;
};

export type MergeOutcome = {
  mergeId: string | undefined;
  preview: boolean;
  /** The target as it is (or, for a preview, would be) after the merge. */
  target: Patient;
  /** Clinical resources whose references to the source now (would) point at the target. */
  moved: ResourceKey[];
};

function contextOf(repo: TransactionRepo): StoreContext {
  return { tenantId: repo.tenantId, tx: repo.tx, now: repo.now };
}

async function readPatientOrFail(ctx: StoreContext, id: string, role: string): Promise<Patient & { id: string }> {
  const current = await tryReadLive<Patient>(ctx, 'Patient', id, true);
  if (!current) {
    throw new OutcomeError(notFound(`The ${role} patient Patient/${id} does not exist`));
  }
  return current.content;
}

/** Whether a compartment member is the index's own (golden records, review tasks, linked Patients). */
function isIndexResource(resource: Resource): boolean {
  return (
    resource.resourceType === 'Patient' ||
    resource.resourceType === 'Person' ||
    (resource.resourceType === 'Task' &&
      resource.code?.coding?.some((coding) => coding.system === MPI_TASK_SYSTEM) === true)
  );
}

/** The clinical resources referring to the source, each with its references rewritten to the target. */
async function planMoves(
  repo: TransactionRepo,
  options: { source: string; target: string },
): Promise<Array<{ key: ResourceKey; versionId: number; content: Resource & { id: string } }>> {
  const ctx = contextOf(repo);
  const moves = [];
  for (const key of await listPatientCompartment(repo, options.source)) {
    const current = await tryReadLive(ctx, key.resourceType, key.id, true);
    if (!current || isIndexResource(current.content)) {
      continue;
    }
    const { value, rewritten } = rewritePatientReferences(current.content, {
      from: options.source,
      to: options.target,
      baseUrl: repo.baseUrl,
    });
    if (rewritten > 0) {
      moves.push({ key, versionId: current.versionId, content: value });
    }
  }
  return moves;
}

/** Files a patient under its blocking keys when the index has never seen it (stored before the index existed). */
async function ensureIndexed(ctx: StoreContext, patient: Patient & { id: string }): Promise<void> {
  if (await tryReadPatientState(ctx.tx, ctx.tenantId, patient.id)) {
    return;
  }
  const record = await toIndexedRecord(ctx.tx, ctx.tenantId, patient, { create: true });
  await upsertRecord(ctx.tx, {
    tenantId: ctx.tenantId,
    record,
    blockKeys: blockingKeys(record),
    previousKeys: [],
    contentHash: contentHashOf(record, patient),
    now: ctx.now(),
  });
}

/** Re-clusters the golden records of the given patients (after a decision, merge or unmerge changed the rules). */
export async function reclusterPatients(ctx: StoreContext, patientIds: readonly string[]): Promise<void> {
  const stored = await loadRecords(ctx.tx, ctx.tenantId, patientIds);
  const seeds = [...stored.values()].map((entry) => entry.personId).filter((id): id is string => id !== undefined);
  const members = await lockAndLoadMembers(ctx, seeds, new Map([...stored].map(([id, entry]) => [id, entry.personId])));
  const records = new Map<string, NeighbourRecord>();
  const currentPerson = new Map<string, string | undefined>();
  for (const [id, entry] of stored) {
    records.set(id, { record: entry.record, mergedInto: entry.mergedInto });
    currentPerson.set(id, entry.personId);
  }
  addMembers(members, records, currentPerson);
  const model = await loadActiveModel(ctx.tx, ctx.tenantId);
  await reclusterNeighbourhood(ctx, { model, records, currentPerson });
}

async function currentVersion(ctx: StoreContext, resourceType: string, id: string): Promise<number> {
  return (await tryReadLive(ctx, resourceType, id))?.versionId ?? 0;
}

/**
 * Merges the source Patient into the target (the FHIR patient-merge pattern), all or nothing in
 * the repo's transaction: every clinical resource in the source's compartment that refers to it
 * refers to the target instead; the source becomes inactive with `Patient.link` replaced-by the
 * target, and the target `replaces` it (result-patient, when given, is stored as the target); both
 * stay in one golden record. `mpi_merge` records every version written and the one it replaced.
 */
export async function mergePatients(repo: TransactionRepo, options: MergeOptions): Promise<MergeOutcome> {
  const ctx = contextOf(repo);
  const { source, target } = options;
  if (source === target) {
    throw new OutcomeError(badRequest('The source and target patient are the same', 'Parameters.parameter'));
  }
  if (options.resultPatient && options.resultPatient.id !== target) {
    throw new OutcomeError(badRequest('result-patient must have the target patient id', 'Parameters.parameter'));
  }
  // Row locks in id order, so two merges of the same pair cannot deadlock.
  const [first, second] = source < target ? [source, target] : [target, source];
  const firstPatient = await readPatientOrFail(ctx, first, first === source ? 'source' : 'target');
  const secondPatient = await readPatientOrFail(ctx, second, second === source ? 'source' : 'target');
  const sourcePatient = first === source ? firstPatient : secondPatient;
  const targetPatient = first === target ? firstPatient : secondPatient;
  const sourceState = await tryReadPatientState(ctx.tx, ctx.tenantId, source);
  const targetState = await tryReadPatientState(ctx.tx, ctx.tenantId, target);
  if (sourceState?.mergedInto !== undefined) {
    throw new OutcomeError(conflict(`Patient/${source} was already merged into Patient/${sourceState.mergedInto}`));
  }
  if (targetState?.mergedInto !== undefined) {
    throw new OutcomeError(
      conflict(`Patient/${target} was merged into Patient/${targetState.mergedInto}; merge into that one`),
    );
  }
  const moves = await planMoves(repo, { source, target });
  if (options.preview) {
    return {
      mergeId: undefined,
      preview: true,
      target: options.resultPatient ?? targetPatient,
      moved: moves.map((move) => move.key),
    };
  }
  const sourceVersion = await currentVersion(ctx, 'Patient', source);
  const targetVersion = await currentVersion(ctx, 'Patient', target);
  await ensureIndexed(ctx, sourcePatient);
  await ensureIndexed(ctx, targetPatient);
  const previousDecision = await tryReadDecision(ctx.tx, ctx.tenantId, source, target);
  await recordDecision(ctx.tx, {
    tenantId: ctx.tenantId,
    x: source,
    y: target,
    decision: 'link',
    decidedBy: options.actor,
    now: ctx.now(),
  });
  await setMergedInto(ctx.tx, { tenantId: ctx.tenantId, patientId: source, mergedInto: target });
  const entries: UndoEntry[] = [];
  for (const move of moves) {
    const mergedVersion = await writeUpdate(ctx, move.content);
    entries.push({ ...move.key, previousVersion: move.versionId, mergedVersion });
  }
  await reclusterPatients(ctx, [source, target]);
  const sourceNow = await readPatientOrFail(ctx, source, 'source');
  await writeUpdate(ctx, { ...sourceNow, active: false });
  if (options.resultPatient) {
    const targetNow = await readPatientOrFail(ctx, target, 'target');
    await writeUpdate(ctx, {
      ...options.resultPatient,
      id: target,
      ...(targetNow.link ? { link: targetNow.link } : {}),
    });
  }
  entries.push(
    {
      resourceType: 'Patient',
      id: source,
      previousVersion: sourceVersion,
      mergedVersion: await currentVersion(ctx, 'Patient', source),
    },
    {
      resourceType: 'Patient',
      id: target,
      previousVersion: targetVersion,
      mergedVersion: await currentVersion(ctx, 'Patient', target),
    },
  );
  const mergeId = randomUUID();
  const undo: MergeUndo = {
    resources: entries,
    decision: previousDecision
      ? {
          decision: previousDecision.decision,
          decidedBy: previousDecision.decidedBy,
          decidedAt: previousDecision.decidedAt.toISOString(),
        }
      : null,
  };
  await ctx.tx.query(
    `INSERT INTO mpi_merge (tenant_id, id, source_patient, target_patient, undo, merged_by, merged_at)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)`,
    [ctx.tenantId, mergeId, source, target, JSON.stringify(undo), options.actor, ctx.now()],
  );
  await closePairReviews(ctx, source, target, options.actor);
  const merged = await readPatientOrFail(ctx, target, 'target');
  return { mergeId, preview: false, target: merged, moved: moves.map((move) => move.key) };
}

/** A merge settles any open review of the pair. */
async function closePairReviews(ctx: StoreContext, source: string, target: string, actor: string): Promise<void> {
  const { rows } = await ctx.tx.query<{ task_id: string }>(
    `SELECT task_id FROM mpi_review WHERE tenant_id = $1 AND status = 'open'
       AND ((patient_a = $2 AND patient_b = $3) OR (patient_a = $3 AND patient_b = $2))`,
    [ctx.tenantId, source, target],
  );
  for (const row of rows) {
    const review = await tryReadReview(ctx, row.task_id, true);
    if (review?.status === 'open') {
      await closeReview(ctx, review, { decision: 'merge', decidedBy: actor });
    }
  }
}
