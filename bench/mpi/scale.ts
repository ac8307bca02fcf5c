// MPI scale benchmark: a synthetic population (bench/mpi/population) loaded straight into the
// store, then batch deduplication of all of it (time, peak memory), incremental matching of new
// patients created through the API against the population, and Patient/$match latency.
// Usage: node bench/mpi/scale.ts [--mode embedded|postgres|both] [--quick] [--records N] [--seed S] [--cpu-prof DIR]
//                                [--keep-dir DIR | --reuse-dir DIR] [--statement-stats] [--unix-socket]
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  dedupeTenant,
  ensureTenant,
  migrate,
  openDatabase,
  trainTenantModel,
  type Database,
} from '../../packages/server/src/index.ts';
import { CANDIDATE_BUDGET } from '../../packages/server/src/modules/mpi/mpi-records.ts';
import { analyzeQueriedTables, QUERIED_TABLES } from '../../packages/server/src/modules/import/analyze-tables.ts';
import { benchLogger, parseModes, runBenchmark, runModesAndReport } from '../fhir-store/bench-main.ts';
import { onCleanup, runCleanups } from '../fhir-store/cleanups.ts';
import { machineInfo } from '../fhir-store/machine.ts';
import { summarizeLatencies } from '../fhir-store/percentiles.ts';
import type { DatabaseMode } from '../fhir-store/report.ts';
import { startServerProcess } from '../fhir-store/server-process.ts';
import { settleAuditBacklog } from '../fhir-store/audit-backlog.ts';
import { prepareKeptDatabase } from '../fhir-store/kept-postgres.ts';
import { prepareModeDatabase, withConnection, type ModeDatabase } from '../fhir-store/mode-database.ts';
import { STATEMENT_STATS_SETTINGS, StatementStats, statementLogLines } from '../fhir-store/statement-stats.ts';
import { createBenchClient, type BenchClient } from './bench-support.ts';
import {
  readKeptPopulation,
  RESERVED_RUNS,
  saveKeptPopulation,
  sliceOf,
  type KeptPopulation,
} from './kept-population.ts';
import { LOAD_BATCH, loadPopulation } from './load-population.ts';
import { measureLookups, type LookupStats } from './lookup-stats.ts';
import { emptyStats, generatePopulation, type PopulationRecord } from './population/generate-population.ts';
import { renderScaleMarkdown, type MemoryPeak, type ScaleModeReport } from './scale-report.ts';

const TENANT = 'mpi-scale';
/** The master patient index's tables the matching of one write reads. */
const MPI_TABLES = ['mpi_record', 'mpi_block_key', 'mpi_link', 'mpi_decision', 'mpi_model'];
const log = benchLogger('mpi-scale');
/**
 * Candidate budgets the lookup is measured with: the one matching uses first, then smaller and larger
 * ones, and one no record reaches (every key under its cap taken), as the lookup was before the budget.
 */
const LOOKUP_BUDGETS = [CANDIDATE_BUDGET, 25, 50, 200, 400, 1_000_000];

type Settings = {
  quick: boolean;
  records: number | undefined;
  seed: string;
  probes: number;
  warmup: number;
  /** `--cpu-prof`: where the server writes a V8 CPU profile of the creates and `$match` (`node --cpu-prof`). */
  profileDir: string | undefined;
  /** `--keep-dir`: load, train and deduplicate into a cluster in this directory, and leave it there. */
  keepDir: string | undefined;
  /** `--reuse-dir`: start the cluster a `--keep-dir` run left and measure the creates, `$match` and lookups only. */
  reuseDir: string | undefined;
  /** `--statement-stats` (PostgreSQL): what the database ran per create and per `$match`, from `pg_stat_statements`. */
  statementStats: boolean;
  /** `--unix-socket` (PostgreSQL): every connection over the cluster's Unix-domain socket instead of TCP. */
  unixSocket: boolean;
};

/** How many statements the report names per window: a create that joins a golden record runs about 18 kinds. */
const REPORTED_STATEMENTS = 14;

/** Default population: 1M on PostgreSQL, 50,000 embedded (PGlite is one process), 2,000 with --quick. */
function populationSize(mode: DatabaseMode, settings: Settings): number {
  return settings.records ?? (settings.quick ? 2000 : mode === 'postgres' ? 1_000_000 : 50_000);
}

/** Samples heap and RSS every 200 ms while `work` runs; maxRSS (the kernel's peak) covers the gaps. */
async function measureMemory<T>(work: () => Promise<T>): Promise<{ result: T; memory: MemoryPeak; seconds: number }> {
  let peakHeap = process.memoryUsage().heapUsed;
  let peakRss = process.memoryUsage().rss;
  const timer = setInterval(() => {
    const usage = process.memoryUsage();
    peakHeap = Math.max(peakHeap, usage.heapUsed);
    peakRss = Math.max(peakRss, usage.rss);
  }, 200);
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  try {
    const result = await work();
    return {
      result,
      seconds: (performance.now() - started) / 1000,
      memory: {
        rssBeforeMb: Math.round(rssBefore / 2 ** 20),
        peakRssSampledMb: Math.round(peakRss / 2 ** 20),
        peakHeapMb: Math.round(peakHeap / 2 ** 20),
        // ru_maxrss is in kilobytes on Linux and covers the whole process life so far.
        maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      },
    };
  } finally {
    clearInterval(timer);
  }
}

/**
 * Times `operation` once per input after `warmup` untimed runs; resolves to milliseconds.
 * `onMeasuring` runs once the warm-up is over, before the first timed run.
 */
async function timeEach<T>(
  inputs: readonly T[],
  warmup: number,
  operation: (input: T) => Promise<void>,
  onMeasuring?: () => Promise<void>,
): Promise<number[]> {
  const times: number[] = [];
  for (const [index, input] of inputs.entries()) {
    if (index === warmup) {
      await onMeasuring?.();
    }
    const started = performance.now();
    await operation(input);
    if (index >= warmup) {
      times.push(performance.now() - started);
    }
  }
  return times;
}

/** The `mpi…` entries of a Server-Timing header (`mpi;dur=3.2, mpi-lookup;dur=1.1`), by name. */
function mpiTimingsOf(header: string | undefined): Map<string, number> {
  const timings = new Map<string, number>();
  for (const match of (header ?? '').matchAll(/(?:^|,)\s*(mpi[\w-]*)[^,]*;dur=([\d.]+)/g)) {
    timings.set(match[1] as string, Number(match[2]));
  }
  return timings;
}

async function measureRequests(
  client: BenchClient,
  options: {
    incoming: PopulationRecord[];
    probes: PopulationRecord[];
    warmup: number;
    statementStats: StatementStats | undefined;
  },
) {
  const { incoming, probes, warmup, statementStats } = options;
  const resetStatements = statementStats && (() => statementStats.reset());
  const readStatements = async (requests: number, label: string) => {
    if (!statementStats) {
      return undefined;
    }
    const stats = await statementStats.read(requests, REPORTED_STATEMENTS);
    statementLogLines(label, stats).forEach((line) => log(line));
    return stats;
  };
  const matchSteps: Array<Map<string, number>> = [];
  const creates = await timeEach(
    incoming,
    warmup,
    async ({ patient }) => {
      const { id: _id, ...resource } = patient;
      const response = await client.post('Patient', JSON.stringify(resource));
      const timings = mpiTimingsOf(response.headers['server-timing']);
      if (timings.has('mpi')) {
        matchSteps.push(timings);
      }
    },
    resetStatements,
  );
  const createStatements = await readStatements(creates.length, 'create');
  const matches = await timeEach(
    probes,
    warmup,
    async ({ patient }) => {
      const { id: _id, ...resource } = patient;
      const parameters = {
        resourceType: 'Parameters',
        parameter: [
          { name: 'resource', resource },
          { name: 'count', valueInteger: 10 },
        ],
      };
      await client.post('Patient/$match', JSON.stringify(parameters));
    },
    resetStatements,
  );
  const matchStatements = await readStatements(matches.length, '$match');
  const statements =
    createStatements && matchStatements ? { creates: createStatements, match: matchStatements } : undefined;
  return { creates, matches, matchSteps: matchSteps.slice(warmup), statements };
}

/** Loads the population, trains and deduplicates: the figures a kept population keeps. */
async function loadTrainAndDedupe(
  db: Database,
  mode: DatabaseMode,
  loading: Iterator<PopulationRecord>,
  size: number,
): Promise<KeptPopulation['firstRun']> {
  log(`${mode}: loading ${size.toLocaleString('en-US')} synthetic patients`);
  let lastLog = performance.now();
  const loadSeconds = await loadPopulation(db, {
    tenantId: TENANT,
    records: loading,
    count: size,
    onProgress: (written) => {
      if (performance.now() - lastLog > 10_000 || written >= size) {
        lastLog = performance.now();
        log(`  loaded ${written.toLocaleString('en-US')} / ${size.toLocaleString('en-US')}`);
      }
    },
  });
  await analyzeQueriedTables(db);

  // 2. Train, then batch-deduplicate everything, with the peak memory of this process (the
  // embedded database runs inside it too).
  const trained = await measureMemory(() => trainTenantModel(db, { tenantId: TENANT }));
  log(`${mode}: trained model v${trained.result.version} in ${trained.seconds.toFixed(1)} s`);
  const phases = new Map<string, number>();
  let phase: string | undefined;
  let phaseStarted = performance.now();
  let lastReport = phaseStarted;
  const dedupe = await measureMemory(() =>
    dedupeTenant(db, {
      tenantId: TENANT,
      onProgress: (progress) => {
        // A phase reports after each of its batches: it began when the previous one last reported.
        if (progress.phase !== phase) {
          phase = progress.phase;
          phaseStarted = lastReport;
        }
        lastReport = performance.now();
        phases.set(progress.phase, round((lastReport - phaseStarted) / 1000));
      },
    }),
  );
  log(
    `${mode}: dedupe ${dedupe.seconds.toFixed(1)} s, peak RSS ${dedupe.memory.maxRssMb} MB, ${dedupe.result.clusters} clusters`,
  );
  // The embedded database runs no autovacuum: without statistics on the index's tables the
  // server would plan its matching queries blind. On PostgreSQL this is what autovacuum does later.
  await db.query(`VACUUM (ANALYZE) ${[...QUERIED_TABLES, ...MPI_TABLES].join(', ')}`);
  return {
    load: {
      seconds: round(loadSeconds),
      patientsPerSecond: Math.round(size / loadSeconds),
      method: `the store's batch writer (rows, search index, audit, journey), ${LOAD_BATCH.toLocaleString('en-US')} per transaction, no per-write matching`,
    },
    train: { seconds: round(trained.seconds), modelVersion: trained.result.version, memory: trained.memory },
    dedupe: {
      seconds: round(dedupe.seconds),
      patientsPerSecond: Math.round(size / dedupe.seconds),
      memory: dedupe.memory,
      phaseSeconds: Object.fromEntries(phases),
      report: dedupe.result,
    },
  };
}

async function runMode(mode: DatabaseMode, settings: Settings): Promise<ScaleModeReport> {
  const startedAt = new Date().toISOString();
  try {
    // A quarter of memory for shared buffers, as a database server would be set up.
    const postgresSettings = {
      shared_buffers: `${Math.min(8192, Math.floor(os.totalmem() / 4 / 2 ** 20))}MB`,
      ...(settings.statementStats ? STATEMENT_STATS_SETTINGS : {}),
    };
    const keptDir = settings.reuseDir ?? settings.keepDir;
    const prepared: ModeDatabase = keptDir
      ? await prepareKeptDatabase({ dir: keptDir, create: settings.reuseDir === undefined, log, postgresSettings })
      : await prepareModeDatabase(mode, { benchmark: 'mpi-scale', log, postgresSettings });
    const database = withConnection(prepared, settings.unixSocket);
    const reused = settings.reuseDir === undefined ? undefined : readKeptPopulation(settings.reuseDir);
    const size = reused?.records ?? populationSize(mode, settings);
    const seed = reused?.seed ?? settings.seed;
    // What this run takes after the loaded records: its new patients, then its `$match` probes.
    const perRun = settings.probes * 2 + settings.warmup * 2;
    if (reused && perRun > reused.perRun) {
      throw new Error(`--reuse-dir ${keptDir}: kept with ${reused.perRun} records per run, this run needs ${perRun}`);
    }
    // A kept population reserves records for later runs; the generator is asked for all of them.
    const generated = reused?.generated ?? size + perRun * (settings.keepDir ? RESERVED_RUNS : 1);
    const runsTaken = reused?.runsTaken ?? 0;
    const db = await openDatabase({
      databaseUrl: database.databaseUrl,
      dataDir: database.dataDir,
      databasePoolSize: 2,
    });
    const closeDb = onCleanup('database', db.close);
    await migrate(db);
    await ensureTenant(db, { id: TENANT, name: 'MPI scale benchmark' });

    // 1. Generate and load: the population streams from the generator straight into the store. The
    // records after the first `size` are the new patients and the $match probes.
    const stats = emptyStats();
    const stream = generatePopulation({ seed, records: generated }, stats)[Symbol.iterator]();
    // The people loaded, to tell whether a new patient's lookup finds their existing record.
    const loadedPeople = new Set<string>();
    const loading: Iterator<PopulationRecord> = {
      next: () => {
        const next = stream.next();
        if (!next.done) {
          loadedPeople.add(next.value.entityId);
        }
        return next;
      },
    };
    let firstRun: KeptPopulation['firstRun'];
    if (reused) {
      log(`${mode}: reusing ${size.toLocaleString('en-US')} patients kept in ${keptDir} (run ${runsTaken + 1})`);
      // The same seed and total give the same stream: read past the loaded records to know their people.
      for (let index = 0; index < size; index++) {
        loading.next();
      }
      firstRun = reused.firstRun;
    } else {
      firstRun = await loadTrainAndDedupe(db, mode, loading, size);
    }
    const rest: PopulationRecord[] = [];
    for (let next = stream.next(); !next.done; next = stream.next()) {
      rest.push(next.value);
    }
    const { start } = sliceOf({ perRun: reused?.perRun ?? perRun, runsTaken });
    const ours = rest.slice(start, start + perRun);
    if (keptDir) {
      // Taken before measuring: a run that fails half-way has still created some of its patients.
      saveKeptPopulation(keptDir, {
        benchmark: 'mpi-scale',
        seed,
        records: size,
        generated,
        perRun: reused?.perRun ?? perRun,
        runsTaken: runsTaken + 1,
        firstRun,
      });
    }
    // The load and the dedupe recorded an audit entry per version they wrote, which a running server
    // would have integrated meanwhile; left to the server, its integration would run beside the creates.
    const auditBacklog = await settleAuditBacklog(db, { dataDir: database.dataDir, log });
    await closeDb();

    // 3. The real server: new patients through the API (incremental matching in the create), and $match.
    const server = await startServerProcess({
      dataDir: database.dataDir,
      databaseUrl: database.databaseUrl,
      tenantId: TENANT,
      cpuProfileDir: settings.profileDir && path.resolve(settings.profileDir, mode),
    });
    const stopServer = onCleanup('server', server.stop);
    const client = createBenchClient(server.origin, server.accessToken, 1);
    const incoming = ours.slice(0, settings.probes + settings.warmup);
    const probes = ours.slice(settings.probes + settings.warmup);
    const statementStats =
      settings.statementStats && mode === 'postgres' ? await StatementStats.connect(database) : undefined;
    const requests = await measureRequests(client, { incoming, probes, warmup: settings.warmup, statementStats });
    await statementStats?.close();
    await client.close();
    await stopServer();

    // 4. The candidate lookup alone for the $match probes, in this process (the embedded database
    // admits one process, so only once the server has stopped), with the budget matching uses and
    // with others: what each would read, and whether it still finds the person's existing record.
    const lookupDb = await openDatabase({
      databaseUrl: database.databaseUrl,
      dataDir: database.dataDir,
      databasePoolSize: 1,
    });
    const closeLookupDb = onCleanup('database', lookupDb.close);
    const lookups: LookupStats[] = [];
    // An untimed pass first, so the budgets compare on warm caches rather than the first paying for them.
    await measureLookups(lookupDb, { tenantId: TENANT, records: probes, loadedPeople, candidateBudget: 1_000_000 });
    for (const candidateBudget of LOOKUP_BUDGETS) {
      const stats = await measureLookups(lookupDb, {
        tenantId: TENANT,
        records: probes,
        loadedPeople,
        candidateBudget,
      });
      lookups.push(stats);
      log(
        `${mode}: budget ${candidateBudget}: ${stats.candidates.mean} candidates per lookup (p99 ${stats.candidates.p99}), found ${stats.foundLoadedRecord}/${stats.withLoadedRecord} loaded people`,
      );
    }
    await closeLookupDb();

    return {
      benchmark: 'mpi-scale',
      mode,
      quick: settings.quick,
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: {
        ...machineInfo(mode, database.databaseVersion),
        freeMemoryGbAtEnd: Math.round(os.freemem() / 2 ** 30),
      },
      population: {
        seed,
        records: size,
        people: stats.people,
        truePairs: stats.truePairs,
        corrupted: stats.corrupted,
      },
      ...(keptDir ? { kept: { dir: path.resolve(keptDir), run: runsTaken + 1, reused: reused !== undefined } } : {}),
      ...firstRun,
      auditBacklog,
      incremental: {
        createRequest: summarizeLatencies(requests.creates),
        matchStep:
          requests.matchSteps.length > 0 ? summarizeLatencies(stepTimes(requests.matchSteps, 'mpi')) : undefined,
        matchSubsteps: Object.fromEntries(
          MATCH_SUBSTEPS.map((name) => [name, stepSummary(requests.matchSteps, name)] as const),
        ),
      },
      match: summarizeLatencies(requests.matches),
      ...(requests.statements ? { statements: requests.statements } : {}),
      lookups,
      errors: 0,
      problems:
        requests.matchSteps.length > 0
          ? []
          : ['the server sent no Server-Timing "mpi" entry: the matching step alone was not measured'],
    };
  } finally {
    await runCleanups();
  }
}

/** The matching step's parts (see `timeStep` in the patient index): lookup and scoring, re-clustering, its writes. */
const MATCH_SUBSTEPS = ['mpi-lookup', 'mpi-cluster', 'mpi-write'] as const;

function stepTimes(creates: ReadonlyArray<ReadonlyMap<string, number>>, name: string): number[] {
  return creates.flatMap((timings) => {
    const ms = timings.get(name);
    return ms === undefined ? [] : [ms];
  });
}

/** A sub-step's latency over the creates that ran it, and how many did. */
function stepSummary(creates: ReadonlyArray<ReadonlyMap<string, number>>, name: string) {
  const times = stepTimes(creates, name);
  return { creates: times.length, latency: times.length > 0 ? summarizeLatencies(times) : undefined };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

const USAGE =
  'usage: node bench/mpi/scale.ts [--mode embedded|postgres|both] [--quick] [--records N] [--seed S] [--cpu-prof DIR]\n' +
  '                               [--keep-dir DIR | --reuse-dir DIR] [--statement-stats] [--unix-socket]\n' +
  '                               (these: --mode postgres only)\n';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      mode: { type: 'string', default: 'postgres' },
      quick: { type: 'boolean', default: false },
      records: { type: 'string' },
      seed: { type: 'string', default: 'caregraph-mpi-scale' },
      'cpu-prof': { type: 'string' },
      'keep-dir': { type: 'string' },
      'reuse-dir': { type: 'string' },
      'statement-stats': { type: 'boolean', default: false },
      'unix-socket': { type: 'boolean', default: false },
    },
  });
  const modes = parseModes(values.mode);
  const records = values.records === undefined ? undefined : Number(values.records);
  const keepDir = values['keep-dir'];
  const reuseDir = values['reuse-dir'];
  const keptDirValid =
    (keepDir === undefined && reuseDir === undefined) ||
    (values.mode === 'postgres' && (keepDir === undefined || reuseDir === undefined));
  const statementStatsValid = (!values['statement-stats'] && !values['unix-socket']) || values.mode === 'postgres';
  if (
    modes.length === 0 ||
    !keptDirValid ||
    !statementStatsValid ||
    (records !== undefined && !(Number.isInteger(records) && records > 0))
  ) {
    process.stderr.write(USAGE);
    return 2;
  }
  const settings: Settings = {
    quick: values.quick,
    records,
    seed: values.seed,
    probes: values.quick ? 50 : 500,
    warmup: values.quick ? 5 : 20,
    profileDir: values['cpu-prof'],
    keepDir,
    reuseDir,
    statementStats: values['statement-stats'],
    unixSocket: values['unix-socket'],
  };
  return runModesAndReport({
    benchmark: 'mpi-scale',
    modes,
    runMode: (mode) => runMode(mode, settings),
    renderMarkdown: renderScaleMarkdown,
  });
}

await runBenchmark('mpi-scale', main);
