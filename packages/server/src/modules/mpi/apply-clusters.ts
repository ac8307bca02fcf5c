import { randomUUID } from 'node:crypto';
import type { Patient, PatientLink } from '@medplum/fhirtypes';
import type { LinkOrigin } from '@caregraph/core/domain';
import { isSeparation, pairKey, type StoredDecision } from './decisions.ts';
import {
  createPendingWrites,
  flushWrites,
  holdWrite,
  readLiveLocked,
  type LiveVersion,
  type PendingWrites,
  type StoreContext,
} from './fhir-store.ts';
import { assuranceOf, buildGoldenRecord, type SurvivorCandidate } from './golden-record.ts';
import { hasMemberLinks, memberLinks, withMemberLinks, type LinkMember } from './member-links.ts';
import { deleteMemberLinks, writeMemberLinks, type MemberLink } from './mpi-links.ts';
import { timeStep } from './step-timing.ts';

/** What reconciling golden records with a clustering needs. */
export type ClusterPlan = {
  /** The wanted clusters: every patient whose membership is decided here, each in exactly one. */
  clusters: readonly (readonly string[])[];
  /** Source system and merge state of every clustered patient. */
  members: ReadonlyMap<string, { source: string; mergedInto: string | undefined }>;
  /** The golden record each clustered or removed patient belongs to now. */
  currentPerson: ReadonlyMap<string, string | undefined>;
  /** Patients leaving the index (deleted): their memberships go. */
  removed: readonly string[];
  /** Match probability of a pair, where scored. */
  probability: (a: string, b: string) => number | undefined;
  decisions: readonly StoredDecision[];
  /** The Patient being written right now: its new content counts, and it is not written here. */
  inFlight?: { id: string; patient: (Patient & { id: string }) | undefined };
  /** Source systems in trust order, for survivorship; read only when a cluster has several members. */
  trust: () => Promise<readonly string[]>;
};

/** Where each clustered patient ended up, and the links the in-flight patient must carry. */
export type ClusterOutcome = { personOf: Map<string, string>; inFlightLinks: PatientLink[] };

function byId(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Gives each cluster a golden record: the existing Person holding most of its members (each Person
 * goes to one cluster), else a new one. Larger clusters choose first, so a record that grew keeps its id.
 */
export function assignPersons(
  clusters: readonly (readonly string[])[],
  currentPerson: ReadonlyMap<string, string | undefined>,
  newId: () => string = randomUUID,
): string[] {
  const order = clusters
    .map((cluster, index) => ({ index, size: cluster.length, first: [...cluster].sort(byId)[0] ?? '' }))
    .sort((a, b) => b.size - a.size || byId(a.first, b.first));
  const taken = new Set<string>();
  const assigned: string[] = new Array<string>(clusters.length);
  for (const { index } of order) {
    const counts = new Map<string, number>();
    for (const patientId of clusters[index] ?? []) {
      const person = currentPerson.get(patientId);
      if (person !== undefined && !taken.has(person)) {
        counts.set(person, (counts.get(person) ?? 0) + 1);
      }
    }
    const best = [...counts.entries()].sort((a, b) => b[1] - a[1] || byId(a[0], b[0]))[0]?.[0];
    const personId = best ?? newId();
    taken.add(personId);
    assigned[index] = personId;
  }
  return assigned;
}

/** How a member came to be in its cluster, and its best match probability there. */
export function memberStanding(
  patientId: string,
  cluster: readonly string[],
  plan: Pick<ClusterPlan, 'members' | 'probability' | 'decisions'>,
): { probability: number; origin: LinkOrigin } {
  const others = cluster.filter((other) => other !== patientId);
  if (others.length === 0) {
    return { probability: 1, origin: 'auto' };
  }
  const mergedInto = plan.members.get(patientId)?.mergedInto;
  const merged =
    (mergedInto !== undefined && others.includes(mergedInto)) ||
    others.some((other) => plan.members.get(other)?.mergedInto === patientId);
  const inCluster = new Set(others.map((other) => pairKey(patientId, other)));
  const linked = plan.decisions.some(
    (decision) => !isSeparation(decision.decision) && inCluster.has(pairKey(decision.a, decision.b)),
  );
  const probability = Math.max(0, ...others.map((other) => plan.probability(patientId, other) ?? 0));
  return { probability, origin: merged ? 'merge' : linked ? 'manual' : 'auto' };
}

type MemberContent = { patient: Patient & { id: string }; lastUpdated: string };

/** The member Patients, read (and row-locked) once per re-clustering as the writes held make them. */
type Reads = { patients: Map<string, LiveVersion<Patient> | undefined> };

function memberContent(plan: ClusterPlan, reads: Reads, patientId: string, now: Date): MemberContent | undefined {
  if (plan.inFlight?.id === patientId) {
    const patient = plan.inFlight.patient;
    return patient ? { patient, lastUpdated: now.toISOString() } : undefined;
  }
  const current = reads.patients.get(patientId);
  return current ? { patient: current.content, lastUpdated: current.lastUpdated.toISOString() } : undefined;
}

/** Holds the cluster's Person as it must be: created, or updated (the flush skips an unchanged one). */
function holdPerson(
  pending: PendingWrites,
  options: { personId: string; candidates: SurvivorCandidate[]; links: MemberLink[]; trust: readonly string[] },
): void {
  const body = buildGoldenRecord({
    id: options.personId,
    members: options.candidates,
    links: options.links.map((link) => ({ patientId: link.patientId, assurance: link.assurance })),
    trust: options.trust,
  });
  holdWrite(pending, 'Person', options.personId, body);
}

/** Holds a member's Patient.link rewrite when its golden record's membership changed. */
function holdPatientLinks(pending: PendingWrites, reads: Reads, patientId: string, links: PatientLink[]): void {
  const current = reads.patients.get(patientId);
  if (current && !hasMemberLinks(current.content, links)) {
    holdWrite(pending, 'Patient', patientId, withMemberLinks(current.content, links), { isLinkRewrite: true });
  }
}

/**
 * Makes the golden records match a clustering, through the FHIR store: memberships first, then
 * each cluster's Person, the Persons left without members and the members' Patient.link, all held
 * in `pending` (every member and Person read at once, locked in id order) and stored together by
 * the store's batch writer — when the plan brings no `pending`, before returning; otherwise the
 * caller flushes, after more plans. Writes only what differs. The caller holds the row locks of
 * every Person in `currentPerson`.
 */
export async function applyClusters(
  ctx: StoreContext,
  plan: ClusterPlan,
  pending?: PendingWrites,
): Promise<ClusterOutcome> {
  const writes = pending ?? createPendingWrites();
  // A patient with no duplicate needs no golden record: it is its own (no Person, no Patient.link).
  const shared = plan.clusters.filter((cluster) => cluster.length > 1);
  const alone = plan.clusters.filter((cluster) => cluster.length === 1).flat();
  const personIds = assignPersons(shared, plan.currentPerson);
  const personOf = new Map<string, string>();
  const links: MemberLink[] = [];
  shared.forEach((cluster, index) => {
    const personId = personIds[index] ?? '';
    for (const patientId of cluster) {
      personOf.set(patientId, personId);
      const { probability, origin } = memberStanding(patientId, cluster, plan);
      links.push({ patientId, personId, probability, origin, assurance: assuranceOf(probability, origin) });
    }
  });
  // Patients that left a golden record without joining another: alone now, or (in a batch run)
  // taken out until their own group is filed.
  const leaving = [...plan.currentPerson.keys()]
    .filter(
      (patientId) =>
        !personOf.has(patientId) &&
        !plan.removed.includes(patientId) &&
        plan.currentPerson.get(patientId) !== undefined,
    )
    .sort(byId);
  await deleteMemberLinks(ctx.tx, ctx.tenantId, [
    ...plan.removed,
    ...alone.filter((patientId) => plan.currentPerson.get(patientId) !== undefined),
    ...leaving,
  ]);
  await writeMemberLinks(ctx.tx, ctx.tenantId, links);

  const patientIds = [...shared.flat(), ...leaving].filter((patientId) => plan.inFlight?.id !== patientId);
  const existing = [...new Set(plan.currentPerson.values())].filter((id): id is string => id !== undefined);
  // Every member and golden record at once; the Persons' versions serve the flush.
  const live = await readLiveLocked(ctx, writes, [
    ...patientIds.map((id) => ({ resourceType: 'Patient', id })),
    ...existing.map((id) => ({ resourceType: 'Person', id })),
  ]);
  const reads: Reads = {
    patients: new Map(patientIds.map((id) => [id, live.get(`Patient/${id}`) as LiveVersion<Patient> | undefined])),
  };
  const now = ctx.now();
  let trust: readonly string[] | undefined;
  for (const [index, cluster] of shared.entries()) {
    const personId = personIds[index] ?? '';
    const candidates: SurvivorCandidate[] = [];
    for (const patientId of [...cluster].sort(byId)) {
      const content = memberContent(plan, reads, patientId, now);
      const member = plan.members.get(patientId);
      if (content) {
        candidates.push({ ...content, source: member?.source ?? '', replaced: member?.mergedInto !== undefined });
      }
    }
    trust ??= await plan.trust();
    holdPerson(writes, { personId, candidates, links: links.filter((link) => link.personId === personId), trust });
  }
  const kept = new Set(personIds);
  for (const personId of existing.filter((id) => !kept.has(id)).sort(byId)) {
    holdWrite(writes, 'Person', personId, undefined);
  }

  let inFlightLinks: PatientLink[] = [];
  for (const cluster of shared) {
    const linkMembers: LinkMember[] = cluster.map((id) => ({ id, mergedInto: plan.members.get(id)?.mergedInto }));
    for (const patientId of cluster) {
      const wanted = memberLinks(patientId, linkMembers);
      if (plan.inFlight?.id === patientId) {
        inFlightLinks = wanted;
      } else {
        holdPatientLinks(writes, reads, patientId, wanted);
      }
    }
  }
  for (const patientId of leaving) {
    if (plan.inFlight?.id !== patientId) {
      holdPatientLinks(writes, reads, patientId, []);
    }
  }
  if (!pending) {
    await timeStep(ctx, 'mpi-write', () => flushWrites(ctx, writes));
  }
  return { personOf, inFlightLinks };
}
