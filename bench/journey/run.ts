// Journey benchmark: a patient with a long history (10,000 resources) and a cohort of 1,000
// diabetes patients loaded through the FHIR API, so the projection fills the journey; then the
// journey API of the real server: journey and timeline pages, a one-year window and the whole
// history, 4-hop path queries, a neighbourhood and the cohort pathway query, p50/p99 per mode.
// Usage: node bench/journey/run.ts [--mode embedded|postgres|both] [--quick]
import { parseArgs } from 'node:util';
import type { Bundle } from '@medplum/fhirtypes';
import { Pool } from 'undici';
import { ensureTenant, migrate, openDatabase, type Database } from '../../packages/server/src/index.ts';
import { handleFhirRequest, type FhirRepo } from '../../packages/server/src/modules/fhir/index.ts';
import { parseModes, runBenchmark, runModesAndReport } from '../fhir-store/bench-main.ts';
import { prepareModeDatabase } from '../fhir-store/mode-database.ts';
import { onCleanup, runCleanups } from '../fhir-store/cleanups.ts';
import { machineInfo } from '../fhir-store/machine.ts';
import { LatencyRecorder } from '../fhir-store/percentiles.ts';
import type { DatabaseMode } from '../fhir-store/report.ts';
import { startServerProcess } from '../fhir-store/server-process.ts';
import {
  BIG_PATIENT,
  buildBigPatient,
  buildCohort,
  COHORT_GROUP,
  DIABETES,
  INSULIN,
  type PathPair,
} from './dataset.ts';
import {
  judge,
  renderMarkdown,
  type DatasetSummary,
  type JourneyModeReport,
  type OperationMeasurement,
} from './report.ts';

const TENANT = 'bench';
/** The PostgreSQL targets of the issue, p99 in milliseconds. */
const JOURNEY_TARGET_MS = 50;
const PATH_TARGET_MS = 20;
const COHORT_TARGET_MS = 2000;

type Settings = {
  quick: boolean;
  bigPatientResources: number;
  cohortPatients: number;
  /** Timed repetitions of each fast operation, and of the cohort query; warm-up runs come first. */
  iterations: number;
  cohortIterations: number;
  warmup: number;
};

function log(message: string): void {
  process.stderr.write(`[journey] ${message}\n`);
}

function resourcesIn(bundles: Bundle[]): number {
  return bundles.reduce((sum, bundle) => sum + (bundle.entry?.length ?? 0), 0);
}

/** Posts transaction Bundles through the FHIR interactions in-process, `concurrency` at a time. */
async function loadBundles(db: Database, bundles: Bundle[], concurrency: number): Promise<void> {
  const repo: FhirRepo = { db, tenantId: TENANT, baseUrl: 'http://bench.invalid/fhir/R4', now: () => new Date() };
  let next = 0;
  const worker = async () => {
    while (next < bundles.length) {
      const bundle = bundles[next++];
      const response = await handleFhirRequest(repo, { method: 'POST', path: '', query: [], body: bundle });
      if (response.status !== 200) {
        throw new Error(`transaction failed with ${response.status}: ${JSON.stringify(response.body).slice(0, 300)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function loadDataset(
  db: Database,
  mode: DatabaseMode,
  settings: Settings,
): Promise<{ summary: Omit<DatasetSummary, 'pathPairsOfLengthFour'>; pathPairs: PathPair[]; middleYear: number }> {
  const big = buildBigPatient(settings.bigPatientResources);
  const cohort = buildCohort(settings.cohortPatients);
  const bigResources = resourcesIn(big.bundles);
  const cohortResources = resourcesIn(cohort);
  const started = performance.now();
  log(`${mode}: loading the long-history patient (${bigResources} resources in ${big.bundles.length} bundles)`);
  // One patient's writes serialise on its journey lock anyway: one at a time.
  await loadBundles(db, big.bundles, 1);
  log(`${mode}: loading ${settings.cohortPatients} cohort patients (${cohortResources} resources)`);
  await loadBundles(db, cohort, mode === 'postgres' ? 4 : 1);
  const seconds = (performance.now() - started) / 1000;
  for (const table of ['journey_node', 'journey_edge']) {
    await db.query(`ANALYZE ${table}`);
  }
  const { rows } = await db.query<{ nodes: number; edges: number }>(
    `SELECT (SELECT count(*)::int FROM journey_node WHERE tenant_id = $1 AND patient_id = $2) AS nodes,
            (SELECT count(*)::int FROM journey_edge WHERE tenant_id = $1 AND patient_id = $2) AS edges`,
    [TENANT, BIG_PATIENT],
  );
  log(
    `${mode}: loaded in ${seconds.toFixed(1)} s; the long-history journey has ${rows[0]?.nodes} nodes, ${rows[0]?.edges} edges`,
  );
  return {
    summary: {
      bigPatientResources: bigResources,
      bigPatientNodes: rows[0]?.nodes ?? 0,
      bigPatientEdges: rows[0]?.edges ?? 0,
      cohortPatients: settings.cohortPatients,
      cohortResources,
      loadSeconds: Math.round(seconds * 10) / 10,
      resourcesPerSecond: Math.round((bigResources + cohortResources) / seconds),
      pathPairs: big.pathPairs.length,
    },
    pathPairs: big.pathPairs,
    middleYear: big.middleYear,
  };
}

type Operation = {
  name: string;
  description: string;
  targetP99Ms?: number;
  iterations: number;
  /** Runs one operation for iteration `index`; resolves to how much it returned. */
  run: (index: number) => Promise<number>;
};

async function measure(operation: Operation, warmup: number): Promise<OperationMeasurement> {
  const latencies = new LatencyRecorder();
  const errorSamples: string[] = [];
  let errors = 0;
  let returned = 0;
  for (let index = -warmup; index < operation.iterations; index++) {
    const started = performance.now();
    try {
      // Warm-up runs use the first inputs too, so the timed runs see no input for the first time.
      const count = await operation.run(index < 0 ? index + warmup : index);
      if (index >= 0) {
        latencies.record(performance.now() - started);
        returned += count;
      }
    } catch (error) {
      errors++;
      if (errorSamples.length < 3) {
        errorSamples.push((error as Error).message.slice(0, 300));
      }
    }
  }
  const latency = latencies.summarize();
  log(`  ${operation.name}: p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms${errors > 0 ? `, ${errors} ERRORS` : ''}`);
  return {
    name: operation.name,
    description: operation.description,
    iterations: latencies.count,
    latency,
    returned: latencies.count > 0 ? Math.round((returned / latencies.count) * 10) / 10 : 0,
    ...(operation.targetP99Ms === undefined ? {} : { targetP99Ms: operation.targetP99Ms }),
    errors,
    errorSamples,
  };
}

function httpClient(origin: string, accessToken: string) {
  const pool = new Pool(origin, { connections: 1, pipelining: 1, keepAliveTimeout: 60_000 });
  const get = async <T>(url: string): Promise<T> => {
    const response = await pool.request({
      method: 'GET',
      path: url,
      headers: { authorization: `Bearer ${accessToken}` },
    });
    const text = await response.body.text();
    if (response.statusCode !== 200) {
      throw new Error(`GET ${url.split('?')[0] ?? ''}: HTTP ${response.statusCode} ${text.slice(0, 200)}`);
    }
    return JSON.parse(text) as T;
  };
  return { get, close: () => pool.close() };
}

type Page = { nodes: unknown[]; next?: string };
type Timeline = { groups: Array<{ events: unknown[] }>; next?: string };
type Paths = { paths: Array<{ length: number }> };

function operations(
  get: <T>(url: string) => Promise<T>,
  pathPairs: PathPair[],
  middleYear: number,
  settings: Settings,
): Operation[] {
  const journey = `/api/patients/${BIG_PATIENT}/journey`;
  // The year in the middle of the history: a window full of events.
  const year = `start=${middleYear}-01-01&end=${middleYear}-12-31`;
  const pair = (index: number) => pathPairs[index % pathPairs.length] ?? { from: '', to: '' };
  const conditions = Math.max(1, Math.floor(settings.bigPatientResources / 90));
  const { iterations } = settings;
  return [
    {
      name: 'journey page',
      description: 'first page, default size (1,000 nodes) with the edges among them',
      targetP99Ms: JOURNEY_TARGET_MS,
      iterations,
      run: async () => (await get<Page>(journey)).nodes.length,
    },
    {
      name: 'journey one-year window',
      description: `every node of ${middleYear} (${year}, one page) with their edges`,
      targetP99Ms: JOURNEY_TARGET_MS,
      iterations,
      run: async () => (await get<Page>(`${journey}?${year}&_count=5000`)).nodes.length,
    },
    {
      name: 'journey whole history',
      description: 'every node, pages of 5,000 followed to the end (one operation = all pages)',
      iterations: Math.max(5, Math.round(iterations / 10)),
      run: async () => {
        let total = 0;
        let cursor: string | undefined;
        do {
          const page: Page = await get<Page>(`${journey}?_count=5000${cursor ? `&_cursor=${cursor}` : ''}`);
          total += page.nodes.length;
          cursor = page.next;
        } while (cursor);
        return total;
      },
    },
    {
      name: 'timeline page by encounter',
      description: 'first page, default size (1,000 events), grouped by encounter',
      targetP99Ms: JOURNEY_TARGET_MS,
      iterations,
      run: async () => {
        const timeline = await get<Timeline>(`${journey}/timeline?groupBy=encounter`);
        return timeline.groups.reduce((sum, group) => sum + group.events.length, 0);
      },
    },
    {
      name: 'timeline one-year window by day',
      description: `every event of ${middleYear} (${year}, one page), grouped by day`,
      targetP99Ms: JOURNEY_TARGET_MS,
      iterations,
      run: async () => {
        const timeline = await get<Timeline>(`${journey}/timeline?groupBy=day&${year}&_count=5000`);
        return timeline.groups.reduce((sum, group) => sum + group.events.length, 0);
      },
    },
    {
      name: 'path, shortest, 4 hops',
      description: 'Observation → Encounter → MedicationRequest → Condition → Procedure (maxDepth=4), pairs rotated',
      targetP99Ms: PATH_TARGET_MS,
      iterations,
      run: async (index) => {
        const { from, to } = pair(index);
        return (await get<Paths>(`${journey}/paths?from=${from}&to=${to}&mode=shortest&maxDepth=4`)).paths.length;
      },
    },
    {
      name: 'path, all simple, up to 4 hops',
      description: 'the same pairs, mode=all&maxDepth=4 (all simple paths, capped at 100)',
      targetP99Ms: PATH_TARGET_MS,
      iterations,
      run: async (index) => {
        const { from, to } = pair(index);
        return (await get<Paths>(`${journey}/paths?from=${from}&to=${to}&mode=all&maxDepth=4`)).paths.length;
      },
    },
    {
      name: 'neighbourhood, 2 hops',
      description: 'a Condition and everything within 2 hops (conditions rotated)',
      iterations,
      run: async (index) =>
        (await get<Page>(`${journey}/neighbourhood?ref=Condition/big-c${index % conditions}&hops=2`)).nodes.length,
    },
    {
      name: 'cohort pattern',
      description: `diabetes → insulin pathways over Group/${COHORT_GROUP} (${settings.cohortPatients} patients)`,
      targetP99Ms: COHORT_TARGET_MS,
      iterations: settings.cohortIterations,
      run: async () =>
        (
          await get<{ patterns: unknown[] }>(
            `/api/journey/cohort-patterns?from=${encodeURIComponent(DIABETES)}&to=${encodeURIComponent(INSULIN)}&group=Group/${COHORT_GROUP}`,
          )
        ).patterns.length,
    },
  ];
}

/** How many path pairs the server answers with a path of exactly 4 hops (the benchmark's premise). */
async function checkPathPairs(get: <T>(url: string) => Promise<T>, pathPairs: PathPair[]): Promise<number> {
  let ofLengthFour = 0;
  for (const { from, to } of pathPairs) {
    const answer = await get<Paths>(`/api/patients/${BIG_PATIENT}/journey/paths?from=${from}&to=${to}&maxDepth=8`);
    if (answer.paths[0]?.length === 4) {
      ofLengthFour++;
    }
  }
  return ofLengthFour;
}

async function runMode(mode: DatabaseMode, settings: Settings): Promise<JourneyModeReport> {
  const startedAt = new Date().toISOString();
  const problems: string[] = [];
  try {
    const { dataDir, databaseUrl, databaseVersion } = await prepareModeDatabase(mode, { benchmark: 'journey', log });
    const db = await openDatabase({ databaseUrl, dataDir, databasePoolSize: 4 });
    const closeDb = onCleanup('database', db.close);
    await migrate(db);
    await ensureTenant(db, { id: TENANT, name: 'Journey benchmark' });
    const loaded = await loadDataset(db, mode, settings);
    // PGlite allows one process per data directory: the server opens it after this.
    await closeDb();
    log(`${mode}: starting the server (${databaseVersion})`);
    const server = await startServerProcess({ dataDir, databaseUrl, tenantId: TENANT });
    const stopServer = onCleanup('server', server.stop);
    const client = httpClient(server.origin, server.accessToken);
    const measurements: OperationMeasurement[] = [];
    let pathPairsOfLengthFour = 0;
    try {
      pathPairsOfLengthFour = await checkPathPairs(client.get, loaded.pathPairs);
      log(`${mode}: ${pathPairsOfLengthFour} of ${loaded.pathPairs.length} path pairs are 4 hops apart`);
      for (const operation of operations(client.get, loaded.pathPairs, loaded.middleYear, settings)) {
        measurements.push(judge(await measure(operation, operation.iterations < 20 ? 2 : settings.warmup), mode));
      }
    } finally {
      await client.close();
    }
    if (server.hasExited()) {
      problems.push(`the server exited during the benchmark:\n${server.output()}`);
    }
    await stopServer();
    for (const measurement of measurements.filter((m) => m.errors > 0)) {
      problems.push(`${measurement.name}: ${measurement.errors} errors, e.g. ${measurement.errorSamples.join(' | ')}`);
    }
    return {
      benchmark: 'journey',
      mode,
      quick: settings.quick,
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: machineInfo(mode, databaseVersion),
      settings: { ...settings, clients: 1, serverDatabaseConnections: mode === 'postgres' ? 10 : 1 },
      dataset: { ...loaded.summary, pathPairsOfLengthFour },
      operations: measurements,
      errors: measurements.reduce((sum, m) => sum + m.errors, 0),
      problems,
    };
  } finally {
    await runCleanups();
  }
}

const USAGE = 'usage: node bench/journey/run.ts [--mode embedded|postgres|both] [--quick]\n';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      mode: { type: 'string', default: 'both' },
      quick: { type: 'boolean', default: false },
    },
  });
  const modes = parseModes(values.mode);
  if (modes.length === 0) {
    process.stderr.write(USAGE);
    return 2;
  }
  const quick = values.quick;
  const settings: Settings = {
    quick,
    bigPatientResources: quick ? 2000 : 10_000,
    cohortPatients: quick ? 200 : 1000,
    iterations: quick ? 30 : 300,
    cohortIterations: quick ? 3 : 20,
    warmup: quick ? 5 : 20,
  };
  return runModesAndReport({
    benchmark: 'journey',
    modes,
    runMode: (mode) => runMode(mode, settings),
    renderMarkdown,
  });
}

await runBenchmark('journey', main);
