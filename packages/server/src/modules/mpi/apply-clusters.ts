import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Patient, PatientLink, Person } from '@medplum/fhirtypes';
import type { LinkOrigin } from '@caregraph/core/domain';
import { isSeparation, pairKey, type StoredDecision } from './decisions.ts';
import {
  tryReadLive,
  type LiveVersion,
  withoutVersionMeta,
  writeDelete,
  writeUpdate,
  createWithId,
  type StoreContext,
} from './fhir-store.ts';
import { assuranceOf, buildGoldenRecord, type SurvivorCandidate } from './golden-record.ts';
import { hasMemberLinks, memberLinks, withMemberLinks, type LinkMember } from './member-links.ts';
import { deleteMemberLinks, writeMemberLinks, type MemberLink } from './mpi-links.ts';

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

/** Member Patients read (and row-locked) once per re-clustering: survivorship and Patient.link both need them. */
type MemberReads = Map<string, LiveVersion<Patient> | undefined>;

async function readMemberLocked(ctx: StoreContext, reads: MemberReads, patientId: string) {
  if (!reads.has(patientId)) {
    reads.set(patientId, await tryReadLive<Patient>(ctx, 'Patient', patientId, true));
  }
  return reads.get(patientId);
}

async function readMemberContent(
  ctx: StoreContext,
  plan: ClusterPlan,
  reads: MemberReads,
  patientId: string,
): Promise<MemberContent | undefined> {
  if (plan.inFlight?.id === patientId) {
    const patient = plan.inFlight.patient;
    return patient ? { patient, lastUpdated: ctx.now().toISOString() } : undefined;
  }
  const current = await readMemberLocked(ctx, reads, patientId);
  return current ? { patient: current.content, lastUpdated: current.lastUpdated.toISOString() } : undefined;
}

/** Creates, updates or leaves the cluster's Person so it holds exactly the cluster with surviving demographics. */
async function writePerson(
  ctx: StoreContext,
  options: {
    personId: string;
    isNew: boolean;
    candidates: SurvivorCandidate[];
    links: MemberLink[];
    trust: readonly string[];
  },
): Promise<void> {
  const body = buildGoldenRecord({
    id: options.personId,
    members: options.candidates,
    links: options.links.map((link) => ({ patientId: link.patientId, assurance: link.assurance })),
    trust: options.trust,
  });
  const current = options.isNew ? undefined : await tryReadLive<Person>(ctx, 'Person', options.personId, true);
  if (current && isDeepStrictEqual(withoutVersionMeta(current.content), JSON.parse(JSON.stringify(body)))) {
    return;
  }
  if (current) {
    await writeUpdate(ctx, body);
  } else {
    await createWithId(ctx, body);
  }
}

/** Rewrites a member's Patient.link when its golden record's membership changed. */
async function writePatientLinks(
  ctx: StoreContext,
  reads: MemberReads,
  patientId: string,
  links: PatientLink[],
): Promise<void> {
  const current = await readMemberLocked(ctx, reads, patientId);
  if (current && !hasMemberLinks(current.content, links)) {
    await writeUpdate(ctx, withMemberLinks(current.content, links));
  }
}

/**
 * Makes the golden records match a clustering, through the FHIR store: memberships first (so the
 * Patient writes below see them), then each cluster's Person, then the Persons left without
 * members, then the members' Patient.link. Writes only what differs. The caller holds the row
 * locks of every Person in `currentPerson`.
 */
export async function applyClusters(ctx: StoreContext, plan: ClusterPlan): Promise<ClusterOutcome> {
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
  await deleteMemberLinks(ctx.tx, ctx.tenantId, [
    ...plan.removed,
    ...alone.filter((patientId) => plan.currentPerson.get(patientId) !== undefined),
  ]);
  await writeMemberLinks(ctx.tx, ctx.tenantId, links);

  const existing = new Set(plan.currentPerson.values());
  const reads: MemberReads = new Map();
  let trust: readonly string[] | undefined;
  for (const [index, cluster] of shared.entries()) {
    const personId = personIds[index] ?? '';
    const candidates: SurvivorCandidate[] = [];
    // In id order: member rows are locked as they are read.
    for (const patientId of [...cluster].sort(byId)) {
      const content = await readMemberContent(ctx, plan, reads, patientId);
      const member = plan.members.get(patientId);
      if (content) {
        candidates.push({ ...content, source: member?.source ?? '', replaced: member?.mergedInto !== undefined });
      }
    }
    trust ??= await plan.trust();
    await writePerson(ctx, {
      personId,
      isNew: !existing.has(personId),
      candidates,
      links: links.filter((link) => link.personId === personId),
      trust,
    });
  }
  const kept = new Set(personIds);
  const emptied = new Set(
    [...plan.currentPerson.values()].filter((id): id is string => id !== undefined && !kept.has(id)),
  );
  for (const personId of [...emptied].sort(byId)) {
    await writeDelete(ctx, 'Person', personId);
  }

  let inFlightLinks: PatientLink[] = [];
  for (const cluster of shared) {
    const linkMembers: LinkMember[] = cluster.map((id) => ({ id, mergedInto: plan.members.get(id)?.mergedInto }));
    for (const patientId of [...cluster].sort(byId)) {
      const wanted = memberLinks(patientId, linkMembers);
      if (plan.inFlight?.id === patientId) {
        inFlightLinks = wanted;
      } else {
        await writePatientLinks(ctx, reads, patientId, wanted);
      }
    }
  }
  // Patients that left a golden record without joining another: alone now, or (in a batch run)
  // taken out until their own group is filed.
  const clustered = new Set(personOf.keys());
  for (const patientId of [...plan.currentPerson.keys()].sort(byId)) {
    if (
      !clustered.has(patientId) &&
      !plan.removed.includes(patientId) &&
      plan.currentPerson.get(patientId) !== undefined
    ) {
      await deleteMemberLinks(ctx.tx, ctx.tenantId, [patientId]);
      if (plan.inFlight?.id !== patientId) {
        await writePatientLinks(ctx, reads, patientId, []);
      }
    }
  }
  return { personOf, inFlightLinks };
}
