// FHIR search benchmark: a large Synthea-like dataset loaded straight into the database, then the
// real server under 16 concurrent clients for five search shapes, with the plans behind each.
// Usage: node bench/fhir-search/run.ts [--mode embedded|postgres|both] [--quick] [--patients N] [--queries a,b,c,d,e]
//        [--keep-dir DIR | --reuse-dir DIR] (postgres mode only) [--cpu-prof DIR] [--statement-stats] [--huge-pages] [--unix-socket]
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { ensureTenant, migrate, openDatabase, type Database } from '../../packages/server/src/index.ts';
import { analyzeQueriedTables } from '../../packages/server/src/modules/import/analyze-tables.ts';
import { prepareModeDatabase, withConnection } from '../fhir-store/mode-database.ts';
import { onCleanup, runCleanups } from '../fhir-store/cleanups.ts';
import { runTimed } from '../fhir-store/closed-loop.ts';
import { CpuWindow } from '../fhir-store/cpu-time.ts';
import { FhirClient, SYNTHEA_DIR } from '../fhir-store/http-load.ts';
import { machineInfo } from '../fhir-store/machine.ts';
import { summarizeLatencies } from '../fhir-store/percentiles.ts';
import { fmt, type DatabaseMode } from '../fhir-store/report.ts';
import { startServerProcess, type ServerProcess } from '../fhir-store/server-process.ts';
import { loadSources, planClones, type PatientSample, type SourceBundle } from './clone-synthea.ts';
import { explainRequest, readTableRows } from './explain.ts';
import { prewarmSearchedTables, type PrewarmReport } from './prewarm.ts';
import { reserveHugePages } from './huge-pages.ts';
import { settleAuditBacklog } from '../fhir-store/audit-backlog.ts';
import {
  STATEMENT_STATS_SETTINGS,
  StatementStats,
  statementLogLines,
  type ShapeStatementStats,
} from '../fhir-store/statement-stats.ts';
import { BATCH_SIZE, loadClones, loadInWorkers, type LoadOutcome } from './load-dataset.ts';
import { checkBundle, QUERY_SHAPES, SHAPES, type QueryShape, type ShapeDefinition } from './queries.ts';
import {
  largeSeqScans,
  renderMarkdown,
  toQueryMeasurement,
  type DatasetReport,
  type PageWalk,
  type QueryMeasurement,
  type SearchModeReport,
  type ShapePlans,
  type ServerWarmUp,
} from './report.ts';
import { parseModes, runBenchmark, runModesAndReport } from '../fhir-store/bench-main.ts';
import { prepareKeptDatabase, readKeptDataset, saveKeptDataset } from '../fhir-store/kept-postgres.ts';

const TENANT = 'bench';
const CLIENTS = 16;
const LOAD_WORKERS = 2;
const BIG_PATIENT_RESOURCES = 2000;
/** A walk of `$everything` stops here: a server whose `next` links never end is broken, not slow. */
const MAX_PAGES = 1000;

/** What a `--keep-dir` run leaves besides the cluster: what was loaded and the patients to ask about. */
type KeptDataset = { dataset: DatasetReport; samples: PatientSample[] };

type Settings = {
  quick: boolean;
  /** Each shape in turn before the first measured one: see `warmUpServer`. */
  serverWarmupMs: number;
  warmupMs: number;
  durationMs: number;
  walks: number;
  shapes: ShapeDefinition[];
  /** Regular patients; undefined to size the dataset by resources. */
  patients: number | undefined;
  /** `--keep-dir`: load into a cluster in this directory and leave it there. */
  keepDir: string | undefined;
  /** `--reuse-dir`: start the cluster a `--keep-dir` run left and skip the load. */
  reuseDir: string | undefined;
  /** `--cpu-prof`: where the server writes a V8 CPU profile of its run (`node --cpu-prof`). */
  profileDir: string | undefined;
  /** `--statement-stats`: PostgreSQL's statements per shape, from `pg_stat_statements`. */
  statementStats: boolean;
  /** `--huge-pages`: shared buffers in huge pages, reserved for the run (else `huge_pages=off`). */
  hugePages: boolean;
  /** `--unix-socket`: every connection to PostgreSQL over its Unix-domain socket instead of TCP. */
  unixSocket: boolean;
};

function log(message: string): void {
  process.stderr.write(`[fhir-search] ${message}\n`);
}

function randomItem<T>(list: readonly T[]): T {
  const item = list[Math.floor(Math.random() * list.length)];
  if (item === undefined) {
    throw new Error('no items to pick from');
  }
  return item;
}

/** How big the dataset of a mode is: `--patients`, else 1M resources on PostgreSQL, 100 patients embedded. */
function datasetSize(mode: DatabaseMode, settings: Settings) {
  if (settings.patients !== undefined) {
    return { patients: settings.patients, minPatients: 0, minResources: 0 };
  }
  return mode === 'postgres'
    ? { patients: undefined, minPatients: 1000, minResources: 1_000_000 }
    : { patients: 100, minPatients: 0, minResources: 0 };
}

function progressLogger(total: number): (resources: number) => void {
  const started = performance.now();
  let lastLog = started;
  return (resources) => {
    const now = performance.now();
    if (now - lastLog >= 10_000 || resources >= total) {
      lastLog = now;
      const rate = resources / ((now - started) / 1000);
      log(`  ${resources.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} resources, ${Math.round(rate)}/s`);
    }
  };
}

/** Loads the dataset into `db` (embedded) or through worker connections (PostgreSQL), then VACUUM ANALYZE. */
async function loadDataset(
  mode: DatabaseMode,
  db: Database,
  dataDir: string,
  databaseUrl: string | undefined,
  sources: SourceBundle[],
  settings: Settings,
): Promise<{ dataset: DatasetReport; samples: PatientSample[]; tableRows: Map<string, number> }> {
  const plan = planClones(sources, { ...datasetSize(mode, settings), bigPatientResources: BIG_PATIENT_RESOURCES });
  const specs = [plan.big, ...plan.specs];
  const workers = mode === 'postgres' && databaseUrl ? LOAD_WORKERS : 1;
  log(
    `${mode}: loading ${specs.length} patients (one big), ${plan.resources.toLocaleString('en-US')} resources, ${workers} writer(s)`,
  );
  const onProgress = progressLogger(plan.resources);
  const outcome: LoadOutcome =
    workers > 1 && databaseUrl
      ? await loadInWorkers({ databaseUrl, tenantId: TENANT, specs, workers, onProgress })
      : await loadClones({ db, tenantId: TENANT, sources, specs, onProgress });
  const rate = outcome.resources / outcome.seconds;
  log(`${mode}: loaded ${outcome.resources} resources in ${outcome.seconds.toFixed(1)} s (${Math.round(rate)}/s)`);
  const { seconds: auditSeconds } = await settleAuditBacklog(db, { dataDir, log });
  const analyzeStarted = performance.now();
  await analyzeQueriedTables(db);
  const analyzeSeconds = (performance.now() - analyzeStarted) / 1000;
  const tableRows = await readTableRows(db);
  const size = await db.query<{ bytes: number }>('SELECT pg_database_size(current_database())::float8 AS bytes');
  const [big] = outcome.samples;
  return {
    samples: outcome.samples,
    tableRows,
    dataset: {
      source: SYNTHEA_DIR,
      patients: specs.length,
      bigPatient: { sources: plan.big.sources.length, resources: big?.resources ?? 0 },
      resources: outcome.resources,
      load: {
        seconds: Math.round(outcome.seconds * 10) / 10,
        resourcesPerSecond: Math.round(rate),
        secondsPer10kResources: Math.round((10_000 / rate) * 10) / 10,
        workers,
        resourcesPerTransaction: BATCH_SIZE,
      },
      analyzeSeconds: Math.round(analyzeSeconds * 10) / 10,
      auditIntegrationSeconds: auditSeconds,
      databaseMb: Math.round((size.rows[0]?.bytes ?? 0) / 2 ** 20),
      tableRows: Object.fromEntries([...tableRows].sort(([a], [b]) => a.localeCompare(b))),
    },
  };
}

/**
 * The dataset a `--keep-dir` run left: migrations added since may have built indexes, so the search
 * tables are analysed again (seconds, against the load's minutes). A dataset kept before the load
 * integrated its audit entries, or whose server stopped half-way through them, has a backlog.
 */
async function reuseDataset(db: Database, dir: string, dataDir: string) {
  const { dataset, samples } = readKeptDataset(dir) as KeptDataset;
  log(`postgres: reusing ${dataset.resources.toLocaleString('en-US')} resources of ${dataset.patients} patients`);
  await settleAuditBacklog(db, { dataDir, log });
  await analyzeQueriedTables(db);
  return { dataset, samples, tableRows: await readTableRows(db) };
}

/** The patients a shape can be asked about: the big patient for `$everything`, else every other one that matches. */
function candidatesFor(definition: ShapeDefinition, samples: PatientSample[]): PatientSample[] {
  const [big, ...regular] = samples;
  const pool = definition.shape === 'e' ? (big ? [big] : []) : regular;
  return pool.filter((sample) => definition.pathFor(sample) !== undefined);
}

function pathOf(definition: ShapeDefinition, sample: PatientSample): string {
  const requestPath = definition.pathFor(sample);
  if (requestPath === undefined) {
    throw new Error(`(${definition.shape}) has no request for this patient`);
  }
  return requestPath;
}

/** One request of each shape through the server's router on an explaining handle (no server running). */
async function explainShapes(
  db: Database,
  samples: PatientSample[],
  tableRows: ReadonlyMap<string, number>,
  settings: Settings,
): Promise<ShapePlans[]> {
  const plans: ShapePlans[] = [];
  for (const definition of settings.shapes) {
    const candidates = candidatesFor(definition, samples);
    const sample = candidates[Math.floor(candidates.length / 2)];
    if (!sample) {
      plans.push({ shape: definition.shape, path: definition.template, statements: [], error: 'no patient fits' });
      continue;
    }
    const request = { db, tenantId: TENANT, path: pathOf(definition, sample), tableRows };
    // Twice: the first run reads pages from the OS (right after a load or a restart, as a request
    // for a patient nobody asked about lately does), the second finds them cached, as most
    // requests under load do. Both are reported.
    const first = await explainRequest(request);
    const result = first.error ? first : await explainRequest(request);
    const firstExecutionMs = first.statements.reduce((sum, statement) => sum + statement.executionMs, 0);
    // The report keeps the template, not the request: it names a patient.
    plans.push({ ...result, shape: definition.shape, path: definition.template, firstExecutionMs });
    const scans = largeSeqScans(result);
    log(
      `explain (${definition.shape}): ${result.error ? `not run: ${result.error}` : `${result.statements.length} statement(s), seq scans on large tables: ${scans.join(', ') || 'none'}`}`,
    );
  }
  return plans;
}

async function walkEverything(client: FhirClient, definition: ShapeDefinition, firstPath: string, walks: number) {
  const times: number[] = [];
  let pages = 0;
  let resources = 0;
  for (let walk = 0; walk < walks; walk++) {
    const started = performance.now();
    pages = 0;
    resources = 0;
    let next: string | undefined = firstPath;
    while (next !== undefined) {
      if (pages >= MAX_PAGES) {
        throw new Error(`$everything: more than ${MAX_PAGES} pages`);
      }
      const checked = checkBundle(await client.get(next), definition);
      pages++;
      resources += checked.entries;
      next = checked.next;
    }
    times.push(performance.now() - started);
  }
  return { walks, pages, resources, latency: summarizeLatencies(times) } satisfies PageWalk;
}

/** One request of the shape for a random candidate patient; resolves to the entries it answered. */
function askShape(client: FhirClient, definition: ShapeDefinition, candidates: readonly PatientSample[]) {
  return async () => checkBundle(await client.get(pathOf(definition, randomItem(candidates))), definition).entries;
}

/**
 * Runs every selected shape in turn, unmeasured, on the freshly started server: its code has not
 * been compiled by V8's optimising tiers yet, its heap is still growing and its pools are still
 * opening connections. A clinic's server has long been past that; without this pass the first
 * shape measured would time the start-up. What it saw is reported beside the measurements.
 */
async function warmUpServer(client: FhirClient, samples: PatientSample[], settings: Settings): Promise<ServerWarmUp[]> {
  const runs: ServerWarmUp[] = [];
  for (const definition of settings.shapes) {
    const candidates = candidatesFor(definition, samples);
    const result = await runTimed({
      concurrency: CLIENTS,
      warmupMs: 0,
      durationMs: settings.serverWarmupMs,
      operation: askShape(client, definition, candidates),
    });
    runs.push({
      shape: definition.shape,
      operations: result.operations,
      errors: result.errors,
      p50Ms: result.latency.p50Ms,
      p99Ms: result.latency.p99Ms,
    });
  }
  return runs;
}

/** Every selected shape under load, then the page walk of `$everything`. */
async function runQueries(
  mode: DatabaseMode,
  server: ServerProcess,
  databasePid: number | undefined,
  samples: PatientSample[],
  settings: Settings,
  statementStats: StatementStats | undefined,
) {
  const queries: QueryMeasurement[] = [];
  const problems: string[] = [];
  let everythingWalk: PageWalk | undefined;
  const serverWarmUp: ServerWarmUp[] = [];
  const client = new FhirClient(server.origin, server.accessToken, CLIENTS);
  try {
    serverWarmUp.push(...(await warmUpServer(client, samples, settings)));
    log(
      `server warm-up, ${settings.serverWarmupMs / 1000} s per shape, not measured: ` +
        serverWarmUp.map((run) => `(${run.shape}) p50 ${fmt(run.p50Ms)} ms, p99 ${fmt(run.p99Ms)} ms`).join('; '),
    );
    problems.push(
      ...serverWarmUp.filter((run) => run.errors > 0).map((run) => `(${run.shape}) warm-up: ${run.errors} errors`),
    );
    for (const definition of settings.shapes) {
      const candidates = candidatesFor(definition, samples);
      const cpu = CpuWindow.starting(
        { server: server.pid, database: databasePid },
        settings.warmupMs,
        settings.durationMs,
      );
      // The statistics count the measured window only, as the CPU window does.
      const resetAtWindow = statementStats
        ? delay(settings.warmupMs)
            .then(() => statementStats.reset())
            // Kept until the window ends, so a failed reset does not go unhandled meanwhile.
            .then(
              () => undefined,
              (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
            )
        : undefined;
      const result = await runTimed({
        concurrency: CLIENTS,
        warmupMs: settings.warmupMs,
        durationMs: settings.durationMs,
        operation: askShape(client, definition, candidates),
      });
      const measurement = toQueryMeasurement(mode, definition, result, cpu.close(result.operations));
      if (statementStats) {
        const resetError = await resetAtWindow;
        if (resetError) {
          throw resetError;
        }
        measurement.statements = await statementStats.read(result.operations);
        logStatements(definition.shape, measurement.statements);
      }
      queries.push(measurement);
      const errors = result.errors > 0 ? `, ${result.errors} ERRORS (${result.errorSamples[0] ?? ''})` : '';
      log(
        `(${definition.shape}) ${Math.round(measurement.operationsPerSecond)} req/s, p50 ${result.latency.p50Ms} ms, p99 ${result.latency.p99Ms} ms; ` +
          `CPU ms/req server ${measurement.cpuPerRequest.serverMs}, database ${measurement.cpuPerRequest.databaseMs ?? '–'}, ` +
          `client ${measurement.cpuPerRequest.clientMs}; machine ${Math.round(measurement.cpuPerRequest.machineBusy * 100)}% busy${errors}`,
      );
      if (result.errors > 0) {
        problems.push(`(${definition.shape}): ${result.errors} errors, e.g. ${result.errorSamples.join(' | ')}`);
      }
      if (server.hasExited()) {
        throw new Error(`the server exited during the benchmark:\n${server.output()}`);
      }
      const [big] = candidates;
      if (definition.shape === 'e' && big && result.errors === 0) {
        try {
          everythingWalk = await walkEverything(client, definition, pathOf(definition, big), settings.walks);
          log(
            `(e) walk: ${everythingWalk.pages} pages, ${everythingWalk.resources} resources, p50 ${everythingWalk.latency.p50Ms} ms`,
          );
        } catch (error) {
          problems.push(`(e) page walk: ${(error as Error).message}`);
        }
      }
    }
  } finally {
    await client.close();
  }
  return { serverWarmUp, queries, everythingWalk, problems };
}

function logStatements(shape: QueryShape, stats: ShapeStatementStats): void {
  statementLogLines(`(${shape})`, stats).forEach((line) => log(line));
}

async function runMode(
  mode: DatabaseMode,
  settings: Settings,
  sources: () => SourceBundle[],
): Promise<SearchModeReport> {
  const startedAt = new Date().toISOString();
  try {
    // Tuned as a database server would be: a quarter of memory for PostgreSQL's buffers, the rest
    // for the OS cache. The defaults (128 MB) suit a laptop, not a 1M-resource search benchmark.
    const sharedBuffersMb = Math.min(8192, Math.floor(os.totalmem() / 4 / 2 ** 20));
    const postgresSettings = {
      shared_buffers: `${sharedBuffersMb}MB`,
      effective_cache_size: `${Math.floor((os.totalmem() * 0.75) / 2 ** 20)}MB`,
      ...(settings.statementStats ? STATEMENT_STATS_SETTINGS : {}),
      // Off unless asked for, so a run's numbers never depend on what the machine happens to reserve.
      ...(mode !== 'postgres'
        ? {}
        : settings.hugePages
          ? reserveHugePages(sharedBuffersMb, log)
          : { huge_pages: 'off' }),
    };
    const keptDir = settings.reuseDir ?? settings.keepDir;
    const prepared =
      keptDir === undefined
        ? await prepareModeDatabase(mode, { benchmark: 'search', log, postgresSettings })
        : await prepareKeptDatabase({ dir: keptDir, create: settings.reuseDir === undefined, log, postgresSettings });
    const { dataDir, databasePid, databaseUrl, databaseVersion } = withConnection(prepared, settings.unixSocket);
    // The server's own database code, migrations and tenant setup; the server itself starts later.
    const db = await openDatabase({ databaseUrl, dataDir, databasePoolSize: 2 });
    const closeDb = onCleanup('database', db.close);
    await migrate(db);
    await ensureTenant(db, { id: TENANT, name: 'FHIR search benchmark' });
    const { dataset, samples, tableRows } = settings.reuseDir
      ? await reuseDataset(db, settings.reuseDir, dataDir)
      : await loadDataset(mode, db, dataDir, databaseUrl, sources(), settings);
    if (settings.keepDir) {
      saveKeptDataset(settings.keepDir, { dataset, samples });
    }
    // EXPLAIN first, so its first runs still show what a cold page costs; then the caches are warmed
    // as a server that has been running has them.
    const explain = await explainShapes(db, samples, tableRows, settings);
    let prewarm: PrewarmReport | undefined;
    if (mode === 'postgres') {
      prewarm = await prewarmSearchedTables(db);
      log(
        `prewarm: ${prewarm.osCacheMb} MB into the OS cache, ${prewarm.sharedBuffersMb} MB into shared buffers, ${prewarm.seconds} s`,
      );
    }
    // PGlite allows one process per data directory: the server may only open it after this.
    await closeDb();
    log(`${mode}: starting the server (${databaseVersion})`);
    const server = await startServerProcess({
      dataDir,
      databaseUrl,
      tenantId: TENANT,
      cpuProfileDir: settings.profileDir && path.resolve(settings.profileDir, mode),
    });
    const stopServer = onCleanup('server', server.stop);
    log(`${mode}: server ${server.pid} ready at ${server.origin}`);
    const statementStats =
      settings.statementStats && mode === 'postgres'
        ? await StatementStats.connect({ databaseUrl, dataDir })
        : undefined;
    const { serverWarmUp, queries, everythingWalk, problems } = await runQueries(
      mode,
      server,
      databasePid,
      samples,
      settings,
      statementStats,
    );
    await statementStats?.close();
    await stopServer();
    const exitCode = await server.stop();
    if (exitCode !== 0) {
      problems.push(`the server exited with code ${String(exitCode)} on SIGTERM:\n${server.output()}`);
    }
    const explainErrors = explain.filter((plans) => plans.error);
    problems.push(...explainErrors.map((plans) => `EXPLAIN (${plans.shape}): ${plans.error ?? ''}`));
    const walkFailed = problems.some((problem) => problem.startsWith('(e) page walk'));
    return {
      benchmark: 'fhir-search',
      mode,
      quick: settings.quick,
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: machineInfo(mode, databaseVersion),
      settings: {
        serverWarmupMs: settings.serverWarmupMs,
        warmupMs: settings.warmupMs,
        durationMs: settings.durationMs,
        clients: CLIENTS,
        everythingWalks: settings.walks,
        serverDatabaseConnections: mode === 'postgres' ? Number(process.env.DATABASE_POOL_SIZE || 10) : 1,
        explainMethod:
          "one request per shape through the server's FHIR router in the benchmark process, every read statement " +
          'run as EXPLAIN (ANALYZE, FORMAT JSON) first; on embedded PGlite before the server opens the data directory',
      },
      dataset,
      serverWarmUp,
      queries,
      everythingWalk,
      explain,
      ...(prewarm ? { prewarm } : {}),
      errors:
        serverWarmUp.reduce((sum, run) => sum + run.errors, 0) +
        queries.reduce((sum, q) => sum + q.errors, 0) +
        explainErrors.length +
        (walkFailed ? 1 : 0) +
        (exitCode === 0 ? 0 : 1),
      problems,
    };
  } finally {
    // Newest first: the server (if a phase failed), the database handle, PostgreSQL, the data directory.
    await runCleanups();
  }
}

function parseShapes(text: string): ShapeDefinition[] | undefined {
  const names = text.split(',').map((name) => name.trim());
  if (!names.every((name): name is QueryShape => (QUERY_SHAPES as readonly string[]).includes(name))) {
    return undefined;
  }
  return SHAPES.filter((definition) => names.includes(definition.shape));
}

const USAGE =
  'usage: node bench/fhir-search/run.ts [--mode embedded|postgres|both] [--quick] [--patients N] [--queries a,b,c,d,e]\n' +
  '       [--keep-dir DIR | --reuse-dir DIR] (with --mode postgres) [--cpu-prof DIR] [--statement-stats] [--huge-pages] [--unix-socket]\n';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      mode: { type: 'string', default: 'both' },
      quick: { type: 'boolean', default: false },
      patients: { type: 'string' },
      queries: { type: 'string', default: QUERY_SHAPES.join(',') },
      'keep-dir': { type: 'string' },
      'reuse-dir': { type: 'string' },
      'cpu-prof': { type: 'string' },
      'statement-stats': { type: 'boolean', default: false },
      'huge-pages': { type: 'boolean', default: false },
      'unix-socket': { type: 'boolean', default: false },
    },
  });
  const keepDir = values['keep-dir'];
  const reuseDir = values['reuse-dir'];
  const modes = parseModes(values.mode);
  const shapes = parseShapes(values.queries);
  const patients = values.patients === undefined ? undefined : Number(values.patients);
  const keptDirValid =
    (keepDir === undefined && reuseDir === undefined) ||
    (values.mode === 'postgres' && (keepDir === undefined || reuseDir === undefined));
  if (
    modes.length === 0 ||
    !shapes ||
    !keptDirValid ||
    (patients !== undefined && !(Number.isInteger(patients) && patients > 0))
  ) {
    process.stderr.write(USAGE);
    return 2;
  }
  const quick = values.quick;
  const settings: Settings = {
    quick,
    serverWarmupMs: quick ? 500 : 3000,
    warmupMs: quick ? 500 : 2000,
    durationMs: quick ? 2000 : 10_000,
    walks: quick ? 2 : 5,
    shapes,
    patients: patients ?? (quick ? 20 : undefined),
    keepDir,
    reuseDir,
    profileDir: values['cpu-prof'],
    statementStats: values['statement-stats'],
    hugePages: values['huge-pages'],
    unixSocket: values['unix-socket'],
  };
  let sources: SourceBundle[] | undefined;
  return runModesAndReport({
    benchmark: 'fhir-search',
    modes,
    // A reused dataset needs no source bundles: read them only for a load.
    runMode: (mode) => runMode(mode, settings, () => (sources ??= loadSources())),
    renderMarkdown,
  });
}

await runBenchmark('fhir-search', main);
