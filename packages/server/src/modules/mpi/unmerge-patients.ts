import { isDeepStrictEqual } from 'node:util';
import type { Resource } from '@medplum/fhirtypes';
import { conflict, notFound, OutcomeError } from '@caregraph/core/fhir';
import { restoreDecision } from './decisions.ts';
import { readVersion, tryReadLive, withoutVersionMeta, writeUpdate, type StoreContext } from './fhir-store.ts';
import { reclusterPatients, type MergeUndo, type TransactionRepo, type UndoEntry } from './merge-patients.ts';
import { setMergedInto } from './mpi-records.ts';

export type UnmergeOptions = {
  /** The merge to undo, by id; or the latest merge of `source` (into `target`, when given). */
  mergeId?: string | undefined;
  source?: string | undefined;
  target?: string | undefined;
  actor: string;
};

export type UnmergeOutcome = { mergeId: string; source: string; target: string; restored: UndoEntry[] };

type MergeRow = { id: string; source_patient: string; target_patient: string; undo: MergeUndo };

async function findMerge(ctx: StoreContext, options: UnmergeOptions): Promise<MergeRow> {
  const { rows } = await ctx.tx.query<MergeRow>(
    `SELECT id, source_patient, target_patient, undo FROM mpi_merge
     WHERE tenant_id = $1 AND unmerged_at IS NULL
       AND ($2::text IS NULL OR id = $2) AND ($3::text IS NULL OR source_patient = $3)
       AND ($4::text IS NULL OR target_patient = $4)
     ORDER BY merged_at DESC LIMIT 1
     FOR UPDATE`,
    [ctx.tenantId, options.mergeId ?? null, options.source ?? null, options.target ?? null],
  );
  const row = rows[0];
  if (!row) {
    throw new OutcomeError(notFound('No merge in effect matches the request'));
  }
  return row;
}

/** The content a version had, without the server's version meta (Patient.link aside for Patients). */
function comparable(content: object, resourceType: string): object {
  const stripped = withoutVersionMeta(content) as Record<string, unknown>;
  if (resourceType !== 'Patient') {
    return stripped;
  }
  // Patient.link is the index's to maintain: golden records changing since the merge do not block an unmerge.
  const { link: _link, ...rest } = stripped;
  return rest;
}

/** Refuses the unmerge (409, nothing written) when any resource the merge wrote changed since. */
async function assertUnchangedSinceMerge(ctx: StoreContext, entries: readonly UndoEntry[]): Promise<void> {
  const changed: string[] = [];
  for (const entry of entries) {
    const current = await tryReadLive(ctx, entry.resourceType, entry.id, true);
    if (current?.versionId === entry.mergedVersion) {
      continue;
    }
    const merged = await readVersion(ctx, entry.resourceType, entry.id, entry.mergedVersion);
    if (
      !current ||
      !merged?.content ||
      !isDeepStrictEqual(
        comparable(current.content, entry.resourceType),
        comparable(merged.content, entry.resourceType),
      )
    ) {
      changed.push(`${entry.resourceType}/${entry.id}`);
    }
  }
  if (changed.length > 0) {
    throw new OutcomeError(
      conflict(
        `Cannot unmerge: changed since the merge: ${changed.slice(0, 20).join(', ')}${changed.length > 20 ? ', …' : ''}`,
      ),
    );
  }
}

/**
 * Undoes a merge, all or nothing in the repo's transaction: every resource the merge wrote gets a
 * new version whose content is the one it had before the merge, the source is a live candidate
 * again, the pair's reviewer decision is what it was, and the golden records are re-clustered.
 * Refused (409) when a resource the merge wrote was changed since.
 */
export async function unmergePatients(repo: TransactionRepo, options: UnmergeOptions): Promise<UnmergeOutcome> {
  const ctx: StoreContext = { tenantId: repo.tenantId, tx: repo.tx, now: repo.now };
  const merge = await findMerge(ctx, options);
  const entries = merge.undo.resources;
  await assertUnchangedSinceMerge(ctx, entries);
  await setMergedInto(ctx.tx, { tenantId: ctx.tenantId, patientId: merge.source_patient, mergedInto: undefined });
  const previous = merge.undo.decision;
  await restoreDecision(
    ctx.tx,
    ctx.tenantId,
    [merge.source_patient, merge.target_patient],
    previous
      ? {
          a: merge.source_patient,
          b: merge.target_patient,
          decision: previous.decision,
          decidedBy: previous.decidedBy,
          decidedAt: new Date(previous.decidedAt),
        }
      : undefined,
  );
  await reclusterPatients(ctx, [merge.source_patient, merge.target_patient]);
  for (const entry of entries) {
    const before = await readVersion(ctx, entry.resourceType, entry.id, entry.previousVersion);
    if (!before?.content) {
      throw new Error(`version ${entry.previousVersion} of ${entry.resourceType}/${entry.id} is missing`);
    }
    await writeUpdate(ctx, withoutVersionMeta(before.content) as unknown as Resource & { id: string });
  }
  await ctx.tx.query('UPDATE mpi_merge SET unmerged_at = $3, unmerged_by = $4 WHERE tenant_id = $1 AND id = $2', [
    ctx.tenantId,
    merge.id,
    ctx.now(),
    options.actor,
  ]);
  return { mergeId: merge.id, source: merge.source_patient, target: merge.target_patient, restored: entries };
}
