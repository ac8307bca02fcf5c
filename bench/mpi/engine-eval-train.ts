// Training memory and time on a database: loads a generated population (bench/mpi/population) into a
// PostgreSQL database once, indexes it, then trains in a fresh process per run and reports seconds, the
// process's peak resident set and the learned parameters, so two ways of training can be compared on the
// same records. Nothing is stored: the model is returned, not saved.
//
//   node bench/mpi/engine-eval-train.ts --database-url URL --records 200000 --load
//   node bench/mpi/engine-eval-train.ts --database-url URL [--sample-records N] --json streamed.json
//   node bench/mpi/engine-eval-train.ts --database-url URL --all-in-memory [--engine PATH] --json all.json
//   node bench/mpi/engine-eval-train.ts --generated 1000000 --json streamed.json
//   node bench/mpi/engine-eval-train.ts --compare streamed.json all.json
//
// `--generated N` streams N generated records straight from the generator (no database), normalising each
// as it comes, so only what training keeps is ever in memory: the engine's own ceiling at that size.
// `--all-in-memory` reads every record into memory and trains on the array, as training did before it
// streamed (with `--engine`, another engine's `trainModel`, e.g. an older copy of engine/index.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureTenant, migrate, openDatabase, type Database } from '../../packages/server/src/index.ts';
import type * as EngineModule from '../../packages/server/src/modules/mpi/engine/index.ts';
import type { MatchModel, MatchRecord } from '../../packages/server/src/modules/mpi/engine/index.ts';
import { indexAllPatients } from '../../packages/server/src/modules/mpi/index-patients.ts';
import { streamRecords } from '../../packages/server/src/modules/mpi/train-model.ts';
import { loadPopulation } from './load-population.ts';
import { emptyStats, generatePopulation, SOURCE_SYSTEMS } from './population/generate-population.ts';

const TENANT = 'mpi-train-bench';
const READ_BATCH = 5000;

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    records: { type: 'string', default: '200000' },
    generated: { type: 'string' },
    load: { type: 'boolean', default: false },
    'all-in-memory': { type: 'boolean', default: false },
    engine: { type: 'string' },
    'sample-records': { type: 'string' },
    json: { type: 'string' },
    compare: { type: 'boolean', default: false },
  },
  allowPositionals: true,
});

type TrainRun = {
  variant: string;
  records: number;
  seconds: number;
  maxRssMb: number;
  rssBeforeMb: number;
  model: MatchModel;
};

function population(count: number) {
  return generatePopulation(
    { seed: 'train-bench', corruptionRate: 0.4, sources: SOURCE_SYSTEMS.slice(0, 3), records: count },
    emptyStats(),
  );
}

/** The generated population normalised record by record, in batches, the same on every call. */
function generatedBatches(engine: typeof EngineModule, count: number) {
  return async function* readGenerated(): AsyncGenerator<MatchRecord[]> {
    let batch: MatchRecord[] = [];
    for (const record of population(count)) {
      batch.push(engine.toMatchRecord(record.patient));
      if (batch.length === READ_BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) {
      yield batch;
    }
  };
}

async function load(db: Database, count: number): Promise<void> {
  await ensureTenant(db, { id: TENANT, name: 'MPI training benchmark' });
  const records = population(count)[Symbol.iterator]();
  const seconds = await loadPopulation(db, { tenantId: TENANT, records, count });
  console.log(`loaded ${count} patients in ${seconds.toFixed(0)} s; indexing`);
  const started = performance.now();
  await indexAllPatients(db, { tenantId: TENANT });
  console.log(`indexed in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  await db.query('ANALYZE mpi_record');
}

async function loadEngine(): Promise<typeof EngineModule> {
  return (await import(
    values.engine ? resolve(values.engine) : '../../packages/server/src/modules/mpi/engine/index.ts'
  )) as typeof EngineModule;
}

async function train(engine: typeof EngineModule, read: () => AsyncGenerator<MatchRecord[]>): Promise<TrainRun> {
  const rssBeforeMb = process.memoryUsage().rss / 2 ** 20;
  const started = performance.now();
  let model: MatchModel;
  if (values['all-in-memory']) {
    const records: MatchRecord[] = [];
    for await (const batch of read()) {
      records.push(...batch);
    }
    model = engine.trainModel(records, { seed: 1 });
  } else {
    const sampleRecords = values['sample-records'];
    model = await engine.trainModelFromStream(read, {
      seed: 1,
      ...(sampleRecords ? { maxSampleRecords: Number(sampleRecords) } : {}),
    });
  }
  return {
    variant: values['all-in-memory']
      ? 'all records in memory'
      : `streamed, sample of ${model.training?.sampledRecords ?? '?'}`,
    records: model.training?.records ?? 0,
    seconds: (performance.now() - started) / 1000,
    // ru_maxrss is in kilobytes on Linux and covers the whole process.
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    rssBeforeMb,
    model,
  };
}

/** Each field's match weight log2(m/u) per level in both runs, and λ. */
function compare(a: TrainRun, b: TrainRun): void {
  const weight = (level: { m: number; u: number }) => Math.log2(level.m / level.u);
  console.log(`| | ${a.variant} | ${b.variant} |\n|---|---:|---:|`);
  console.log(`| records | ${a.records} | ${b.records} |`);
  console.log(`| seconds | ${a.seconds.toFixed(1)} | ${b.seconds.toFixed(1)} |`);
  console.log(`| peak RSS MB | ${a.maxRssMb.toFixed(0)} | ${b.maxRssMb.toFixed(0)} |`);
  console.log(`| λ | ${a.model.lambda.toExponential(3)} | ${b.model.lambda.toExponential(3)} |`);
  let largest = 0;
  for (const [field, parameters] of Object.entries(a.model.fields)) {
    const other = b.model.fields[field as keyof MatchModel['fields']];
    const cells = parameters.levels.map((level, index) => {
      const otherLevel = other.levels[index];
      const difference = otherLevel ? Math.abs(weight(level) - weight(otherLevel)) : 0;
      largest = Math.max(largest, Number.isFinite(difference) ? difference : 0);
      return `${level.level} ${weight(level).toFixed(2)}/${otherLevel ? weight(otherLevel).toFixed(2) : '-'}`;
    });
    console.log(`| ${field} | ${cells.join(', ')} | |`);
  }
  console.log(`largest difference of a level's weight: ${largest.toFixed(2)} bits`);
}

async function main(): Promise<void> {
  if (values.compare) {
    const [first, second] = process.argv.slice(-2).map((path) => JSON.parse(readFileSync(path, 'utf8')) as TrainRun);
    if (first && second) {
      compare(first, second);
    }
    return;
  }
  const engine = await loadEngine();
  if (values.generated) {
    report(await train(engine, generatedBatches(engine, Number(values.generated))));
    return;
  }
  const databaseUrl = values['database-url'];
  if (!databaseUrl) {
    throw new Error('--database-url is required (a PostgreSQL database of its own)');
  }
  const db = await openDatabase({ databaseUrl, dataDir: '', databasePoolSize: 2 });
  try {
    await migrate(db);
    if (values.load) {
      await load(db, Number(values.records));
      return;
    }
    report(await train(engine, streamRecords(db, TENANT)));
  } finally {
    await db.close();
  }
}

function report(run: TrainRun): void {
  console.log(
    `${run.variant}: ${run.records} records, ${run.seconds.toFixed(1)} s, peak RSS ${run.maxRssMb.toFixed(0)} MB ` +
      `(${run.rssBeforeMb.toFixed(0)} MB before training), λ ${run.model.lambda.toExponential(3)}`,
  );
  if (values.json) {
    writeFileSync(values.json, `${JSON.stringify(run, null, 2)}\n`);
  }
}

await main();
