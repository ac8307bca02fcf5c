import type { Patient } from '@medplum/fhirtypes';
import { applyClusters, type ClusterOutcome } from './apply-clusters.ts';
import { loadDecisionsAmong, pairKey, isSeparation, type StoredDecision } from './decisions.ts';
import { clusterRecords, scorePair, type MatchModel, type MatchRecord, type PairScore } from './engine/index.ts';
import { tryReadLive, type StoreContext } from './fhir-store.ts';
import { loadMembers, type StoredMember } from './mpi-links.ts';
import { loadRecords } from './mpi-records.ts';
import { readSettings } from './settings.ts';

/** A record taking part in a re-clustering, with its merge state. */
export type NeighbourRecord = { record: MatchRecord; mergedInto: string | undefined };

/** Locks the golden records' rows, in id order so writers touching several cannot deadlock on them. */
export async function lockPersons(ctx: StoreContext, personIds: Iterable<string>): Promise<void> {
  for (const personId of [...new Set(personIds)].sort()) {
    await tryReadLive(ctx, 'Person', personId, true);
  }
}

/**
 * Locks the golden records holding `seedPersons` and reads every member; repeats while a member
 * read was concurrently moved to a record not yet locked (its row lock then makes the membership stable).
 */
export async function lockAndLoadMembers(
  ctx: StoreContext,
  seedPersons: Iterable<string>,
  expected: ReadonlyMap<string, string | undefined> = new Map(),
): Promise<StoredMember[]> {
  const locked = new Set<string>();
  let wanted = new Set(seedPersons);
  for (;;) {
    const fresh = [...wanted].filter((id) => !locked.has(id));
    await lockPersons(ctx, fresh);
    fresh.forEach((id) => locked.add(id));
    const members = await loadMembers(ctx.tx, ctx.tenantId, [...locked]);
    // A patient expected in a golden record that moved (a concurrent write committed before the lock).
    const moved = await loadRecords(
      ctx.tx,
      ctx.tenantId,
      [...expected.keys()].filter((id) => !members.some((member) => member.patientId === id)),
    );
    wanted = new Set(
      [...moved.values()].map((stored) => stored.personId).filter((id): id is string => id !== undefined),
    );
    if ([...wanted].every((id) => locked.has(id))) {
      return members;
    }
  }
}

/** Every pair of the neighbourhood scored, with scores already computed reused. */
export function scoreAllPairs(
  model: MatchModel,
  records: ReadonlyMap<string, NeighbourRecord>,
  known: ReadonlyMap<string, PairScore>,
): Map<string, { a: string; b: string; score: PairScore }> {
  const ids = [...records.keys()].sort();
  const pairs = new Map<string, { a: string; b: string; score: PairScore }>();
  for (let i = 0; i < ids.length; i++) {
    for (let j = i + 1; j < ids.length; j++) {
      const a = ids[i] ?? '';
      const b = ids[j] ?? '';
      const key = pairKey(a, b);
      const score =
        known.get(key) ??
        scorePair(model, (records.get(a) as NeighbourRecord).record, (records.get(b) as NeighbourRecord).record);
      pairs.set(key, { a, b, score });
    }
  }
  return pairs;
}

/**
 * Clusters a neighbourhood with the engine (no transitive chaining, at most one record per source
 * unless the source has duplicates) under the reviewers' decisions, a merged record staying with
 * the record it was merged into.
 */
export function clusterNeighbourhood(
  model: MatchModel,
  records: ReadonlyMap<string, NeighbourRecord>,
  pairs: ReadonlyMap<string, { a: string; b: string; score: PairScore }>,
  decisions: readonly StoredDecision[],
): string[][] {
  const fixedLinks: Array<[string, string]> = decisions
    .filter((decision) => !isSeparation(decision.decision))
    .map((decision) => [decision.a, decision.b]);
  for (const [id, stored] of records) {
    if (stored.mergedInto !== undefined && records.has(stored.mergedInto)) {
      fixedLinks.push([id, stored.mergedInto]);
    }
  }
  const fixedSeparations: Array<[string, string]> = decisions
    .filter((decision) => isSeparation(decision.decision))
    .map((decision) => [decision.a, decision.b]);
  return clusterRecords(
    [...records.values()].map((stored) => stored.record),
    [...pairs.values()],
    { fixedLinks, fixedSeparations, linkThreshold: model.thresholds.upper, supportThreshold: model.thresholds.lower },
  );
}

/** What re-clustering a neighbourhood needs beyond the records. */
export type ReclusterOptions = {
  model: MatchModel;
  records: Map<string, NeighbourRecord>;
  /** The golden record of each neighbour now (every member of each named record is a neighbour). */
  currentPerson: Map<string, string | undefined>;
  knownScores?: ReadonlyMap<string, PairScore>;
  removed?: string[];
  inFlight?: { id: string; patient: (Patient & { id: string }) | undefined };
  /** The tenant's source trust order when already read (else read when a cluster needs it). */
  sourceTrust?: readonly string[];
};

/** Scores, clusters and writes a locked neighbourhood's golden records. */
export async function reclusterNeighbourhood(
  ctx: StoreContext,
  options: ReclusterOptions,
): Promise<
  ClusterOutcome & { pairs: Map<string, { a: string; b: string; score: PairScore }>; decisions: StoredDecision[] }
> {
  const { model, records, currentPerson } = options;
  const pairs = scoreAllPairs(model, records, options.knownScores ?? new Map());
  const decisions = await loadDecisionsAmong(ctx.tx, ctx.tenantId, [...records.keys()]);
  const clusters = clusterNeighbourhood(model, records, pairs, decisions);
  const outcome = await applyClusters(ctx, {
    clusters,
    members: new Map(
      [...records].map(([id, stored]) => [id, { source: stored.record.source, mergedInto: stored.mergedInto }]),
    ),
    currentPerson,
    removed: options.removed ?? [],
    probability: (a, b) => pairs.get(pairKey(a, b))?.score.probability,
    decisions,
    ...(options.inFlight ? { inFlight: options.inFlight } : {}),
    trust: async () => options.sourceTrust ?? (await readSettings(ctx.tx, ctx.tenantId)).sourceTrust,
  });
  return { ...outcome, pairs, decisions };
}

/** Adds locked members to a neighbourhood's records and current golden records. */
export function addMembers(
  members: readonly StoredMember[],
  records: Map<string, NeighbourRecord>,
  currentPerson: Map<string, string | undefined>,
): void {
  for (const member of members) {
    if (!records.has(member.patientId)) {
      records.set(member.patientId, { record: member.record, mergedInto: member.mergedInto });
    }
    currentPerson.set(member.patientId, member.personId);
  }
}
