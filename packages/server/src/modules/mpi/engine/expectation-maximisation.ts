// Expectation maximisation of the m probabilities (and the match share) over the pairs of one blocking rule,
// with u fixed from random pairs, as Splink does. Fields the rule blocks on are left out: within the block
// they agree by construction and say nothing about m.
import type { Pattern } from './comparison-patterns.ts';

export type EmInput = {
  patterns: readonly Pattern[];
  /** Per field, per level. */
  m: number[][];
  u: readonly number[][];
  /** Fields left out of this run. */
  excluded: ReadonlySet<number>;
  /** Per field, per level: the prior m each estimate is shrunk towards with `priorPairs` pseudo-pairs. */
  priorM: readonly number[][];
  priorPairs: number;
  maxIterations?: number;
};

export type EmResult = {
  m: number[][];
  /** Share of the run's pairs estimated to be matches. */
  matchShare: number;
  iterations: number;
  /** Expected matched pairs observed per field (non-missing), the weight of each field's estimate. */
  matchedPairsPerField: number[];
};

const START_MATCH_SHARE = 0.1;
const TOLERANCE = 1e-6;
const MIN_PROBABILITY = 1e-5;

function matchPosterior(
  levels: Int8Array,
  logM: number[][],
  logU: number[][],
  excluded: ReadonlySet<number>,
  share: number,
) {
  let logRatio = Math.log(share / (1 - share));
  for (let field = 0; field < logM.length; field++) {
    const level = levels[field] ?? -1;
    if (level >= 0 && !excluded.has(field)) {
      logRatio += (logM[field]?.[level] ?? 0) - (logU[field]?.[level] ?? 0);
    }
  }
  return 1 / (1 + Math.exp(-logRatio));
}

export function runExpectationMaximisation(input: EmInput): EmResult {
  const fieldCount = input.m.length;
  let m = input.m.map((levels) => [...levels]);
  const logU = input.u.map((levels) => levels.map((u) => Math.log(Math.max(u, MIN_PROBABILITY / 100))));
  let share = START_MATCH_SHARE;
  let iterations = 0;
  let matchedPairsPerField = new Array<number>(fieldCount).fill(0);
  const total = input.patterns.reduce((sum, pattern) => sum + pattern.count, 0);
  for (; iterations < (input.maxIterations ?? 40); iterations++) {
    const logM = m.map((levels) => levels.map((value) => Math.log(value)));
    const sums = m.map((levels) => new Array<number>(levels.length).fill(0));
    const fieldTotals = new Array<number>(fieldCount).fill(0);
    let matched = 0;
    for (const pattern of input.patterns) {
      const weight = matchPosterior(pattern.levels, logM, logU, input.excluded, share) * pattern.count;
      matched += weight;
      for (let field = 0; field < fieldCount; field++) {
        const level = pattern.levels[field] ?? -1;
        if (level >= 0) {
          (sums[field] as number[])[level] = (sums[field]?.[level] ?? 0) + weight;
          fieldTotals[field] = (fieldTotals[field] ?? 0) + weight;
        }
      }
    }
    const next = sums.map((levels, field) => {
      const prior = input.priorM[field] ?? [];
      const denominator = (fieldTotals[field] ?? 0) + input.priorPairs;
      const estimate = levels.map((sum, level) =>
        Math.max(MIN_PROBABILITY, (sum + input.priorPairs * (prior[level] ?? 0)) / denominator),
      );
      const norm = estimate.reduce((x, y) => x + y, 0);
      return estimate.map((value) => value / norm);
    });
    const nextShare = Math.min(1 - MIN_PROBABILITY, Math.max(MIN_PROBABILITY, matched / Math.max(total, 1)));
    const change = Math.max(
      Math.abs(nextShare - share),
      ...next.flatMap((levels, field) => levels.map((value, level) => Math.abs(value - (m[field]?.[level] ?? 0)))),
    );
    m = next;
    share = nextShare;
    matchedPairsPerField = fieldTotals;
    if (change < TOLERANCE) {
      iterations++;
      break;
    }
  }
  return { m, matchShare: share, iterations, matchedPairsPerField };
}

/** The posterior match probability of a comparison vector under a run's parameters. */
export function makePosterior(
  m: readonly number[][],
  u: readonly number[][],
  excluded: ReadonlySet<number>,
  share: number,
): (levels: Int8Array) => number {
  const logM = m.map((values) => values.map((value) => Math.log(Math.max(value, MIN_PROBABILITY))));
  const logU = u.map((values) => values.map((value) => Math.log(Math.max(value, MIN_PROBABILITY / 100))));
  return (levels) => matchPosterior(levels, logM, logU, excluded, share);
}
