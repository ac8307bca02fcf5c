// What the incremental match's candidate lookup reads for new patients: candidates per lookup, the
// keys it left out (over their cap, or past the candidate budget), whether the person's loaded record
// was among the candidates, and the lookup's own latency, measured in this process on the database.
import type { Database } from '../../packages/server/src/index.ts';
import { blockingKeys, toMatchRecord } from '../../packages/server/src/modules/mpi/engine/index.ts';
import { findCandidates } from '../../packages/server/src/modules/mpi/find-candidates.ts';
import { summarizeLatencies, type LatencySummary } from '../fhir-store/percentiles.ts';
import type { PopulationRecord } from './population/generate-population.ts';

export type LookupStats = {
  /** The candidate budget the lookups ran with. */
  candidateBudget: number;
  lookups: number;
  /** Candidates per lookup (the rows read and scored), as a distribution. */
  candidates: { p50: number; p99: number; mean: number; max: number };
  /** Mean keys per lookup skipped because their block is over its cap. */
  meanKeysOverCap: number;
  /** Mean keys per lookup left out because their block would exceed the candidate budget. */
  meanKeysOverBudget: number;
  /** Lookups whose person has a record in the loaded population. */
  withLoadedRecord: number;
  /** Of those, lookups that found at least one of the person's loaded records. */
  foundLoadedRecord: number;
  latency: LatencySummary;
};

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0;
}

/**
 * Runs the candidate lookup for each record as `$match` would (its blocking keys, nothing stored) with
 * the given candidate budget; `loadedPeople` are the people with a record in the population (ids
 * `<person>-<n>`).
 */
export async function measureLookups(
  db: Database,
  options: {
    tenantId: string;
    records: readonly PopulationRecord[];
    loadedPeople: ReadonlySet<string>;
    candidateBudget: number;
  },
): Promise<LookupStats> {
  const counts: number[] = [];
  const times: number[] = [];
  let keysOverCap = 0;
  let keysOverBudget = 0;
  let withLoadedRecord = 0;
  let foundLoadedRecord = 0;
  for (const { entityId, patient } of options.records) {
    const record = toMatchRecord({ ...patient, id: '' });
    const started = performance.now();
    const lookup = await findCandidates(db, {
      tenantId: options.tenantId,
      patientId: '',
      keys: blockingKeys(record),
      candidateBudget: options.candidateBudget,
    });
    times.push(performance.now() - started);
    counts.push(lookup.candidates.length);
    keysOverCap += lookup.oversizedKeys;
    keysOverBudget += lookup.keysOverBudget;
    if (options.loadedPeople.has(entityId)) {
      withLoadedRecord++;
      if (lookup.candidates.some((candidate) => candidate.id.startsWith(`${entityId}-`))) {
        foundLoadedRecord++;
      }
    }
  }
  const sorted = [...counts].sort((a, b) => a - b);
  const lookups = counts.length;
  return {
    candidateBudget: options.candidateBudget,
    lookups,
    candidates: {
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      mean: Math.round((counts.reduce((sum, count) => sum + count, 0) / Math.max(1, lookups)) * 10) / 10,
      max: sorted.at(-1) ?? 0,
    },
    meanKeysOverCap: Math.round((keysOverCap / Math.max(1, lookups)) * 100) / 100,
    meanKeysOverBudget: Math.round((keysOverBudget / Math.max(1, lookups)) * 100) / 100,
    withLoadedRecord,
    foundLoadedRecord,
    latency: summarizeLatencies(times),
  };
}
