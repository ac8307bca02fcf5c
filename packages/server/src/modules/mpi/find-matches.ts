import type { Patient } from '@medplum/fhirtypes';
import { blockingKeys, scorePair, type PairScore } from './engine/index.ts';
import { tryReadLive, type StoreContext } from './fhir-store.ts';
import { findCandidates } from './find-candidates.ts';
import { resolveModel } from './model-store.ts';
import { toIndexedRecord } from './sealed-identifiers.ts';

/** A stored Patient that may be the same person as the one asked about. */
export type PatientMatch = { patient: Patient & { id: string }; score: PairScore };

export type FindMatchesOptions = {
  /** The demographics to look for; need not be stored. */
  patient: Patient;
  /** Only matches graded `certain`. */
  onlyCertain: boolean;
  /** The most matches to return. */
  count: number;
};

/**
 * The stored Patients that may be the person described, best first: the candidates its blocking
 * keys find, scored with the tenant's model; `certainly-not` candidates are left out, and so are
 * records merged into another (their survivor is found instead).
 */
export async function findMatches(ctx: StoreContext, options: FindMatchesOptions): Promise<PatientMatch[]> {
  // A lookup stores nothing: a tenant without keys yet has no sealed record to compare with.
  const patient = { ...options.patient, id: options.patient.id ?? '' };
  const record = await toIndexedRecord(ctx.tx, ctx.tenantId, patient, { create: false });
  const lookup = await findCandidates(ctx.tx, {
    tenantId: ctx.tenantId,
    patientId: options.patient.id ?? '',
    keys: blockingKeys(record),
  });
  const model = await resolveModel(ctx.tx, ctx.tenantId, lookup.model);
  const scored = lookup.candidates
    .map((candidate) => ({ id: candidate.id, score: scorePair(model, record, candidate.record) }))
    .filter(({ score }) => (options.onlyCertain ? score.grade === 'certain' : score.grade !== 'certainly-not'))
    .sort((x, y) => y.score.probability - x.score.probability || (x.id < y.id ? -1 : 1))
    .slice(0, options.count);
  const matches: PatientMatch[] = [];
  for (const { id, score } of scored) {
    const stored = await tryReadLive<Patient>(ctx, 'Patient', id);
    if (stored) {
      matches.push({ patient: stored.content, score });
    }
  }
  return matches;
}
