// Evaluates the MPI matching engine in memory: normalise → train → block → score → cluster, then the shared
// scorer's pairwise and cluster precision/recall/F1, blocking recall (and what the missed pairs share), the
// score bands of missed and falsely merged pairs, keys and candidates per record, time and memory per
// phase. One fixed configuration for every data set: nothing is tuned per data set.
//
//   node bench/mpi/engine-eval.ts [DATA_DIR] [dataset …]     development data sets (FEBRL 1–3, fake_1000)
//   node bench/mpi/engine-eval.ts --generated                 … plus generated populations of 10,000 records
//   node bench/mpi/engine-eval.ts --generated-size 200000     generated populations only, of that size
//
// Options: --dev (with --generated-size: the development sets too), --only a,b (data sets or scenarios by
// name), --json FILE (results as JSON), --engine PATH (another engine's index.ts, to compare versions).
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readDevDataset, readTruth } from './engine-eval-data.ts';
import { generateDataset, SCENARIOS } from './engine-eval-generated.ts';
import { evaluate, type Engine, type EvalResult, type LabelledRecords } from './engine-eval-pipeline.ts';

const DEFAULT_DATA_DIR = '/work/shared/data/mpi-dev';
const DEFAULT_GENERATED_SIZE = 10_000;
const DEFAULT_ENGINE = '../../packages/server/src/modules/mpi/engine/index.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    generated: { type: 'boolean', default: false },
    'generated-size': { type: 'string' },
    dev: { type: 'boolean', default: false },
    only: { type: 'string' },
    json: { type: 'string' },
    engine: { type: 'string' },
  },
});

function devDatasets(dataDir: string, names: readonly string[], engine: Engine): Array<() => LabelledRecords> {
  return names.map((name) => () => {
    const dir = join(dataDir, name);
    const dataset = readDevDataset(dir);
    const truth = readTruth(dir);
    const start = performance.now();
    const records = dataset.patients.map((patient) => engine.toMatchRecord(patient));
    return {
      name: dataset.name,
      dir,
      task: 'dedupe',
      records,
      entityOf: records.map((record) => truth.get(record.id) ?? record.id),
      sourceOf: records.map((record) => record.source),
      normaliseMs: performance.now() - start,
    };
  });
}

function generatedDatasets(size: number, workDir: string, engine: Engine): Array<() => LabelledRecords> {
  return SCENARIOS.map((scenario) => () => {
    const generated = generateDataset(scenario, size, join(workDir, scenario.name), (patient) =>
      engine.toMatchRecord(patient),
    );
    return {
      name: size === DEFAULT_GENERATED_SIZE ? scenario.name : `${scenario.name}@${size}`,
      dir: generated.dir,
      task: generated.task,
      records: generated.items,
      entityOf: generated.entityOf,
      sourceOf: generated.sourceOf,
      normaliseMs: generated.convertMs,
    };
  });
}

const percent = (value: number, digits = 2) => `${(value * 100).toFixed(digits)}%`;
const fixed = (value: number, digits = 4) => value.toFixed(digits);
const seconds = (ms: number) => (ms / 1000).toFixed(ms < 10_000 ? 2 : 1);

function printResult(result: EvalResult): void {
  const { phases, missedByBand: missed, falseByBand: wrong } = result;
  console.log(`\n== ${result.name} (${result.task}): ${result.records} records, ${result.truePairs} true pairs`);
  console.log(
    `blocking  ${result.keysPerRecord.toFixed(1)} keys/record, ${result.candidatePairs} candidate pairs ` +
      `(${result.candidatesPerRecord.toFixed(1)}/record), ${result.oversizedBlocks} oversized blocks; recall ` +
      `${percent(result.blockingRecall, 3)}, ${result.blockingMissed} true pairs missed of which ` +
      `${result.blockingMissedNoSharedField} share no field; recall where a field is shared ` +
      percent(result.blockingRecallWithEvidence, 3),
  );
  console.log(
    `scores    pairwise P ${fixed(result.pairwise.precision)} R ${fixed(result.pairwise.recall)} F1 ` +
      `${fixed(result.pairwise.f1)} | cluster P ${fixed(result.cluster.precision)} R ${fixed(result.cluster.recall)} ` +
      `F1 ${fixed(result.cluster.f1)} (FP ${result.cluster.fp}, FN ${result.cluster.fn}), lambda ${result.lambda.toExponential(2)}`,
  );
  console.log(
    `missed    by own score: link ${missed.link}, review ${missed.review}, separate ${missed.separate}, ` +
      `not a candidate ${missed.notCandidate} | false merges: link ${wrong.link}, review ${wrong.review}, ` +
      `separate ${wrong.separate}`,
  );
  console.log(
    `time      normalise ${seconds(phases.normalise.ms)} s, train ${seconds(phases.train.ms)} s, block ` +
      `${seconds(phases.block.ms)} s, score ${seconds(phases.score.ms)} s (${result.microsecondsPerPair.toFixed(1)} µs/pair), ` +
      `cluster ${seconds(phases.cluster.ms)} s`,
  );
  console.log(
    `memory    RSS after train ${phases.train.rssMb.toFixed(0)} MB, block ${phases.block.rssMb.toFixed(0)} MB, ` +
      `score ${phases.score.rssMb.toFixed(0)} MB, cluster ${phases.cluster.rssMb.toFixed(0)} MB; peak ` +
      `${phases.train.maxRssMb.toFixed(0)} → ${phases.block.maxRssMb.toFixed(0)} → ${phases.score.maxRssMb.toFixed(0)} → ` +
      `${phases.cluster.maxRssMb.toFixed(0)} MB`,
  );
}

function printTable(results: readonly EvalResult[]): void {
  console.log(
    '\n| data set | records | keys/rec | cand/rec | block recall | missed (no field) | pair F1 | cluster P | cluster R | cluster F1 | missed: link/review/sep/unblocked | false: link/review/sep |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|');
  for (const r of results) {
    const m = r.missedByBand;
    const f = r.falseByBand;
    console.log(
      `| ${r.name} | ${r.records} | ${r.keysPerRecord.toFixed(1)} | ${r.candidatesPerRecord.toFixed(1)} | ` +
        `${percent(r.blockingRecall, 2)} | ${r.blockingMissed} (${r.blockingMissedNoSharedField}) | ${fixed(r.pairwise.f1)} | ` +
        `${fixed(r.cluster.precision)} | ${fixed(r.cluster.recall)} | ${fixed(r.cluster.f1)} | ` +
        `${m.link}/${m.review}/${m.separate}/${m.notCandidate} | ${f.link}/${f.review}/${f.separate} |`,
    );
  }
}

async function main(): Promise<void> {
  const enginePath = values.engine ? resolve(values.engine) : new URL(DEFAULT_ENGINE, import.meta.url).pathname;
  const engine = (await import(enginePath)) as Engine;
  const dataDir = positionals[0] ?? DEFAULT_DATA_DIR;
  const workDir = mkdtempSync(join(tmpdir(), 'mpi-engine-eval-'));
  const generatedSize = values['generated-size'] ? Number(values['generated-size']) : undefined;
  const runsDev = generatedSize === undefined || values.dev;
  const runsGenerated = values.generated || generatedSize !== undefined;
  const requestedDev = positionals.slice(1);
  const devNames =
    requestedDev.length > 0
      ? requestedDev
      : readdirSync(dataDir)
          .filter((name) => !name.includes('.'))
          .sort();
  const only = values.only ? new Set(values.only.split(',')) : undefined;
  const loaders = [
    ...(runsDev ? devDatasets(dataDir, devNames, engine) : []),
    ...(runsGenerated ? generatedDatasets(generatedSize ?? DEFAULT_GENERATED_SIZE, workDir, engine) : []),
  ];
  const names = [...(runsDev ? devNames : []), ...(runsGenerated ? SCENARIOS.map((scenario) => scenario.name) : [])];
  const results: EvalResult[] = [];
  loaders.forEach((load, index) => {
    const name = names[index] ?? '';
    if (only && !only.has(name) && !only.has(name.replace(/^splink-/, ''))) {
      return;
    }
    const result = evaluate(engine, load(), workDir);
    printResult(result);
    results.push(result);
  });
  printTable(results);
  if (values.json) {
    writeFileSync(values.json, `${JSON.stringify(results, null, 2)}\n`);
  }
}

await main();
