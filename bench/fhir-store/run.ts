// FHIR store benchmark: the real server over HTTP against the bare database driver, on embedded
// PGlite and on PostgreSQL. Usage: node bench/fhir-store/run.ts [--mode embedded|postgres|both] [--quick] [--cpu-prof]
import path from 'node:path';
import { parseArgs } from 'node:util';
import { prepareModeDatabase } from './mode-database.ts';
import { onCleanup, runCleanups } from './cleanups.ts';
import { runQueue, runTimed, type LoadResult } from './closed-loop.ts';
import { FhirClient, loadSyntheaBundles, SYNTHEA_DIR, type SyntheaBundle } from './http-load.ts';
import { machineInfo } from './machine.ts';
import { makePatient } from './patients.ts';
import { openEmbeddedRaw, openPostgresRaw, READ_SQL, SCRATCH_TABLE, type RawDriver } from './raw-driver.ts';
import {
  computeRatios,
  renderMarkdown,
  toMeasurement,
  type DatabaseMode,
  type Measurement,
  type ModeReport,
} from './report.ts';
import { startServerProcess, type ServerProcess } from './server-process.ts';
import { parseModes, runBenchmark, runModesAndReport } from './bench-main.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const resultsDir = path.join(repoRoot, 'bench/results');
const TENANT = 'bench';
const LEVELS = [1, 16, 64];
const IMPORT_LEVELS = [1, 4, 16];
const QUICK_IMPORT_LEVELS = [1, 4];

type Settings = {
  quick: boolean;
  warmupMs: number;
  durationMs: number;
  levels: number[];
  importLevels: number[];
  /** Bundles POSTed per import level: every Synthea patient bundle once, or the first few when quick. */
  importBundles: number;
  cpuProfile: boolean;
};

function log(message: string): void {
  process.stderr.write(`[fhir-store] ${message}\n`);
}

function describe(result: LoadResult, unit = 'ops'): string {
  const perSecond = result.seconds > 0 ? result.resources / result.seconds : 0;
  const errors = result.errors > 0 ? `, ${result.errors} ERRORS (${result.errorSamples[0] ?? ''})` : '';
  return `c=${result.concurrency}: ${Math.round(perSecond)} ${unit}/s, p50 ${result.latency.p50Ms} ms, p99 ${result.latency.p99Ms} ms${errors}`;
}

function randomItem<T>(list: readonly T[]): T {
  const item = list[Math.floor(Math.random() * list.length)];
  if (item === undefined) {
    throw new Error('no items to pick from');
  }
  return item;
}

/** The HTTP phases: create, read and update at each level, then Synthea transactions. */
async function runApiPhases(
  server: ServerProcess,
  settings: Settings,
  bundles: SyntheaBundle[],
  measurements: Measurement[],
): Promise<string[]> {
  const ids: string[] = [];
  let seq = 0;
  const assertAlive = () => {
    if (server.hasExited()) {
      throw new Error(`the server exited during the benchmark:\n${server.output()}`);
    }
  };
  const timed = async (
    operation: 'create' | 'read' | 'update',
    run: (client: FhirClient) => () => Promise<unknown>,
  ) => {
    for (const concurrency of settings.levels) {
      const client = new FhirClient(server.origin, server.accessToken, concurrency);
      try {
        const operationOf = run(client);
        const result = await runTimed({
          concurrency,
          warmupMs: settings.warmupMs,
          durationMs: settings.durationMs,
          operation: async () => {
            await operationOf();
          },
        });
        log(`api ${operation} ${describe(result)}`);
        measurements.push(toMeasurement('api', operation, result));
      } finally {
        await client.close();
      }
      assertAlive();
    }
  };
  await timed('create', (client) => async () => {
    ids.push(await client.create('Patient', makePatient(seq++)));
  });
  log(`${ids.length} Patients created`);
  await timed('read', (client) => () => client.read('Patient', randomItem(ids)));
  await timed('update', (client) => () => {
    const id = randomItem(ids);
    return client.update('Patient', id, makePatient(seq++, id));
  });
  const items = bundles.slice(0, settings.importBundles);
  for (const concurrency of settings.importLevels) {
    const client = new FhirClient(server.origin, server.accessToken, concurrency);
    try {
      const result = await runQueue({
        concurrency,
        items,
        operation: (bundle) => client.transaction(bundle.text, bundle.entries),
      });
      log(
        `api import ${describe(result, 'resources')} (${result.operations}/${items.length} bundles in ${result.seconds.toFixed(1)} s)`,
      );
      measurements.push(toMeasurement('api', 'import', result));
    } finally {
      await client.close();
    }
    assertAlive();
  }
  return ids;
}

/** The raw phases: insert and read at each level; `open` gives a driver sized for the level. */
async function runRawPhases(
  settings: Settings,
  ids: string[],
  open: (concurrency: number) => Promise<RawDriver>,
  measurements: Measurement[],
): Promise<void> {
  let seq = 10_000_000;
  for (const operation of ['insert', 'read'] as const) {
    for (const concurrency of settings.levels) {
      const driver = await open(concurrency);
      try {
        const result = await runTimed({
          concurrency,
          warmupMs: settings.warmupMs,
          durationMs: settings.durationMs,
          operation: () => (operation === 'read' ? driver.read(randomItem(ids)) : driver.insert(seq++)),
        });
        log(`raw ${operation} ${describe(result)}`);
        measurements.push(toMeasurement('raw', operation, result));
      } finally {
        await driver.close();
      }
    }
  }
}

async function runMode(mode: DatabaseMode, settings: Settings, bundles: SyntheaBundle[]): Promise<ModeReport> {
  const startedAt = new Date().toISOString();
  const measurements: Measurement[] = [];
  const problems: string[] = [];
  try {
    const { dataDir, databaseUrl, databaseVersion } = await prepareModeDatabase(mode, { benchmark: 'store', log });
    log(`${mode}: starting the server (${databaseVersion})`);
    const server = await startServerProcess({
      dataDir,
      databaseUrl,
      tenantId: TENANT,
      cpuProfileDir: settings.cpuProfile
        ? path.join(resultsDir, 'profiles', `${mode}-${startedAt.replaceAll(':', '-')}`)
        : undefined,
    });
    const stopServer = onCleanup('server', server.stop);
    log(`${mode}: server ${server.pid} ready at ${server.origin}`);
    const ids = await runApiPhases(server, settings, bundles, measurements);
    await stopServer();
    const exitCode = await server.stop();
    if (exitCode !== 0) {
      problems.push(`the server exited with code ${String(exitCode)} on SIGTERM:\n${server.output()}`);
    }
    if (mode === 'postgres' && databaseUrl) {
      const url = databaseUrl;
      await runRawPhases(
        settings,
        ids,
        (concurrency) => openPostgresRaw(url, TENANT, Math.min(concurrency, 64)),
        measurements,
      );
    } else {
      // One PGlite for every level: it has a single connection whatever the concurrency.
      const driver = await openEmbeddedRaw(dataDir, TENANT);
      const closeDriver = onCleanup('PGlite', driver.close);
      try {
        await runRawPhases(settings, ids, async () => ({ ...driver, close: async () => {} }), measurements);
      } finally {
        await closeDriver();
      }
    }
    for (const m of measurements) {
      if (m.errors > 0) {
        problems.push(
          `${m.layer} ${m.operation} c=${m.concurrency}: ${m.errors} errors, e.g. ${m.errorSamples.join(' | ')}`,
        );
      }
    }
    const serverPoolSize = mode === 'postgres' ? Number(process.env.DATABASE_POOL_SIZE || 10) : 1;
    return {
      benchmark: 'fhir-store',
      mode,
      quick: settings.quick,
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: machineInfo(mode, databaseVersion),
      settings: {
        warmupMs: settings.warmupMs,
        durationMs: settings.durationMs,
        levels: settings.levels,
        importLevels: settings.importLevels,
        importBundles: Math.min(settings.importBundles, bundles.length),
        importEntriesPerLevel: bundles.slice(0, settings.importBundles).reduce((sum, b) => sum + b.entries, 0),
        importSource: SYNTHEA_DIR,
        importMethod: 'transaction Bundles POSTed exactly as written (POST entries): every level creates new copies',
        patientsForReads: ids.length,
        serverDatabaseConnections: serverPoolSize,
        rawPoolSize: mode === 'postgres' ? 'min(clients, 64)' : 1,
        rawReadSql: READ_SQL,
        rawInsertTable: SCRATCH_TABLE,
        cpuProfile: settings.cpuProfile,
      },
      measurements,
      ratios: computeRatios(mode, measurements, settings.levels),
      errors: measurements.reduce((sum, m) => sum + m.errors, 0) + (exitCode === 0 ? 0 : 1),
      problems,
    };
  } finally {
    // Newest first: the server (if a phase failed), PGlite, then PostgreSQL and the data directory.
    await runCleanups();
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      mode: { type: 'string', default: 'both' },
      quick: { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
    },
  });
  const modes = parseModes(values.mode);
  if (modes.length === 0) {
    process.stderr.write(
      'usage: node bench/fhir-store/run.ts [--mode embedded|postgres|both] [--quick] [--cpu-prof]\n',
    );
    return 2;
  }
  const quick = values.quick;
  const bundles = loadSyntheaBundles();
  const settings: Settings = {
    quick,
    warmupMs: quick ? 500 : 1000,
    durationMs: quick ? 2000 : 5000,
    levels: LEVELS,
    importLevels: quick ? QUICK_IMPORT_LEVELS : IMPORT_LEVELS,
    importBundles: quick ? 8 : bundles.length,
    cpuProfile: values['cpu-prof'],
  };
  return runModesAndReport({
    benchmark: 'fhir-store',
    modes,
    runMode: (mode) => runMode(mode, settings, bundles),
    renderMarkdown,
  });
}

await runBenchmark('fhir-store', main);
