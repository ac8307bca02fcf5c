// Unsupervised training, as Splink does it: u from random pairs (nearly all non-matches), m by expectation
// maximisation within each training rule's blocks, the prior λ from the rules' match shares and recalls,
// then u re-estimated with the few true matches among the random pairs discounted. Every step is seeded.
import type { Pattern } from './comparison-patterns.ts';
import { PatternCounter } from './comparison-patterns.ts';
import { makePosterior, runExpectationMaximisation } from './expectation-maximisation.ts';
import { compareRecords, FIELD_COUNT, FIELDS } from './fields.ts';
import { defaultModel } from './model.ts';
import { seededRandom } from './random.ts';
import { buildTermFrequencies } from './term-frequencies.ts';
import type { IndexPairs } from './training-pairs.ts';
import { randomPairs, rulePairs } from './training-pairs.ts';
import type { TrainingRule } from './training-rules.ts';
import { TRAINING_RULES } from './training-rules.ts';
import type { FieldName, MatchModel, MatchRecord } from './types.ts';
import { FIELD_NAMES } from './types.ts';

export type TrainOptions = {
  seed?: number;
  /** Random pairs sampled for u; each training rule's EM sees at most a fifth of this. */
  maxPairs?: number;
  onProgress?: (step: string, done: number, total: number) => void;
  /** Training time stamped on the model (defaults to now). */
  now?: Date;
};

const DEFAULT_MAX_PAIRS = 500_000;
// Below this many pairs a rule's EM estimates are noise.
const MIN_RULE_PAIRS = 30;
// Pseudo-pairs of the default m each EM estimate is shrunk towards: keeps levels never seen in a block from
// collapsing to zero.
const PRIOR_PAIRS = 5;
// A rule that finds fewer than this share of the matches says too little about λ.
const MIN_RULE_RECALL = 0.05;
// An authoritative identifier rarely differs for one person; training on data whose ids were mis-keyed must
// not soften that into weak evidence.
const MAX_AUTHORITATIVE_CONFLICT_M = 0.01;

type EmRun = {
  rule: TrainingRule;
  pairs: IndexPairs;
  totalPairs: number;
  levels: Int8Array;
  m: number[][];
  matchShare: number;
  iterations: number;
  excluded: Set<number>;
  matchedPairsPerField: number[];
};

function compareAll(records: readonly MatchRecord[], pairs: IndexPairs): Int8Array {
  const levels = new Int8Array(pairs.count * FIELD_COUNT);
  for (let index = 0; index < pairs.count; index++) {
    const a = records[pairs.pairs[index * 2] ?? 0] as MatchRecord;
    const b = records[pairs.pairs[index * 2 + 1] ?? 0] as MatchRecord;
    levels.set(compareRecords(a, b), index * FIELD_COUNT);
  }
  return levels;
}

function countPatterns(levels: Int8Array, count: number): Pattern[] {
  const counter = new PatternCounter();
  for (let index = 0; index < count; index++) {
    counter.add(levels.subarray(index * FIELD_COUNT, (index + 1) * FIELD_COUNT));
  }
  return counter.patterns();
}

/** u per field and level from (weighted) pattern counts, with a half-pair floor for levels never seen. */
function estimateU(patterns: readonly Pattern[], fallback: number[][], weightOf: (levels: Int8Array) => number) {
  const counts = fallback.map((levels) => new Array<number>(levels.length).fill(0));
  for (const pattern of patterns) {
    const weight = weightOf(pattern.levels) * pattern.count;
    pattern.levels.forEach((level, field) => {
      if (level >= 0) {
        (counts[field] as number[])[level] = (counts[field]?.[level] ?? 0) + weight;
      }
    });
  }
  return counts.map((levels, field) => {
    const total = levels.reduce((x, y) => x + y, 0);
    if (total < 1) {
      return fallback[field] ?? [];
    }
    return levels.map((count) => (count + 0.5) / (total + 0.5 * levels.length));
  });
}

/** A run is kept when its "match" class agrees more often than non-matches on most compared fields. */
function isSensibleRun(m: number[][], u: number[][], excluded: Set<number>, matchShare: number): boolean {
  let better = 0;
  let worse = 0;
  m.forEach((levels, field) => {
    if (!excluded.has(field)) {
      if ((levels[0] ?? 0) > (u[field]?.[0] ?? 1)) {
        better++;
      } else {
        worse++;
      }
    }
  });
  return matchShare > 1e-6 && matchShare < 0.999 && better > worse;
}

function runRule(records: readonly MatchRecord[], rule: TrainingRule, context: TrainingContext): EmRun | undefined {
  const sampled = rulePairs(records, rule.key, context.rulePairCap, context.random);
  if (sampled.count < MIN_RULE_PAIRS) {
    return undefined;
  }
  const levels = compareAll(records, sampled);
  const excluded = new Set(rule.excluded.map((field) => FIELD_NAMES.indexOf(field)));
  const result = runExpectationMaximisation({
    patterns: countPatterns(levels, sampled.count),
    m: context.defaultM,
    u: context.u,
    excluded,
    priorM: context.defaultM,
    priorPairs: PRIOR_PAIRS,
  });
  if (!isSensibleRun(result.m, context.u, excluded, result.matchShare)) {
    return undefined;
  }
  return { rule, pairs: sampled, totalPairs: sampled.totalPairs, levels, excluded, ...result };
}

type TrainingContext = {
  random: () => number;
  rulePairCap: number;
  defaultM: number[][];
  u: number[][];
};

/** Each field's m: the runs that estimated it, weighted by how many matched pairs each saw. */
function combineM(runs: readonly EmRun[], defaultM: number[][], u: number[][]): number[][] {
  return defaultM.map((fallback, field) => {
    let weightTotal = 0;
    const sums = new Array<number>(fallback.length).fill(0);
    for (const run of runs) {
      const weight = run.excluded.has(field) ? 0 : (run.matchedPairsPerField[field] ?? 0);
      weightTotal += weight;
      run.m[field]?.forEach((value, level) => {
        sums[level] = (sums[level] ?? 0) + weight * value;
      });
    }
    if (weightTotal < 1) {
      return fallback;
    }
    const m = sums.map((sum) => sum / weightTotal);
    const uLevels = u[field] ?? [];
    // Guard against a degenerate estimate: the best level must favour a match and the worst must not.
    const isDegenerate = (m[0] ?? 0) <= (uLevels[0] ?? 0) || (m.at(-1) ?? 0) >= (uLevels.at(-1) ?? 1);
    return isDegenerate ? fallback : m;
  });
}

function capAuthoritativeConflict(m: number[][]): void {
  const levels = m[FIELD_NAMES.indexOf('nationalId')];
  if (!levels) {
    return;
  }
  const last = levels.length - 1;
  const conflict = levels[last] ?? 0;
  if (conflict > MAX_AUTHORITATIVE_CONFLICT_M) {
    const scale = (1 - MAX_AUTHORITATIVE_CONFLICT_M) / (1 - conflict);
    for (let level = 0; level < last; level++) {
      levels[level] = (levels[level] ?? 0) * scale;
    }
    levels[last] = MAX_AUTHORITATIVE_CONFLICT_M;
  }
}

/** Share of a run's matched pairs that also agree on `rule`'s key: that rule's recall of true matches. */
function ruleRecall(records: readonly MatchRecord[], rule: TrainingRule, runs: readonly EmRun[], u: number[][]) {
  let agreeing = 0;
  let matched = 0;
  for (const run of runs) {
    if (run.rule === rule) {
      continue;
    }
    const posterior = makePosterior(run.m, u, run.excluded, run.matchShare);
    for (let index = 0; index < run.pairs.count; index++) {
      const p = posterior(run.levels.subarray(index * FIELD_COUNT, (index + 1) * FIELD_COUNT));
      const keyA = rule.key(records[run.pairs.pairs[index * 2] ?? 0] as MatchRecord);
      const keyB = rule.key(records[run.pairs.pairs[index * 2 + 1] ?? 0] as MatchRecord);
      matched += p;
      if (keyA !== undefined && keyA !== '' && keyA === keyB) {
        agreeing += p;
      }
    }
  }
  return matched > 0 ? agreeing / matched : 0;
}

/**
 * λ = expected matches / all pairs. A rule's block holds share × its pairs matches, which is its recall
 * of all matches; the estimates of the rules are combined by geometric mean.
 */
function estimateLambda(records: readonly MatchRecord[], runs: readonly EmRun[], u: number[][], fallback: number) {
  const allPairs = (records.length * (records.length - 1)) / 2;
  if (allPairs === 0) {
    return fallback;
  }
  const logs: number[] = [];
  let lowerBound = 0;
  for (const run of runs) {
    const matchesInRule = run.matchShare * run.totalPairs;
    lowerBound = Math.max(lowerBound, matchesInRule / allPairs);
    const recall = ruleRecall(records, run.rule, runs, u);
    if (recall >= MIN_RULE_RECALL) {
      logs.push(Math.log(matchesInRule / (recall * allPairs)));
    }
  }
  const estimate =
    logs.length > 0 ? Math.exp(logs.reduce((x, y) => x + y, 0) / logs.length) : lowerBound > 0 ? lowerBound : fallback;
  return Math.min(0.5, Math.max(1e-9, estimate, lowerBound));
}

/** Learns a model from unlabelled records. */
export function trainModel(records: MatchRecord[], options: TrainOptions = {}): MatchModel {
  const progress = options.onProgress ?? (() => undefined);
  const random = seededRandom(options.seed ?? 1);
  const maxPairs = options.maxPairs ?? DEFAULT_MAX_PAIRS;
  const defaults = defaultModel();
  const defaultM = FIELD_NAMES.map((field) => defaults.fields[field].levels.map((level) => level.m));
  const defaultU = FIELD_NAMES.map((field) => defaults.fields[field].levels.map((level) => level.u));

  progress('term-frequencies', 0, 1);
  const termFrequencies = buildTermFrequencies(records);
  progress('term-frequencies', 1, 1);

  progress('random-pairs', 0, 1);
  const sampled = randomPairs(records.length, maxPairs, random);
  const randomPatterns = countPatterns(compareAll(records, sampled), sampled.count);
  const initialU = estimateU(randomPatterns, defaultU, () => 1);
  progress('random-pairs', 1, 1);

  const context: TrainingContext = { random, rulePairCap: Math.ceil(maxPairs / 5), defaultM, u: initialU };
  const runs: EmRun[] = [];
  TRAINING_RULES.forEach((rule, index) => {
    progress(`em:${rule.name}`, index, TRAINING_RULES.length);
    const run = runRule(records, rule, context);
    if (run) {
      runs.push(run);
    }
  });
  progress('em', TRAINING_RULES.length, TRAINING_RULES.length);

  const m = combineM(runs, defaultM, initialU);
  capAuthoritativeConflict(m);
  const lambda = estimateLambda(records, runs, initialU, defaults.lambda);
  // Random pairs include a few true matches, which inflate u of the agreeing levels on small data sets.
  const posterior = makePosterior(m, initialU, new Set(), lambda);
  const u = estimateU(randomPatterns, defaultU, (levels) => 1 - posterior(levels));

  const fields = Object.fromEntries(
    FIELD_NAMES.map((field: FieldName, index) => [
      field,
      {
        levels: FIELDS[field].levels.map((level, levelIndex) => ({
          level,
          agreement: FIELDS[field].defaults[levelIndex]?.[2] ?? 'disagree',
          m: m[index]?.[levelIndex] ?? 0.5,
          u: u[index]?.[levelIndex] ?? 0.5,
        })),
      },
    ]),
  ) as MatchModel['fields'];
  return {
    version: 1,
    trainedAt: (options.now ?? new Date()).toISOString(),
    lambda,
    fields,
    termFrequencies,
    thresholds: { ...defaults.thresholds },
    training: {
      records: records.length,
      randomPairs: sampled.count,
      emRuns: runs.map((run) => ({
        rule: run.rule.name,
        pairs: run.pairs.count,
        iterations: run.iterations,
        matchShare: run.matchShare,
      })),
    },
  };
}
