import { isDeepStrictEqual } from 'node:util';
import type { Patient } from '@medplum/fhirtypes';
import type { Resource } from '@caregraph/core/fhir';
import { isSeparation, loadDecisionsOf, pairKey } from './decisions.ts';
import { blockingKeys, decide, scorePair, type MatchModel, type PairScore } from './engine/index.ts';
import { ConcurrentWriteError, tryReadCurrent, withoutVersionMeta, type StoreContext } from './fhir-store.ts';
import { fileRecordAndFindCandidates } from './find-candidates.ts';
import { memberLinks, withMemberLinks } from './member-links.ts';
import {
  contentHashOf,
  deleteRecord,
  loadRecords,
  tryReadPatientState,
  upsertRecord,
  type Candidate,
  type PatientState,
} from './mpi-records.ts';
import { loadActiveModel, resolveModel } from './model-store.ts';
import { addMembers, lockAndLoadMembers, reclusterNeighbourhood, type NeighbourRecord } from './neighbourhood.ts';
import { prepareRecordWrite, type PreparedWrite, type PriorState } from './prepare-record.ts';
import { closeReviewsOf, openReviews } from './review-tasks.ts';
import { toIndexedRecord } from './sealed-identifiers.ts';
import { timeStep } from './step-timing.ts';

/** A Patient version about to be stored (undefined for a deletion), and the current one. */
export type PatientWrite = {
  id: string;
  resource: Resource | undefined;
  previous?: { deleted: boolean; content: Record<string, unknown> | undefined } | undefined;
};

/**
 * The version to store; `isUnchanged` when it equals the current version (server meta aside), as
 * when a feed sends a patient again without the links the index gave it: then nothing is stored.
 */
export type MatchedWrite = { resource: Resource | undefined; isUnchanged: boolean };

type LivePatient = Patient & { id: string };

/**
 * Matches a Patient version in the transaction that stores it, from any channel (REST, Bundles,
 * imports): called by the FHIR store just before the version is written, it returns the version to
 * store, with `Patient.link` naming its golden record's other members.
 *
 * A version whose demographics are unchanged (a Patient.link rewrite, a new managing organisation)
 * only has its links refreshed; so the index's own Patient writes never match again. Otherwise the
 * record is re-filed under its blocking keys, scored against the candidates those keys find, and
 * its neighbourhood (its golden record and the golden records of every candidate above the upper
 * threshold or linked by a reviewer) is re-clustered; candidates between the thresholds get a review task.
 */
export async function matchPatientWrite(ctx: StoreContext, write: PatientWrite): Promise<MatchedWrite> {
  const resource = await timeStep(ctx, 'mpi', () => matchedVersion(ctx, write));
  const previous = write.previous;
  const isUnchanged =
    resource !== undefined &&
    previous?.content !== undefined &&
    !previous.deleted &&
    isDeepStrictEqual(withoutVersionMeta(previous.content), JSON.parse(JSON.stringify(withoutVersionMeta(resource))));
  return { resource, isUnchanged };
}

/**
 * The common case costs two statements: `prepareRecordWrite` (prior state, id claim, key locks) and
 * `fileRecordAndFindCandidates` (and a read of the tenant's keys when field encryption seals one of
 * the patient's identifiers); the neighbourhood is re-clustered only when a candidate scores at
 * least the review threshold, or the patient already has a golden record, decisions or open reviews.
 */
async function matchedVersion(ctx: StoreContext, write: PatientWrite): Promise<Resource | undefined> {
  if (!write.resource) {
    const state = await tryReadPatientState(ctx.tx, ctx.tenantId, write.id);
    if (state) {
      await forgetPatient(ctx, write.id, state);
    }
    return undefined;
  }
  const patient = { ...(write.resource as Patient), id: write.id };
  const record = await toIndexedRecord(ctx.tx, ctx.tenantId, patient, { create: true });
  const contentHash = contentHashOf(record, patient);
  const keys = blockingKeys(record);
  const prepare = { tenantId: ctx.tenantId, record, keys, contentHash, now: ctx.now() };
  let prepared: PreparedWrite = await prepareRecordWrite(ctx.tx, prepare);
  if (write.previous === undefined && !prepared.isClaimed) {
    // Another writer created this id first (the claim waited for it to commit): give up as the store
    // would (409). A record without a stored Patient is refiled like an update.
    if (await tryReadCurrent(ctx, 'Patient', write.id)) {
      throw new ConcurrentWriteError(`Patient/${write.id} was written concurrently`);
    }
    prepared = await prepareRecordWrite(ctx.tx, prepare);
  }
  const state = prepared.state;
  if (state !== undefined && (state.contentHash === contentHash || state.mergedInto !== undefined)) {
    if (state.contentHash !== contentHash) {
      // A merged-away record's demographics are kept current but it is no candidate (no keys).
      await upsertRecord(ctx.tx, {
        tenantId: ctx.tenantId,
        record,
        blockKeys: [],
        previousKeys: state.blockKeys,
        contentHash,
        now: ctx.now(),
      });
    }
    return withMemberLinks(patient, state.personId === undefined ? [] : memberLinks(write.id, state.members));
  }
  // Sub-steps of `mpi` in Server-Timing: where a slow match spends its time.
  const { lookup, model, scores } = await timeStep(ctx, 'mpi-lookup', async () => {
    const found = await fileRecordAndFindCandidates(ctx.tx, { ...prepare, previousKeys: state?.blockKeys ?? [] });
    const resolved = await resolveModel(ctx.tx, ctx.tenantId, found.model);
    const scored = new Map(
      found.candidates.map((candidate) => [candidate.id, scorePair(resolved, record, candidate.record)]),
    );
    return { lookup: found, model: resolved, scores: scored };
  });
  const candidates = lookup.candidates;
  const hasNeighbourhood =
    state?.personId !== undefined ||
    state?.hasDecisions === true ||
    state?.hasOpenReviews === true ||
    [...scores.values()].some((score) => decide(model, score) !== 'separate');
  if (!hasNeighbourhood) {
    // Nothing to link, review or settle: the patient stays its own record, with no index links.
    return withMemberLinks(patient, []);
  }
  const links = await timeStep(ctx, 'mpi-cluster', () =>
    reclusterAround(ctx, {
      model,
      patient,
      record: { record, mergedInto: undefined },
      state,
      candidates,
      scores,
      sourceTrust: lookup.sourceTrust,
    }),
  );
  return withMemberLinks(patient, links);
}

/** Re-clusters the patient's neighbourhood and opens or closes its review tasks; returns its links. */
async function reclusterAround(
  ctx: StoreContext,
  options: {
    model: MatchModel;
    patient: LivePatient;
    record: NeighbourRecord;
    state: PriorState | undefined;
    candidates: Candidate[];
    scores: Map<string, PairScore>;
    sourceTrust: readonly string[];
  },
) {
  const { model, patient, candidates, scores } = options;
  const decisions = options.state?.hasDecisions ? await loadDecisionsOf(ctx.tx, ctx.tenantId, patient.id) : [];
  const linkedByReviewer = decisions
    .filter((decision) => !isSeparation(decision.decision))
    .map((decision) => (decision.a === patient.id ? decision.b : decision.a));
  const separated = new Set(
    decisions.filter((decision) => isSeparation(decision.decision)).map((decision) => pairKey(decision.a, decision.b)),
  );
  const linkable = candidates.filter(
    (candidate) =>
      !separated.has(pairKey(patient.id, candidate.id)) &&
      decide(model, scores.get(candidate.id) as PairScore) === 'link',
  );
  const extra = await loadRecords(
    ctx.tx,
    ctx.tenantId,
    linkedByReviewer.filter((id) => !candidates.some((candidate) => candidate.id === id)),
  );
  const records = new Map<string, NeighbourRecord>([[patient.id, options.record]]);
  const currentPerson = new Map<string, string | undefined>([[patient.id, options.state?.personId]]);
  const expected = new Map<string, string | undefined>();
  for (const candidate of linkable) {
    records.set(candidate.id, { record: candidate.record, mergedInto: undefined });
    currentPerson.set(candidate.id, candidate.personId);
    expected.set(candidate.id, candidate.personId);
  }
  for (const [id, stored] of extra) {
    records.set(id, { record: stored.record, mergedInto: stored.mergedInto });
    currentPerson.set(id, stored.personId);
    expected.set(id, stored.personId);
  }
  const seedPersons = [...currentPerson.values()].filter((id): id is string => id !== undefined);
  const members = await lockAndLoadMembers(ctx, seedPersons, expected);
  addMembers(members, records, currentPerson);
  const knownScores = new Map(
    [...scores].filter(([id]) => records.has(id)).map(([id, score]) => [pairKey(patient.id, id), score]),
  );
  const outcome = await reclusterNeighbourhood(ctx, {
    model,
    records,
    currentPerson,
    knownScores,
    inFlight: { id: patient.id, patient },
    sourceTrust: options.sourceTrust,
  });
  const personOfPatient = outcome.personOf.get(patient.id);
  const sameRecord = (id: string) => personOfPatient !== undefined && outcome.personOf.get(id) === personOfPatient;
  const reviewable = candidates.filter((candidate) => {
    const verdict = decide(model, scores.get(candidate.id) as PairScore);
    return (
      verdict !== 'separate' &&
      !sameRecord(candidate.id) &&
      !decisions.some((d) => pairKey(d.a, d.b) === pairKey(patient.id, candidate.id))
    );
  });
  await openReviews(ctx, {
    patientId: patient.id,
    candidates: reviewable.map((candidate) => ({ id: candidate.id, score: scores.get(candidate.id) as PairScore })),
  });
  // Reviews this write settled: the pair is now in one golden record, or scores below review (a
  // patient the index never saw has none).
  if (options.state === undefined) {
    return outcome.inFlightLinks;
  }
  await closeReviewsOf(ctx, {
    patientId: patient.id,
    isSettled: (other) =>
      sameRecord(other) || (scores.has(other) && decide(model, scores.get(other) as PairScore) === 'separate'),
  });
  return outcome.inFlightLinks;
}

/** A deleted Patient leaves the index: its record, its golden-record membership and its open reviews. */
async function forgetPatient(ctx: StoreContext, patientId: string, state: PatientState): Promise<void> {
  await deleteRecord(ctx.tx, ctx.tenantId, patientId, state.blockKeys);
  if (state.personId !== undefined) {
    const model = await loadActiveModel(ctx.tx, ctx.tenantId);
    const members = await lockAndLoadMembers(ctx, [state.personId]);
    const records = new Map<string, NeighbourRecord>();
    const currentPerson = new Map<string, string | undefined>([[patientId, state.personId]]);
    addMembers(
      members.filter((member) => member.patientId !== patientId),
      records,
      currentPerson,
    );
    await reclusterNeighbourhood(ctx, {
      model,
      records,
      currentPerson,
      removed: [patientId],
      inFlight: { id: patientId, patient: undefined },
    });
  }
  await closeReviewsOf(ctx, { patientId, isSettled: () => true });
}
