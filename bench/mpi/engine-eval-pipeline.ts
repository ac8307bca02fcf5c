// The engine evaluation's pipeline on one labelled record set: train → block → score → cluster, streamed
// as a batch run at a million records would be (candidate pairs as record indices, scores in typed
// arrays), then the shared scorer's numbers plus what the scorer cannot see: blocking recall, what the
// missed true pairs look like, and in which score band the missed and the falsely merged pairs lie.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as EngineModule from '../../packages/server/src/modules/mpi/engine/index.ts';
import type { MatchModel, MatchRecord } from '../../packages/server/src/modules/mpi/engine/index.ts';

export type Engine = typeof EngineModule;

const SCORER = '/work/shared/tools/mpi-score.mjs';

/** Records with their ground truth, index-aligned. */
export type LabelledRecords = {
  name: string;
  /** Scoring folder (truth.csv + manifest.json, or the dev data set's folder). */
  dir: string;
  task: 'dedupe' | 'link';
  records: MatchRecord[];
  entityOf: readonly string[];
  sourceOf: readonly string[];
  normaliseMs: number;
};

export type Phase = { ms: number; rssMb: number; maxRssMb: number };
export type Bands = { link: number; review: number; separate: number; notCandidate: number };
type ScorerNumbers = { precision: number; recall: number; f1: number; tp: number; fp: number; fn: number };

export type EvalResult = {
  name: string;
  task: 'dedupe' | 'link';
  records: number;
  truePairs: number;
  keysPerRecord: number;
  candidatePairs: number;
  candidatesPerRecord: number;
  oversizedBlocks: number;
  blockingRecall: number;
  /** True pairs blocking missed, and how many of them agree on no field but sex. */
  blockingMissed: number;
  blockingMissedNoSharedField: number;
  /** Blocking recall over the true pairs that agree on at least one field besides sex. */
  blockingRecallWithEvidence: number;
  microsecondsPerPair: number;
  pairwise: ScorerNumbers;
  cluster: ScorerNumbers;
  /** True pairs not in one cluster, by the band of their own score. */
  missedByBand: Bands;
  /** Pairs in one cluster that are different people, by the band of their own score (or not scored). */
  falseByBand: Bands;
  lambda: number;
  phases: Record<'normalise' | 'train' | 'block' | 'score' | 'cluster', Phase>;
};

function memoryNow(ms: number): Phase {
  return {
    ms,
    rssMb: process.memoryUsage().rss / 2 ** 20,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

function timed<T>(run: () => T): [T, Phase] {
  const start = performance.now();
  const result = run();
  return [result, memoryNow(performance.now() - start)];
}

/** Growable typed arrays of scored pairs, the compact input of `clusterIndexedPairs`. */
class ScoredPairs {
  left = new Int32Array(1024);
  right = new Int32Array(1024);
  probability = new Float64Array(1024);
  weight = new Float32Array(1024);
  count = 0;

  push(left: number, right: number, probability: number, weight: number): void {
    if (this.count === this.left.length) {
      const grow = <A extends Int32Array | Float64Array | Float32Array>(array: A, make: (size: number) => A): A => {
        const grown = make(array.length * 2);
        grown.set(array);
        return grown;
      };
      this.left = grow(this.left, (size) => new Int32Array(size));
      this.right = grow(this.right, (size) => new Int32Array(size));
      this.probability = grow(this.probability, (size) => new Float64Array(size));
      this.weight = grow(this.weight, (size) => new Float32Array(size));
    }
    this.left[this.count] = left;
    this.right[this.count] = right;
    this.probability[this.count] = probability;
    this.weight[this.count] = weight;
    this.count++;
  }
}

function bandOf(model: MatchModel, probability: number): keyof Bands {
  if (probability >= model.thresholds.upper) {
    return 'link';
  }
  return probability >= model.thresholds.lower ? 'review' : 'separate';
}

const emptyBands = (): Bands => ({ link: 0, review: 0, separate: 0, notCandidate: 0 });

/** Every true pair as [i, j] record indices (i < j); for a link task only cross-source pairs. */
function truePairsOf(data: LabelledRecords): Array<[number, number]> {
  const byEntity = new Map<string, number[]>();
  data.entityOf.forEach((entity, index) => {
    const members = byEntity.get(entity);
    if (members) {
      members.push(index);
    } else {
      byEntity.set(entity, [index]);
    }
  });
  const pairs: Array<[number, number]> = [];
  for (const members of byEntity.values()) {
    for (let x = 0; x < members.length; x++) {
      for (let y = x + 1; y < members.length; y++) {
        const i = members[x] as number;
        const j = members[y] as number;
        if (data.task === 'dedupe' || data.sourceOf[i] !== data.sourceOf[j]) {
          pairs.push([i, j]);
        }
      }
    }
  }
  return pairs;
}

/** Runs the shared scorer on the clusters' pairs; its pairwise and closure numbers. */
function runScorer(data: LabelledRecords, clusters: string[][], workDir: string) {
  const lines = ['rec_id_a,rec_id_b'];
  for (const members of clusters) {
    for (let x = 0; x < members.length; x++) {
      for (let y = x + 1; y < members.length; y++) {
        lines.push(`${members[x]},${members[y]}`);
      }
    }
  }
  const pairsPath = join(workDir, `${data.name}-pairs.csv`);
  writeFileSync(pairsPath, `${lines.join('\n')}\n`);
  const output = execFileSync(process.execPath, [SCORER, data.dir, pairsPath, '--json'], {
    encoding: 'utf8',
    maxBuffer: 2 ** 26,
  });
  return JSON.parse(output) as { pairwise: ScorerNumbers; closure: ScorerNumbers };
}

/** Whether two records agree (fully) on any field but sex: what a blocking key could have used. */
function sharesAField(engine: Engine, model: MatchModel, a: MatchRecord, b: MatchRecord): boolean {
  return engine.scorePair(model, a, b).fields.some((field) => field.field !== 'sex' && field.agreement === 'agree');
}

export function evaluate(engine: Engine, data: LabelledRecords, workDir: string): EvalResult {
  const { records } = data;
  const n = records.length;
  const pairNumber = (i: number, j: number) => (i < j ? i * n + j : j * n + i);
  const truePairs = truePairsOf(data);
  const isTrue = (i: number, j: number) =>
    data.entityOf[i] === data.entityOf[j] && (data.task === 'dedupe' || data.sourceOf[i] !== data.sourceOf[j]);

  const [model, train] = timed(() => engine.trainModel(records, { seed: 1 }));
  // Blocking alone first, for its time and recall; then blocking again with scoring, as a batch run does.
  const foundTrue = new Set<number>();
  const [summary, block] = timed(() =>
    engine.forEachCandidatePair(records, (i, j) => {
      if (isTrue(i, j)) {
        foundTrue.add(pairNumber(i, j));
      }
    }),
  );
  const scored = new ScoredPairs();
  const [, scoreWithBlocking] = timed(() =>
    engine.forEachCandidatePair(records, (i, j) => {
      const { probability, weight } = engine.weighPair(model, records[i] as MatchRecord, records[j] as MatchRecord);
      scored.push(i, j, probability, weight);
    }),
  );
  const score = { ...scoreWithBlocking, ms: Math.max(0, scoreWithBlocking.ms - block.ms) };
  const [clusters, cluster] = timed(() => engine.clusterIndexedPairs(records, scored));

  const clusterOf = new Int32Array(n);
  const indexOf = new Map(records.map((record, index) => [record.id, index]));
  clusters.forEach((members, clusterIndex) => {
    for (const id of members) {
      clusterOf[indexOf.get(id) ?? 0] = clusterIndex;
    }
  });
  const probabilityOfPair = (i: number, j: number) =>
    engine.weighPair(model, records[i] as MatchRecord, records[j] as MatchRecord).probability;

  let missedNoSharedField = 0;
  let withEvidence = 0;
  let withEvidenceFound = 0;
  const missedByBand = emptyBands();
  for (const [i, j] of truePairs) {
    const isCandidate = foundTrue.has(pairNumber(i, j));
    if (!isCandidate) {
      const shares = sharesAField(engine, model, records[i] as MatchRecord, records[j] as MatchRecord);
      withEvidence += shares ? 1 : 0;
      missedNoSharedField += shares ? 0 : 1;
    } else {
      withEvidence++;
      withEvidenceFound++;
    }
    if (clusterOf[i] !== clusterOf[j]) {
      missedByBand[isCandidate ? bandOf(model, probabilityOfPair(i, j)) : 'notCandidate']++;
    }
  }
  const falseByBand = emptyBands();
  for (const members of clusters) {
    const indices = members.map((id) => indexOf.get(id) ?? 0);
    for (let x = 0; x < indices.length; x++) {
      for (let y = x + 1; y < indices.length; y++) {
        const i = indices[x] as number;
        const j = indices[y] as number;
        if (!isTrue(i, j)) {
          falseByBand[bandOf(model, probabilityOfPair(i, j))]++;
        }
      }
    }
  }
  const scorer = runScorer(data, clusters, workDir);
  return {
    name: data.name,
    task: data.task,
    records: n,
    truePairs: truePairs.length,
    keysPerRecord: summary.keyCount / Math.max(1, n),
    candidatePairs: summary.candidateCount,
    candidatesPerRecord: summary.candidateCount / Math.max(1, n),
    oversizedBlocks: summary.oversizedBlocks,
    blockingRecall: truePairs.length === 0 ? 1 : foundTrue.size / truePairs.length,
    blockingMissed: truePairs.length - foundTrue.size,
    blockingMissedNoSharedField: missedNoSharedField,
    blockingRecallWithEvidence: withEvidence === 0 ? 1 : withEvidenceFound / withEvidence,
    microsecondsPerPair: (score.ms * 1000) / Math.max(1, summary.candidateCount),
    pairwise: scorer.pairwise,
    cluster: scorer.closure,
    missedByBand,
    falseByBand,
    lambda: model.lambda,
    phases: {
      normalise: { ms: data.normaliseMs, rssMb: 0, maxRssMb: 0 },
      train,
      block,
      score,
      cluster,
    },
  };
}
