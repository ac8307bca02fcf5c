// Evaluates the MPI matching engine in memory on the development data sets: normalise → train → block →
// score → cluster, then the shared scorer's pairwise and cluster precision/recall/F1, with timings and
// the blocking recall. One fixed configuration for every data set.
//
//   node bench/mpi/engine-eval.ts [DATA_DIR] [dataset …]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  candidatePairs,
  clusterRecords,
  scorePair,
  toMatchRecord,
  trainModel,
  type MatchRecord,
  type PairScore,
} from '../../packages/server/src/modules/mpi/engine/index.ts';
import { readDevDataset, readTruth } from './engine-eval-data.ts';

const DATA_DIR = process.argv[2] ?? '/work/shared/data/mpi-dev';
const SCORER = '/work/shared/tools/mpi-score.mjs';

function timed<T>(run: () => T): [T, number] {
  const start = performance.now();
  const result = run();
  return [result, performance.now() - start];
}

/** Share of the true pairs that blocking made candidates. */
function blockingRecall(
  truth: Map<string, string>,
  pairs: Array<[string, string]>,
): { recall: number; missed: number } {
  const byEntity = new Map<string, number>();
  for (const entity of truth.values()) {
    byEntity.set(entity, (byEntity.get(entity) ?? 0) + 1);
  }
  let truePairs = 0;
  for (const size of byEntity.values()) {
    truePairs += (size * (size - 1)) / 2;
  }
  let found = 0;
  for (const [a, b] of pairs) {
    if (truth.get(a) === truth.get(b)) {
      found++;
    }
  }
  return { recall: truePairs === 0 ? 1 : found / truePairs, missed: truePairs - found };
}

function evaluate(dir: string): void {
  const dataset = readDevDataset(dir);
  const truth = readTruth(dir);
  const [records, normaliseMs] = timed(() => dataset.patients.map(toMatchRecord));
  const [model, trainMs] = timed(() => trainModel(records, { seed: 1 }));
  const [candidates, blockMs] = timed(() => candidatePairs(records));
  const byId = new Map(records.map((record) => [record.id, record]));
  const [scored, scoreMs] = timed(() =>
    candidates.pairs.map(([a, b]) => ({
      a,
      b,
      score: scorePair(model, byId.get(a) as MatchRecord, byId.get(b) as MatchRecord),
    })),
  );
  const [clusters, clusterMs] = timed(() => clusterRecords(records, scored));

  const lines = ['rec_id_a,rec_id_b'];
  for (const members of clusters) {
    for (let x = 0; x < members.length; x++) {
      for (let y = x + 1; y < members.length; y++) {
        lines.push(`${members[x]},${members[y]}`);
      }
    }
  }
  const pairsPath = join(mkdtempSync(join(tmpdir(), 'mpi-engine-eval-')), `${dataset.name}-pairs.csv`);
  writeFileSync(pairsPath, `${lines.join('\n')}\n`);
  const recall = blockingRecall(truth, candidates.pairs);
  const linked = scored.filter((pair: { score: PairScore }) => pair.score.probability >= model.thresholds.upper);

  console.log(`\n== ${dataset.name}: ${records.length} records`);
  console.log(
    `model     lambda ${model.lambda.toExponential(3)}  EM runs ${(model.training?.emRuns ?? [])
      .map((run) => `${run.rule}(${run.pairs} pairs, share ${run.matchShare.toFixed(3)}, ${run.iterations} it)`)
      .join(' ')}`,
  );
  console.log(
    `blocking  ${candidates.candidateCount} candidate pairs, ${candidates.oversizedBlocks} oversized blocks, ` +
      `recall ${(recall.recall * 100).toFixed(3)}% (${recall.missed} true pairs missed)`,
  );
  console.log(
    `timing    normalise ${normaliseMs.toFixed(0)} ms, train ${trainMs.toFixed(0)} ms, block ${blockMs.toFixed(0)} ms, ` +
      `score ${scoreMs.toFixed(0)} ms (${((scoreMs * 1000) / Math.max(1, scored.length)).toFixed(1)} µs/pair), ` +
      `cluster ${clusterMs.toFixed(0)} ms; ${linked.length} pairs above the link threshold`,
  );
  process.stdout.write(execFileSync(process.execPath, [SCORER, dir, pairsPath], { encoding: 'utf8' }));
}

const requested = process.argv.slice(3);
const names = requested.length > 0 ? requested : readdirSync(DATA_DIR).filter((name) => !name.includes('.'));
for (const name of names.sort()) {
  evaluate(join(DATA_DIR, name));
}
