// Bounded training input. Training never holds the whole population: a first pass over the records counts
// term frequencies and keeps, per record, one key hash per training rule and a reservoir of records for u;
// the plan then picks the records a second pass keeps: the reservoir, and for each rule whole blocks in a
// seeded random order until the rule's budget is spent. A block larger than MAX_BLOCK_SAMPLE contributes a
// random subset of its members, whose pairs are weighted up, so every pair of a rule counts alike (a
// Horvitz–Thompson estimate of the rule's pair patterns). Memory: the kept records (at most `uRecords` +
// rules × `ruleRecords`), plus 12 bytes per record and rule for the hashes and their sort, plus the term
// counts (one entry per distinct name and birth date).
import { Float64List } from './float64-list.ts';
import { hashKey } from './hash-key.ts';
import { randomIndex, seededRandom, type Random } from './random.ts';
import { TermCounter } from './term-frequencies.ts';
import type { TrainingRule } from './training-rules.ts';
import type { MatchModel, MatchRecord } from './types.ts';

export type SampleBudget = {
  /** Records kept for the random pairs that estimate u. */
  uRecords: number;
  /** Records kept per training rule for its EM run. */
  ruleRecords: number;
  /** Pairs per training rule. */
  rulePairs: number;
};

/** One sampled block of a rule: its kept members (indices into `sample`) and the weight of each of its pairs. */
export type SampledBlock = { members: Int32Array; weight: number };

/** A rule's sampled blocks and how many pairs share its key in the whole population. */
export type RuleSample = { rule: TrainingRule; blocks: SampledBlock[]; totalPairs: number };

// Members of one block compared all against all; larger blocks are subsampled to this many.
const MAX_BLOCK_SAMPLE = 100;
const NO_KEY = -1;
// A salt for the sampler's own random stream, so the training's pair sampling keeps its sequence.
const SAMPLER_SALT = 0x5bd1e995;

/** Blocks of two records or more of one rule's hashes, as [start, end) runs of `members`. */
function blocksOf(hashes: Float64Array, count: number): { members: Int32Array; bounds: number[]; totalPairs: number } {
  const scale = 2 ** Math.max(1, Math.ceil(Math.log2(count + 1)));
  const hashRange = 2 ** 53 / scale;
  const entries = new Float64List();
  for (let index = 0; index < count; index++) {
    const hash = hashes[index] as number;
    if (hash !== NO_KEY) {
      entries.push((hash % hashRange) * scale + index);
    }
  }
  const sorted = entries.values.subarray(0, entries.length).sort();
  const members = new Int32Array(sorted.length);
  const bounds: number[] = [];
  let totalPairs = 0;
  for (let start = 0; start < sorted.length;) {
    const block = Math.floor((sorted[start] as number) / scale);
    let end = start;
    for (; end < sorted.length && Math.floor((sorted[end] as number) / scale) === block; end++) {
      members[end] = (sorted[end] as number) - block * scale;
    }
    if (end - start > 1) {
      bounds.push(start, end);
      totalPairs += ((end - start) * (end - start - 1)) / 2;
    }
    start = end;
  }
  return { members, bounds, totalPairs };
}

/** Shuffles the first `take` places of `values` with the rest (a partial Fisher–Yates). */
function shuffleHead(values: Int32Array, take: number, random: Random): void {
  for (let index = 0; index < take; index++) {
    const other = index + randomIndex(random, values.length - index);
    const value = values[index] as number;
    values[index] = values[other] as number;
    values[other] = value;
  }
}

/**
 * Call `scan` with every record, then `plan`, then `keep` with every record again in the same order; the
 * sample is then ready. A record that changed between the passes can only cost a pair: training checks
 * that a sampled pair still shares its rule's key.
 */
export class TrainingSampler {
  readonly sample: Array<MatchRecord | undefined> = [];
  /** The records of the random pairs for u, as indices into `sample`. */
  uMembers = new Int32Array(0);
  ruleSamples: RuleSample[] = [];
  recordCount = 0;

  private readonly rules: readonly TrainingRule[];
  private readonly budget: SampleBudget;
  private readonly random: Random;
  private readonly terms = new TermCounter();
  private ruleHashes: Float64List[];
  private readonly reservoir: Int32Array;
  private slots = new Int32Array(0);
  private kept = 0;

  constructor(rules: readonly TrainingRule[], budget: SampleBudget, seed: number) {
    this.rules = rules;
    this.budget = budget;
    this.random = seededRandom(seed ^ SAMPLER_SALT);
    this.ruleHashes = rules.map(() => new Float64List());
    this.reservoir = new Int32Array(budget.uRecords);
  }

  scan(record: MatchRecord): void {
    const index = this.recordCount++;
    this.terms.add(record);
    this.rules.forEach((rule, ruleIndex) => {
      const key = rule.key(record);
      this.ruleHashes[ruleIndex]?.push(key === undefined || key === '' ? NO_KEY : hashKey(key));
    });
    // Reservoir sampling (Algorithm R): every record is equally likely to be kept for u.
    if (index < this.reservoir.length) {
      this.reservoir[index] = index;
    } else {
      const slot = randomIndex(this.random, index + 1);
      if (slot < this.reservoir.length) {
        this.reservoir[slot] = index;
      }
    }
  }

  plan(): void {
    this.slots = new Int32Array(this.recordCount).fill(-1);
    const uCount = Math.min(this.recordCount, this.reservoir.length);
    this.uMembers = Int32Array.from(this.reservoir.subarray(0, uCount), (index) => this.want(index));
    this.ruleSamples = this.rules.map((rule, ruleIndex) => {
      const hashes = this.ruleHashes[ruleIndex] as Float64List;
      return { rule, ...this.sampleRule(blocksOf(hashes.values, this.recordCount)) };
    });
    this.ruleHashes = [];
  }

  keep(record: MatchRecord): void {
    const slot = this.slots[this.kept++];
    if (slot !== undefined && slot >= 0) {
      this.sample[slot] = record;
    }
  }

  termFrequencies(): MatchModel['termFrequencies'] {
    return this.terms.tables();
  }

  private want(index: number): number {
    const slot = this.slots[index] as number;
    if (slot >= 0) {
      return slot;
    }
    this.slots[index] = this.sample.length;
    this.sample.push(undefined);
    return this.sample.length - 1;
  }

  private sampleRule(found: { members: Int32Array; bounds: number[]; totalPairs: number }) {
    const { members, bounds, totalPairs } = found;
    const blockCount = bounds.length / 2;
    const order = Int32Array.from({ length: blockCount }, (_, index) => index);
    let records = 0;
    let isWhole = totalPairs <= this.budget.rulePairs;
    for (let bound = 0; bound < bounds.length && isWhole; bound += 2) {
      const size = (bounds[bound + 1] as number) - (bounds[bound] as number);
      records += size;
      isWhole = size <= MAX_BLOCK_SAMPLE && records <= this.budget.ruleRecords;
    }
    if (!isWhole) {
      shuffleHead(order, blockCount, this.random);
    }
    const blocks: SampledBlock[] = [];
    let keptRecords = 0;
    let keptPairs = 0;
    for (const block of order) {
      const start = bounds[block * 2] as number;
      const size = (bounds[block * 2 + 1] as number) - start;
      const take = Math.min(size, MAX_BLOCK_SAMPLE);
      const pairs = (take * (take - 1)) / 2;
      if (keptRecords + take > this.budget.ruleRecords || keptPairs + pairs > this.budget.rulePairs) {
        continue;
      }
      const chosen = members.slice(start, start + size);
      if (take < size) {
        shuffleHead(chosen, take, this.random);
      }
      blocks.push({
        members: Int32Array.from(chosen.subarray(0, take), (index) => this.want(index)),
        weight: (size * (size - 1)) / (take * (take - 1)),
      });
      keptRecords += take;
      keptPairs += pairs;
    }
    return { blocks, totalPairs };
  }
}
