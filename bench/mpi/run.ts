// MPI accuracy benchmark: each labelled data set in /work/shared/data/mpi-dev converted to FHIR
// Patients, loaded through the FHIR API of the real server, matched (train + batch dedupe with the
// `caregraph mpi` command), the golden records read back through the FHIR API as predicted pairs,
// and scored by the shared scorer: pairwise and cluster precision/recall/F1, plus throughput.
// Usage: node bench/mpi/run.ts [--mode embedded|postgres|both] [--datasets febrl1,febrl2,…]
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { DedupeReport, ModelVersion } from '@caregraph/core/domain';
import { parseModes, runBenchmark, runModesAndReport, benchLogger } from '../fhir-store/bench-main.ts';
import { onCleanup, runCleanups } from '../fhir-store/cleanups.ts';
import { machineInfo } from '../fhir-store/machine.ts';
import type { DatabaseMode } from '../fhir-store/report.ts';
import { prepareModeDatabase, type ModeDatabase } from '../fhir-store/mode-database.ts';
import { startServerProcess } from '../fhir-store/server-process.ts';
import {
  clusterPairs,
  createBenchClient,
  createPatients,
  readGoldenRecordMembers,
  runCaregraph,
} from './bench-support.ts';
import { DATASET_NAMES, MPI_DEV_DIR, readLabelledPatients } from './datasets.ts';
import { renderAccuracyMarkdown, type AccuracyModeReport, type DatasetResult, type ScorerOutput } from './report.ts';

const SCORER = '/work/shared/tools/mpi-score.mjs';
const log = benchLogger('mpi');

/** Loads, matches, reads back and scores one data set in its own tenant. */
async function runDataset(mode: DatabaseMode, database: ModeDatabase, name: string): Promise<DatasetResult> {
  const dir = path.join(MPI_DEV_DIR, name);
  const tenantId = `mpi-${name.replace(/[^a-z0-9]+/g, '-')}`;
  const labelled = readLabelledPatients(dir);
  log(`${mode} ${name}: ${labelled.length} records`);

  // 1. Load through the FHIR API; every create runs incremental matching on the default model.
  let server = await startServerProcess({ dataDir: database.dataDir, databaseUrl: database.databaseUrl, tenantId });
  let stopServer = onCleanup('server', server.stop);
  let client = createBenchClient(server.origin, server.accessToken, 4);
  const loadStarted = performance.now();
  const ids = await createPatients(
    client,
    labelled.map((record) => record.patient),
    {
      batchSize: 50,
      concurrency: mode === 'postgres' ? 4 : 1,
      onProgress: (done) => {
        if (done % 1000 === 0) {
          log(`${mode} ${name}: created ${done}/${labelled.length}`);
        }
      },
    },
  );
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  await client.close();
  await stopServer();
  log(`${mode} ${name}: loaded in ${loadSeconds.toFixed(1)} s (${Math.round(labelled.length / loadSeconds)}/s)`);

  // 2. Train a model on the loaded records, then deduplicate the whole tenant with it. The server
  // is stopped: PGlite allows one process per data directory.
  const train = await runCaregraph(database, ['mpi', 'train', '--tenant', tenantId, '--json']);
  const model = JSON.parse(train.stdout) as ModelVersion;
  const dedupe = await runCaregraph(database, ['mpi', 'dedupe', '--tenant', tenantId, '--json', '--no-progress']);
  const report = JSON.parse(dedupe.stdout) as DedupeReport;
  log(`${mode} ${name}: model v${model.version}, dedupe ${report.seconds.toFixed(1)} s, ${report.clusters} clusters`);

  // 3. Read the golden records back through the FHIR API and map Patient ids to the data set's ids.
  server = await startServerProcess({ dataDir: database.dataDir, databaseUrl: database.databaseUrl, tenantId });
  stopServer = onCleanup('server', server.stop);
  client = createBenchClient(server.origin, server.accessToken, 1);
  const clusters = await readGoldenRecordMembers(client);
  await client.close();
  await stopServer();
  const recordIdOf = new Map(ids.map((id, index) => [id, labelled[index]?.recordId ?? '']));
  const pairs = clusterPairs(clusters.map((members) => members.map((id) => recordIdOf.get(id) ?? `unknown:${id}`)));

  // 4. Score with the shared scorer.
  const pairsFile = path.join(database.dataDir, `${name}-pairs.csv`);
  writeFileSync(pairsFile, ['rec_id_a,rec_id_b', ...pairs.map(([a, b]) => `${a},${b}`)].join('\n'));
  const score = JSON.parse(
    execFileSync(process.execPath, [SCORER, dir, pairsFile, '--json']).toString('utf8'),
  ) as ScorerOutput;
  log(
    `${mode} ${name}: pairwise F1 ${score.pairwise.f1.toFixed(4)}, cluster F1 ${score.closure.f1.toFixed(4)} (P ${score.closure.precision.toFixed(4)}, R ${score.closure.recall.toFixed(4)})`,
  );
  return {
    dataset: name,
    records: labelled.length,
    goldenRecords: clusters.length,
    predictedPairs: pairs.length,
    load: { seconds: round(loadSeconds), patientsPerSecond: Math.round(labelled.length / loadSeconds) },
    train: { seconds: round(train.seconds), modelVersion: model.version, trainedOn: model.records ?? 0 },
    dedupe: {
      seconds: round(report.seconds),
      commandSeconds: round(dedupe.seconds),
      patientsPerSecond: Math.round(labelled.length / Math.max(report.seconds, 0.001)),
      report,
    },
    score,
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

async function runMode(mode: DatabaseMode, datasets: string[]): Promise<AccuracyModeReport> {
  const startedAt = new Date().toISOString();
  try {
    const database = await prepareModeDatabase(mode, { benchmark: 'mpi', log });
    const results: DatasetResult[] = [];
    const problems: string[] = [];
    for (const name of datasets) {
      try {
        results.push(await runDataset(mode, database, name));
      } catch (error) {
        problems.push(`${name}: ${(error as Error).message}`);
        log(`${mode} ${name} failed: ${(error as Error).stack ?? String(error)}`);
      }
    }
    return {
      benchmark: 'mpi',
      mode,
      quick: false,
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: machineInfo(mode, database.databaseVersion),
      settings: {
        load: 'FHIR transaction Bundles of 50 Patients through the API (server-assigned ids)',
        matching: '`caregraph mpi train` then `caregraph mpi dedupe` on the loaded tenant; no per-data-set settings',
        scorer: SCORER,
      },
      datasets: results,
      errors: problems.length,
      problems,
    };
  } finally {
    await runCleanups();
  }
}

const USAGE = `usage: node bench/mpi/run.ts [--mode embedded|postgres|both] [--datasets ${DATASET_NAMES.join(',')}]\n`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      mode: { type: 'string', default: 'embedded' },
      datasets: { type: 'string', default: DATASET_NAMES.join(',') },
    },
  });
  const modes = parseModes(values.mode);
  const datasets = values.datasets.split(',').map((name) => name.trim());
  if (modes.length === 0 || !datasets.every((name) => DATASET_NAMES.includes(name))) {
    process.stderr.write(USAGE);
    return 2;
  }
  return runModesAndReport({
    benchmark: 'mpi',
    modes,
    runMode: (mode) => runMode(mode, datasets),
    renderMarkdown: renderAccuracyMarkdown,
  });
}

await runBenchmark('mpi', main);
