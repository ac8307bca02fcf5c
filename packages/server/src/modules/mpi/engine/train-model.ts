// Unsupervised training, as Splink does it: u from random pairs (nearly all non-matches), m by expectation
// maximisation within each training rule's blocks, the prior λ from the rules' match shares and recalls,
// then u re-estimated with the few true matches among the random pairs discounted. Every step is seeded.
// The records come from a bounded sample (training-sample.ts): two passes over the population, of which
// only the sampled records stay in memory, so a million patients train in about the memory of 100,000.
import type { Pattern } from './comparison-patterns.ts';
import { PatternCounter } from './comparison-patterns.ts';
import { makePosterior, runExpectationMaximisation } from './expectation-maximisation.ts';
import { compareRecords, FIELD_COUNT, FIELDS } from './fields.ts';
import { defaultModel } from './model.ts';
import { seededRandom } from './random.ts';
import type { IndexPairs } from './training-pairs.ts';
import { randomPairs } from './training-pairs.ts';
import { TrainingSampler, type RuleSample, type SampleBudget } from './training-sample.ts';
import type { TrainingRule } from './training-rules.ts';
import { TRAINING_RULES } from './training-rules.ts';
import type { FieldName, MatchModel, MatchRecord } from './types.ts';
import { FIELD_NAMES } from './types.ts';

export type TrainOptions = {
  seed?: number;
  /** Random pairs sampled for u; each training rule's EM sees at most a fifth of this. */
  maxPairs?: number;
  /**
   * Records held for training (default 100,000): a fifth for the random pairs, the rest shared by the
   * training rules' blocks. The memory ceiling of training is about this many records.
   */
  maxSampleRecords?: number;
  onProgress?: (step: string, done: number, total: number) => void;
  /** Training time stamped on the model (defaults to now). */
  now?: Date;
};

/** Streams the records to train on: each call yields every record, in batches, in the same order. */
export type RecordStream = () => AsyncIterable<readonly MatchRecord[]>;

const DEFAULT_MAX_PAIRS = 500_000;
const DEFAULT_MAX_SAMPLE_RECORDS = 100_000;
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

/** Pairs of sampled records, each with the number of the rule's pairs it stands for. */
type WeightedPairs = IndexPairs & { weights: Float64Array };

type EmRun = {
  rule: TrainingRule;
  pairs: WeightedPairs;
  totalPairs: number;
  levels: Int8Array;
  m: number[][];
  matchShare: number;
  iterations: number;
  excluded: Set<number>;
  matchedPairsPerField: number[];
};

function compareAll(records: ReadonlyArray<MatchRecord | undefined>, pairs: IndexPairs): Int8Array {
  const levels = new Int8Array(pairs.count * FIELD_COUNT);
  for (let index = 0; index < pairs.count; index++) {
    const a = records[pairs.pairs[index * 2] ?? 0];
    const b = records[pairs.pairs[index * 2 + 1] ?? 0];
    // A record gone between the two passes over a live population: the pair counts as all missing.
    if (a && b) {
      levels.set(compareRecords(a, b), index * FIELD_COUNT);
    } else {
      levels.fill(-1, index * FIELD_COUNT, (index + 1) * FIELD_COUNT);
    }
  }
  return levels;
}

function countPatterns(levels: Int8Array, count: number, weights?: Float64Array): Pattern[] {
  const counter = new PatternCounter();
  for (let index = 0; index < count; index++) {
    counter.add(levels.subarray(index * FIELD_COUNT, (index + 1) * FIELD_COUNT), weights?.[index] ?? 1);
  }
  return counter.patterns();
}

/** The pairs of a rule's sampled blocks whose records were kept and still share the rule's key. */
function rulePairsOf(sample: ReadonlyArray<MatchRecord | undefined>, ruleSample: RuleSample): WeightedPairs {
  const pairs: number[] = [];
  const weights: number[] = [];
  for (const block of ruleSample.blocks) {
    const keys = Array.from(block.members, (slot) => {
      const record = sample[slot];
      return record ? ruleSample.rule.key(record) : undefined;
    });
    for (let x = 0; x < block.members.length; x++) {
      for (let y = x + 1; y < block.members.length; y++) {
        if (keys[x] !== undefined && keys[x] === keys[y]) {
          pairs.push(block.members[x] as number, block.members[y] as number);
          weights.push(block.weight);
        }
      }
    }
  }
  return { pairs: Int32Array.from(pairs), count: weights.length, weights: Float64Array.from(weights) };
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

function runRule(
  sample: ReadonlyArray<MatchRecord | undefined>,
  ruleSample: RuleSample,
  context: TrainingContext,
): EmRun | undefined {
  const pairs = rulePairsOf(sample, ruleSample);
  if (pairs.count < MIN_RULE_PAIRS) {
    return undefined;
  }
  const levels = compareAll(sample, pairs);
  const excluded = new Set(ruleSample.rule.excluded.map((field) => FIELD_NAMES.indexOf(field)));
  const result = runExpectationMaximisation({
    patterns: countPatterns(levels, pairs.count, pairs.weights),
    m: context.defaultM,
    u: context.u,
    excluded,
    priorM: context.defaultM,
    priorPairs: PRIOR_PAIRS,
  });
  if (!isSensibleRun(result.m, context.u, excluded, result.matchShare)) {
    return undefined;
  }
  return { rule: ruleSample.rule, pairs, totalPairs: ruleSample.totalPairs, levels, excluded, ...result };
}

type TrainingContext = {
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
function ruleRecall(
  sample: ReadonlyArray<MatchRecord | undefined>,
  rule: TrainingRule,
  runs: readonly EmRun[],
  u: number[][],
) {
  let agreeing = 0;
  let matched = 0;
  for (const run of runs) {
    if (run.rule === rule) {
      continue;
    }
    const posterior = makePosterior(run.m, u, run.excluded, run.matchShare);
    for (let index = 0; index < run.pairs.count; index++) {
      const p =
        posterior(run.levels.subarray(index * FIELD_COUNT, (index + 1) * FIELD_COUNT)) *
        (run.pairs.weights[index] ?? 1);
      const keyA = rule.key(sample[run.pairs.pairs[index * 2] ?? 0] as MatchRecord);
      const keyB = rule.key(sample[run.pairs.pairs[index * 2 + 1] ?? 0] as MatchRecord);
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
function estimateLambda(
  sample: ReadonlyArray<MatchRecord | undefined>,
  recordCount: number,
  runs: readonly EmRun[],
  u: number[][],
  fallback: number,
) {
  const allPairs = (recordCount * (recordCount - 1)) / 2;
  if (allPairs === 0) {
    return fallback;
  }
  const logs: number[] = [];
  let lowerBound = 0;
  for (const run of runs) {
    const matchesInRule = run.matchShare * run.totalPairs;
    lowerBound = Math.max(lowerBound, matchesInRule / allPairs);
    const recall = ruleRecall(sample, run.rule, runs, u);
    if (recall >= MIN_RULE_RECALL) {
      logs.push(Math.log(matchesInRule / (recall * allPairs)));
    }
  }
  const estimate =
    logs.length > 0 ? Math.exp(logs.reduce((x, y) => x + y, 0) / logs.length) : lowerBound > 0 ? lowerBound : fallback;
  return Math.min(0.5, Math.max(1e-9, estimate, lowerBound));
}

function sampleBudget(options: TrainOptions): SampleBudget {
  const maxPairs = options.maxPairs ?? DEFAULT_MAX_PAIRS;
  const maxRecords = options.maxSampleRecords ?? DEFAULT_MAX_SAMPLE_RECORDS;
  const uRecords = Math.max(2, Math.floor(maxRecords / 5));
  return {
    uRecords,
    ruleRecords: Math.max(2, Math.floor((maxRecords - uRecords) / TRAINING_RULES.length)),
    rulePairs: Math.ceil(maxPairs / 5),
  };
}

/** Learns a model from unlabelled records held in memory (sampled as a streamed population would be). */
export function trainModel(records: readonly MatchRecord[], options: TrainOptions = {}): MatchModel {
  const progress = options.onProgress ?? (() => undefined);
  const sampler = new TrainingSampler(TRAINING_RULES, sampleBudget(options), options.seed ?? 1);
  progress('scan', 0, records.length);
  records.forEach((record) => sampler.scan(record));
  sampler.plan();
  records.forEach((record) => sampler.keep(record));
  progress('scan', records.length, records.length);
  return trainOnSample(sampler, options);
}

/**
 * Learns a model from unlabelled records read twice from `readRecords`, holding only the sample (see
 * `TrainOptions.maxSampleRecords`).
 */
export async function trainModelFromStream(readRecords: RecordStream, options: TrainOptions = {}): Promise<MatchModel> {
  const progress = options.onProgress ?? (() => undefined);
  const sampler = new TrainingSampler(TRAINING_RULES, sampleBudget(options), options.seed ?? 1);
  // The first pass learns how many records there are: its progress is the count so far.
  for await (const batch of readRecords()) {
    batch.forEach((record) => sampler.scan(record));
    progress('scan', sampler.recordCount, sampler.recordCount);
  }
  sampler.plan();
  let read = 0;
  for await (const batch of readRecords()) {
    batch.forEach((record) => sampler.keep(record));
    read += batch.length;
    progress('sample', read, sampler.recordCount);
  }
  return trainOnSample(sampler, options);
}

function trainOnSample(sampler: TrainingSampler, options: TrainOptions): MatchModel {
  const progress = options.onProgress ?? (() => undefined);
  const random = seededRandom(options.seed ?? 1);
  const maxPairs = options.maxPairs ?? DEFAULT_MAX_PAIRS;
  const defaults = defaultModel();
  const defaultM = FIELD_NAMES.map((field) => defaults.fields[field].levels.map((level) => level.m));
  const defaultU = FIELD_NAMES.map((field) => defaults.fields[field].levels.map((level) => level.u));
  const { sample, uMembers, recordCount } = sampler;

  progress('term-frequencies', 0, 1);
  const termFrequencies = sampler.termFrequencies();
  progress('term-frequencies', 1, 1);

  progress('random-pairs', 0, 1);
  const drawn = randomPairs(uMembers.length, maxPairs, random);
  const sampled = { pairs: drawn.pairs.map((member) => uMembers[member] ?? 0), count: drawn.count };
  const randomPatterns = countPatterns(compareAll(sample, sampled), sampled.count);
  const initialU = estimateU(randomPatterns, defaultU, () => 1);
  progress('random-pairs', 1, 1);

  const context: TrainingContext = { defaultM, u: initialU };
  const runs: EmRun[] = [];
  sampler.ruleSamples.forEach((ruleSample, index) => {
    progress(`em:${ruleSample.rule.name}`, index, TRAINING_RULES.length);
    const run = runRule(sample, ruleSample, context);
    if (run) {
      runs.push(run);
    }
  });
  progress('em', TRAINING_RULES.length, TRAINING_RULES.length);

  const m = combineM(runs, defaultM, initialU);
  capAuthoritativeConflict(m);
  const lambda = estimateLambda(sample, recordCount, runs, initialU, defaults.lambda);
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
      records: recordCount,
      sampledRecords: sample.length,
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
