// Terminology benchmark: the shipped code systems loaded into a fresh database, the typeahead
// endpoint of the real server under 1 and 16 concurrent clients for 3-letter prefixes, the plans
// behind it, and the throughput of the SNOMED CT RF2 loader on its fixture scaled up.
// Usage: node bench/terminology/run.ts [--mode embedded|postgres|both] [--quick]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { ensureTenant, migrate, openDatabase, type Database } from '../../packages/server/src/index.ts';
import { loadTerminology } from '../../packages/server/src/modules/terminology/load-terminology.ts';
import { parseTextQuery, searchConcepts } from '../../packages/server/src/modules/terminology/index.ts';
import { loadShippedTerminology } from '../../packages/server/src/modules/terminology/shipped.ts';
import { prepareModeDatabase } from '../fhir-store/mode-database.ts';
import { onCleanup, runCleanups } from '../fhir-store/cleanups.ts';
import { runTimed } from '../fhir-store/closed-loop.ts';
import { HttpStatusError } from '../fhir-store/http-load.ts';
import { machineInfo } from '../fhir-store/machine.ts';
import { type DatabaseMode } from '../fhir-store/report.ts';
import { startServerProcess } from '../fhir-store/server-process.ts';
import { explaining, scansConcepts, type QueryPlans, type StatementPlan } from './explain.ts';
import { prefixFrequencies, samplePrefixes } from './prefixes.ts';
import {
  renderMarkdown,
  toTypeaheadMeasurement,
  type LoaderMeasurement,
  type ShippedData,
  type TerminologyModeReport,
  type TypeaheadMeasurement,
} from './report.ts';
import { SNOMED_FIXTURE, writeScaledSnomed } from './scale-fixture.ts';
import { parseModes, runBenchmark, runModesAndReport } from '../fhir-store/bench-main.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const TENANT = 'bench';
const CONCURRENCY = [1, 16];
const COUNT = 20;

type Settings = {
  quick: boolean;
  warmupMs: number;
  durationMs: number;
  /** Prefixes drawn (with repeats) for the typeahead requests. */
  prefixes: number;
  /** Copies of the 15-concept SNOMED CT fixture for the loader run. */
  fixtureCopies: number;
};

function log(message: string): void {
  process.stderr.write(`[terminology] ${message}\n`);
}

async function loadShipped(db: Database): Promise<ShippedData> {
  const started = performance.now();
  const report = await loadShippedTerminology(db, {
    onProgress: (part) => {
      if (part.status === 'loading') {
        log(`  loading ${part.name}`);
      }
    },
  });
  const seconds = (performance.now() - started) / 1000;
  // loadShippedTerminology ends with ANALYZE of the term tables and the trigram index's pending
  // list merged (refreshTermStatistics), so the plans below are those a server sees after start.
  const { rows } = await db.query<{ systems: number; concepts: number }>(
    `SELECT count(DISTINCT s.id)::int AS systems, count(*)::int AS concepts
     FROM term_concept c JOIN term_system s ON s.id = c.system_id WHERE s.is_current`,
  );
  return {
    seconds: Math.round(seconds * 10) / 10,
    systems: rows[0]?.systems ?? 0,
    concepts: rows[0]?.concepts ?? 0,
    parts: report.parts.map((part) => ({ name: part.name, concepts: part.concepts, milliseconds: part.milliseconds })),
  };
}

/** Plans of the typeahead for the most frequent prefixes and a few others, through the server's own code. */
async function explainTypeahead(db: Database, prefixes: string[]): Promise<QueryPlans[]> {
  const frequent = prefixFrequencies(prefixes).map(([prefix]) => prefix);
  const chosen = [...new Set([...frequent.slice(0, 5), ...frequent.slice(-3), 'diabetes mel', 'e11', 'diabetis'])];
  const plans: QueryPlans[] = [];
  for (const text of chosen) {
    const statements: StatementPlan[] = [];
    const query = parseTextQuery(text);
    if (!query) {
      continue;
    }
    await searchConcepts(
      {
        db: explaining(db, statements),
        fetch: () => Promise.reject(new Error('the typeahead without a value set reads no FHIR resources')),
      },
      { query, count: COUNT },
    );
    plans.push({ query: text, statements });
  }
  return plans;
}

async function runTypeahead(origin: string, accessToken: string, prefixes: string[], settings: Settings) {
  const pool = new Pool(origin, { connections: Math.max(...CONCURRENCY), pipelining: 1, keepAliveTimeout: 60_000 });
  const measurements: TypeaheadMeasurement[] = [];
  try {
    for (const concurrency of CONCURRENCY) {
      let next = 0;
      const result = await runTimed({
        concurrency,
        warmupMs: settings.warmupMs,
        durationMs: settings.durationMs,
        operation: async () => {
          const q = prefixes[next++ % prefixes.length] ?? 'dia';
          const response = await pool.request({
            method: 'GET',
            path: `/api/terminology/search?q=${encodeURIComponent(q)}&count=${COUNT}`,
            headers: { authorization: `Bearer ${accessToken}` },
          });
          const text = await response.body.text();
          if (response.statusCode !== 200) {
            throw new HttpStatusError(`typeahead: HTTP ${response.statusCode} ${text.slice(0, 200)}`);
          }
          return (JSON.parse(text) as { items: unknown[] }).items.length;
        },
      });
      const measurement = toTypeaheadMeasurement(result);
      measurements.push(measurement);
      const errors = result.errors > 0 ? `, ${result.errors} ERRORS (${result.errorSamples[0] ?? ''})` : '';
      log(
        `typeahead, ${concurrency} client(s): ${Math.round(measurement.requestsPerSecond)} req/s, p50 ${result.latency.p50Ms} ms, p99 ${result.latency.p99Ms} ms${errors}`,
      );
    }
  } finally {
    await pool.close();
  }
  return measurements;
}

/** The SNOMED CT RF2 fixture scaled up, loaded by `loadTerminology` as `caregraph terminology load snomed` does. */
async function measureLoader(db: Database, settings: Settings): Promise<LoaderMeasurement> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'caregraph-bench-rf2-'));
  onCleanup('scaled fixture', async () => {
    rmSync(dir, { recursive: true, force: true });
  });
  const scaled = writeScaledSnomed(dir, settings.fixtureCopies);
  log(
    `loader: ${scaled.concepts.toLocaleString('en-US')} concepts (${settings.fixtureCopies} copies of the RF2 fixture)`,
  );
  const started = performance.now();
  // Not made current: the shipped SNOMED CT release stays the one in use, and the count below is
  // the loaded release's own concepts (no codes of an earlier release carried over).
  const summary = await loadTerminology(db, { system: 'snomed', path: scaled.dir, makeCurrent: false });
  const seconds = (performance.now() - started) / 1000;
  log(`loader: ${summary.concepts} concepts in ${seconds.toFixed(1)} s (${Math.round(summary.concepts / seconds)}/s)`);
  return {
    system: 'snomed',
    fixture: path.relative(repoRoot, SNOMED_FIXTURE),
    copies: settings.fixtureCopies,
    concepts: summary.concepts,
    seconds: Math.round(seconds * 100) / 100,
    conceptsPerSecond: Math.round(summary.concepts / seconds),
    loader: 'loadTerminology (modules/terminology/load-terminology.ts)',
  };
}

async function runMode(mode: DatabaseMode, settings: Settings): Promise<TerminologyModeReport> {
  const startedAt = new Date().toISOString();
  const problems: string[] = [];
  try {
    const { dataDir, databaseUrl, databaseVersion } = await prepareModeDatabase(mode, {
      benchmark: 'terminology',
      log,
    });
    const open = async () => {
      const db = await openDatabase({ databaseUrl, dataDir, databasePoolSize: 2 });
      return { db, close: onCleanup('database', db.close) };
    };
    let { db, close } = await open();
    await migrate(db);
    await ensureTenant(db, { id: TENANT, name: 'Terminology benchmark' });
    log(`${mode}: loading the shipped terminology`);
    const shipped = await loadShipped(db);
    log(
      `${mode}: ${shipped.concepts.toLocaleString('en-US')} concepts in ${shipped.systems} systems, ${shipped.seconds} s`,
    );
    const prefixes = await samplePrefixes(db, settings.prefixes);
    const explain = await explainTypeahead(db, prefixes);
    const scanning = explain.filter(scansConcepts).map((plans) => plans.query);
    log(`${mode}: explain: seq scans of term_concept: ${scanning.join(', ') || 'none'}`);
    // PGlite allows one process per data directory: the server opens it after this.
    await close();
    log(`${mode}: starting the server (${databaseVersion})`);
    const server = await startServerProcess({ dataDir, databaseUrl, tenantId: TENANT });
    const stopServer = onCleanup('server', server.stop);
    const typeahead = await runTypeahead(server.origin, server.accessToken, prefixes, settings);
    if (server.hasExited()) {
      problems.push(`the server exited during the benchmark:\n${server.output()}`);
    }
    await stopServer();
    ({ db, close } = await open());
    let loader: LoaderMeasurement | undefined;
    try {
      loader = await measureLoader(db, settings);
    } catch (error) {
      problems.push(`loader: ${(error as Error).message}`);
    }
    await close();
    for (const measurement of typeahead.filter((t) => t.errors > 0)) {
      problems.push(
        `typeahead at ${measurement.clients} clients: ${measurement.errors} errors, e.g. ${measurement.errorSamples.join(' | ')}`,
      );
    }
    const frequencies = prefixFrequencies(prefixes);
    return {
      benchmark: 'terminology',
      mode,
      quick: settings.quick,
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: machineInfo(mode, databaseVersion),
      settings: {
        warmupMs: settings.warmupMs,
        durationMs: settings.durationMs,
        clients: CONCURRENCY,
        count: COUNT,
        serverDatabaseConnections: mode === 'postgres' ? Number(process.env.DATABASE_POOL_SIZE || 10) : 1,
      },
      shipped,
      prefixes: { sampled: prefixes.length, distinct: frequencies.length, mostFrequent: frequencies.slice(0, 10) },
      typeahead,
      explain,
      loader,
      errors: typeahead.reduce((sum, t) => sum + t.errors, 0) + (loader ? 0 : 1),
      problems,
    };
  } finally {
    await runCleanups();
  }
}

const USAGE = 'usage: node bench/terminology/run.ts [--mode embedded|postgres|both] [--quick]\n';

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
    warmupMs: quick ? 500 : 2000,
    durationMs: quick ? 3000 : 15_000,
    prefixes: 2000,
    // 15 concepts per copy: 20,010 concepts quick, 200,010 in full.
    fixtureCopies: quick ? 1334 : 13_334,
  };
  return runModesAndReport({
    benchmark: 'terminology',
    modes,
    runMode: (mode) => runMode(mode, settings),
    renderMarkdown,
  });
}

await runBenchmark('terminology', main);
