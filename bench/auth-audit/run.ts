// Audit benchmark: what recording costs an authorised FHIR read (the same server with audit on and
// with the benchmark-only switch off), how fast entries are appended and put in the Merkle tree,
// and how long `caregraph audit verify` takes over a log of 1M entries (generated directly).
// Usage: node bench/auth-audit/run.ts [--mode embedded|postgres|both] [--quick] [--reads-only] [--clients N,M] [--profile dir]
import { statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureTenant, migrate, openDatabase, type Database } from '../../packages/server/src/index.ts';
import {
  buildEntry,
  encodeEntry,
  exportLog,
  integrateAll,
  loadSigningKey,
  readLogFromExport,
  recordEvent,
  verifyLog,
  type AuditEntry,
  type SigningKey,
} from '../../packages/server/src/modules/audit/index.ts';
import { handleFhirRequest, type FhirRepo } from '../../packages/server/src/modules/fhir/index.ts';
import { parseModes, runBenchmark, runModesAndReport } from '../fhir-store/bench-main.ts';
import { onCleanup, runCleanups } from '../fhir-store/cleanups.ts';
import { runTimed, type LoadResult } from '../fhir-store/closed-loop.ts';
import { CpuWindow, type CpuPerOperation } from '../fhir-store/cpu-time.ts';
import { FhirClient } from '../fhir-store/http-load.ts';
import { machineInfo } from '../fhir-store/machine.ts';
import { prepareModeDatabase } from '../fhir-store/mode-database.ts';
import type { DatabaseMode } from '../fhir-store/report.ts';
import { startServerProcess } from '../fhir-store/server-process.ts';

const TENANT = 'bench';
/** The target: audited reads at most 15% slower than unaudited ones. */
const OVERHEAD_TARGET = 0.15;

type Settings = {
  quick: boolean;
  patients: number;
  /**
   * Closed-loop client counts, each measured on its own. The largest is the throughput the target
   * is judged on: enough requests in flight to keep the machine as busy as it gets with audit on
   * and off. Fewer clients also show the latency an audited read adds (its entry's commit), which a
   * closed loop of few clients cannot hide.
   */
  clientCounts: number[];
  /** Alternating audit-on/audit-off rounds, so drift of a shared machine hits both alike. */
  rounds: number;
  warmupMs: number;
  durationMs: number;
  appendSeconds: number;
  verifyEntries: number;
  /** Only the read overhead: no append rate, no verification. */
  readsOnly: boolean;
  /** Where the servers write CPU profiles (`--cpu-prof`), one directory per mode and setting. */
  profileDir: string | undefined;
};

type ReadRound = {
  audit: 'on' | 'off';
  readsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** The server process's CPU time (user + system) per read in the measured window. */
  serverCpuMsPerRead: number;
  /** PostgreSQL's CPU time (every process of the cluster) per read; absent on the embedded database. */
  databaseCpuMsPerRead?: number;
  /** This process's CPU time per read: the load generator's share of the same cores. */
  clientCpuMsPerRead: number;
  /** The share of the machine's CPU time that was busy in the measured window (all processes, /proc/stat). */
  machineBusy: number;
  errors: number;
};

type AuditModeReport = {
  benchmark: 'auth-audit';
  mode: DatabaseMode;
  quick: boolean;
  startedAt: string;
  finishedAt: string;
  machine: Record<string, unknown>;
  settings: Settings;
  /** One per client count, fewest first. */
  reads: ReadSummary[];
  /** The overhead at the largest client count (throughput) and whether it meets the target. */
  throughputOverhead: number;
  targetOverhead: number;
  meetsTarget: boolean;
  /** Absent with `--reads-only`. */
  append?: { writers: number; entries: number; entriesPerSecond: number; integratedPerSecond: number };
  /** Absent with `--reads-only`. */
  verify?: {
    entries: number;
    generateSeconds: number;
    integrateSeconds: number;
    exportSeconds: number;
    exportMegabytes: number;
    verifySeconds: number;
    isValid: boolean;
  };
  errors: number;
};

/** Audited against unaudited reads with one number of clients. */
type ReadSummary = {
  clients: number;
  rounds: ReadRound[];
  auditOnReadsPerSecond: number;
  auditOffReadsPerSecond: number;
  overhead: number;
  /** Mean server CPU ms per read with audit on and off, and how much more the audited read needs. */
  auditOnCpuMsPerRead: number;
  auditOffCpuMsPerRead: number;
  cpuOverhead: number;
  /** The same for PostgreSQL's processes (postgres mode only). */
  auditOnDatabaseCpuMsPerRead?: number;
  auditOffDatabaseCpuMsPerRead?: number;
  /** Mean busy share of the machine's CPU with audit on and off. */
  auditOnMachineBusy: number;
  auditOffMachineBusy: number;
};

const log = (message: string) => process.stderr.write(`[auth-audit] ${message}\n`);
const round1 = (value: number) => Math.round(value * 10) / 10;

async function loadPatients(db: Database, count: number): Promise<string[]> {
  const repo: FhirRepo = { db, tenantId: TENANT, baseUrl: 'http://bench.invalid/fhir/R4', now: () => new Date() };
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const response = await handleFhirRequest(repo, {
      method: 'POST',
      path: 'Patient',
      query: [],
      body: {
        resourceType: 'Patient',
        name: [{ family: `Bench${index}`, given: ['Audit'] }],
        gender: index % 2 === 0 ? 'female' : 'male',
        // Distinct people: a birth date of their own (the patient index would otherwise see a thousand
        // "Audit Bench" born on the same few days as one person and grow one golden record on every create).
        birthDate: new Date(Date.UTC(1950, 0, 1) + ((index * 37) % 18_250) * 86_400_000).toISOString().slice(0, 10),
      },
    });
    ids.push(String(response.location?.split('/')[1]));
  }
  return ids;
}

/** Closed-loop authorised reads of random patients against a fresh server process. */
async function measureReads(
  options: {
    dataDir: string;
    databaseUrl: string | undefined;
    databasePid: number | undefined;
    audit: 'on' | 'off';
    ids: string[];
    mode: DatabaseMode;
    clients: number;
  },
  settings: Settings,
): Promise<ReadRound> {
  // startServerProcess passes this process's environment on: the switch is set only while it starts.
  // Reads carry the server's bootstrap system client's token (API keys grant no access).
  if (options.audit === 'off') {
    process.env.CAREGRAPH_AUDIT_DISABLED_FOR_BENCHMARK = 'true';
  }
  const server = await startServerProcess({
    dataDir: options.dataDir,
    databaseUrl: options.databaseUrl,
    tenantId: TENANT,
    cpuProfileDir: settings.profileDir && path.join(settings.profileDir, `${options.mode}-audit-${options.audit}`),
  }).finally(() => {
    delete process.env.CAREGRAPH_AUDIT_DISABLED_FOR_BENCHMARK;
  });
  const stop = onCleanup('server', server.stop);
  const client = new FhirClient(server.origin, server.accessToken, options.clients);
  let result: LoadResult;
  let perRead: CpuPerOperation;
  const cpu = CpuWindow.starting(
    { server: server.pid, database: options.databasePid },
    settings.warmupMs,
    settings.durationMs,
  );
  try {
    let next = 0;
    result = await runTimed({
      concurrency: options.clients,
      warmupMs: settings.warmupMs,
      durationMs: settings.durationMs,
      operation: () => client.read('Patient', options.ids[next++ % options.ids.length] ?? ''),
    });
    // Before the server stops: its CPU time is read from /proc.
    perRead = cpu.close(result.operations);
  } finally {
    cpu.cancel();
    await client.close();
    await stop();
  }
  const readsPerSecond = Math.round(result.operations / result.seconds);
  const {
    serverMs: serverCpuMsPerRead,
    databaseMs: databaseCpuMsPerRead,
    clientMs: clientCpuMsPerRead,
    machineBusy,
  } = perRead;
  log(
    `  ${options.clients} clients, audit ${options.audit}: ${readsPerSecond} reads/s, p50 ${result.latency.p50Ms} ms, p99 ${result.latency.p99Ms} ms, server CPU ${serverCpuMsPerRead} ms/read` +
      (databaseCpuMsPerRead === undefined ? '' : `, database CPU ${databaseCpuMsPerRead} ms/read`) +
      `, client CPU ${clientCpuMsPerRead} ms/read, machine ${(machineBusy * 100).toFixed(1)}% busy`,
  );
  return {
    audit: options.audit,
    readsPerSecond,
    p50Ms: result.latency.p50Ms,
    p99Ms: result.latency.p99Ms,
    serverCpuMsPerRead,
    ...(databaseCpuMsPerRead === undefined ? {} : { databaseCpuMsPerRead }),
    clientCpuMsPerRead,
    machineBusy,
    errors: result.errors,
  };
}

const READ_EVENT = (index: number) => ({
  type: 'rest' as const,
  interaction: 'read',
  action: 'R' as const,
  entities: [`Patient/p${index % 5000}`],
  patients: [`p${index % 5000}`],
});
const BENCH_CONTEXT = { agent: { kind: 'api-key' as const, name: 'bench', roles: ['admin'], address: '127.0.0.1' } };

/**
 * Entries appended as reads append them (group commit: concurrent writers share statements) by
 * `writers` concurrent writers, then integrated.
 */
async function measureAppend(db: Database, key: SigningKey, mode: DatabaseMode, settings: Settings) {
  const writers = mode === 'postgres' ? 4 : 1;
  let entries = 0;
  const until = performance.now() + settings.appendSeconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (performance.now() < until) {
        await recordEvent(db, { tenantId: TENANT, context: BENCH_CONTEXT, event: READ_EVENT(entries++) });
      }
    }),
  );
  const appendSeconds = (performance.now() - started) / 1000;
  const integrateStarted = performance.now();
  const report = await integrateAll(db, { getKey: () => key, wait: true });
  const integrateSeconds = (performance.now() - integrateStarted) / 1000;
  const result = {
    writers,
    entries,
    entriesPerSecond: Math.round(entries / appendSeconds),
    integratedPerSecond: Math.round(report.integrated / integrateSeconds),
  };
  log(
    `  append: ${result.entriesPerSecond} entries/s (${writers} writers); integration ${result.integratedPerSecond} entries/s`,
  );
  return result;
}

/** Inserts `count` entries straight into the entry table, a batch per statement, as if recorded. */
async function generateEntries(db: Database, count: number): Promise<void> {
  const batch = 5000;
  const recorded = new Date('2025-01-01T00:00:00Z').getTime();
  for (let from = 0; from < count; from += batch) {
    const entries: AuditEntry[] = [];
    for (let index = from; index < Math.min(count, from + batch); index++) {
      entries.push(
        buildEntry({
          tenantId: TENANT,
          context: BENCH_CONTEXT,
          event: READ_EVENT(index),
          recorded: new Date(recorded + index),
        }),
      );
    }
    await db.query('INSERT INTO audit_entry (content) SELECT unnest($1::text[])', [entries.map(encodeEntry)]);
  }
}

async function measureVerify(db: Database, key: SigningKey, dir: string, settings: Settings) {
  const { rows } = await db.query<{ size: number }>('SELECT count(*)::int AS size FROM audit_leaf');
  const missing = Math.max(0, settings.verifyEntries - (rows[0]?.size ?? 0));
  let started = performance.now();
  log(`  generating ${missing} entries`);
  await generateEntries(db, missing);
  const generateSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  await integrateAll(db, { getKey: () => key, wait: true });
  const integrateSeconds = (performance.now() - started) / 1000;
  const file = path.join(dir, 'audit.ndjson');
  started = performance.now();
  const exported = await exportLog(db, file);
  const exportSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const report = await verifyLog(await readLogFromExport(file));
  const verifySeconds = (performance.now() - started) / 1000;
  const result = {
    entries: exported.entries,
    generateSeconds: round1(generateSeconds),
    integrateSeconds: round1(integrateSeconds),
    exportSeconds: round1(exportSeconds),
    exportMegabytes: round1(statSync(file).size / 1e6),
    verifySeconds: round1(verifySeconds),
    isValid: report.isValid,
  };
  log(
    `  verify: ${result.entries} entries in ${result.verifySeconds} s (export ${result.exportSeconds} s, integration ${result.integrateSeconds} s)`,
  );
  return result;
}

/** Alternating audited and unaudited rounds with `clients` closed-loop clients. */
async function measureOverhead(
  options: {
    dataDir: string;
    databaseUrl: string | undefined;
    databasePid: number | undefined;
    ids: string[];
    mode: DatabaseMode;
    clients: number;
  },
  settings: Settings,
): Promise<ReadSummary> {
  const { mode, clients } = options;
  const rounds: ReadRound[] = [];
  for (let round = 0; round < settings.rounds; round++) {
    for (const audit of round % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
      rounds.push(await measureReads({ ...options, audit }, settings));
    }
  }
  const mean = (audit: 'on' | 'off', of: (round: ReadRound) => number) => {
    const matching = rounds.filter((item) => item.audit === audit);
    return matching.reduce((sum, item) => sum + of(item), 0) / matching.length;
  };
  const round3 = (value: number) => Math.round(value * 1000) / 1000;
  const on = mean('on', (round) => round.readsPerSecond);
  const off = mean('off', (round) => round.readsPerSecond);
  const overhead = round3(1 - on / off);
  const cpuOn = mean('on', (round) => round.serverCpuMsPerRead);
  const cpuOff = mean('off', (round) => round.serverCpuMsPerRead);
  const cpuOverhead = round3(cpuOn / cpuOff - 1);
  const databaseCpu = options.databasePid
    ? {
        auditOnDatabaseCpuMsPerRead: round3(mean('on', (round) => round.databaseCpuMsPerRead ?? 0)),
        auditOffDatabaseCpuMsPerRead: round3(mean('off', (round) => round.databaseCpuMsPerRead ?? 0)),
      }
    : undefined;
  const busyOn = round3(mean('on', (round) => round.machineBusy));
  const busyOff = round3(mean('off', (round) => round.machineBusy));
  log(
    `${mode}, ${clients} clients: audited reads ${Math.round(on)}/s vs ${Math.round(off)}/s unaudited: overhead ${(overhead * 100).toFixed(1)}%; server CPU ${cpuOn.toFixed(3)} vs ${cpuOff.toFixed(3)} ms/read (+${(cpuOverhead * 100).toFixed(1)}%)` +
      (databaseCpu
        ? `; database CPU ${databaseCpu.auditOnDatabaseCpuMsPerRead} vs ${databaseCpu.auditOffDatabaseCpuMsPerRead} ms/read`
        : '') +
      `; machine busy ${(busyOn * 100).toFixed(1)}% vs ${(busyOff * 100).toFixed(1)}%`,
  );
  return {
    clients,
    rounds,
    auditOnReadsPerSecond: Math.round(on),
    auditOffReadsPerSecond: Math.round(off),
    overhead,
    auditOnCpuMsPerRead: round3(cpuOn),
    auditOffCpuMsPerRead: round3(cpuOff),
    cpuOverhead,
    ...databaseCpu,
    auditOnMachineBusy: busyOn,
    auditOffMachineBusy: busyOff,
  };
}

async function runMode(mode: DatabaseMode, settings: Settings): Promise<AuditModeReport> {
  const startedAt = new Date().toISOString();
  try {
    const {
      dataDir: dir,
      databaseUrl,
      databaseVersion,
      databasePid,
    } = await prepareModeDatabase(mode, {
      benchmark: 'audit',
      log,
    });
    const dataDir = path.join(dir, 'data');
    let db = await openDatabase({ databaseUrl, dataDir, databasePoolSize: 4 });
    let closeDb = onCleanup('database', db.close);
    await migrate(db);
    await ensureTenant(db, { id: TENANT, name: 'Audit benchmark' });
    log(`${mode}: loading ${settings.patients} patients`);
    const ids = await loadPatients(db, settings.patients);
    // PGlite allows one process per data directory: the servers open it in turn.
    await closeDb();
    // An unmeasured round first: the first server on a new data directory loads the shipped
    // terminology, and the database settles after it (checkpoints, vacuum); measured, that would
    // always slow down the first setting.
    log(`${mode}: warm-up round (not measured)`);
    await measureReads(
      { dataDir, databaseUrl, databasePid, audit: 'off', ids, mode, clients: Math.max(...settings.clientCounts) },
      { ...settings, profileDir: undefined },
    );
    const reads: ReadSummary[] = [];
    for (const clients of settings.clientCounts) {
      reads.push(await measureOverhead({ dataDir, databaseUrl, databasePid, ids, mode, clients }, settings));
    }
    const throughput = reads.at(-1);
    const throughputOverhead = throughput?.overhead ?? 1;
    let append: AuditModeReport['append'] | undefined;
    let verify: AuditModeReport['verify'] | undefined;
    if (!settings.readsOnly) {
      db = await openDatabase({ databaseUrl, dataDir, databasePoolSize: 4 });
      closeDb = onCleanup('database', db.close);
      const key = loadSigningKey({ keyFile: undefined, dataDir });
      append = await measureAppend(db, key, mode, settings);
      verify = await measureVerify(db, key, dir, settings);
      await closeDb();
    }
    const errors =
      reads.flatMap((summary) => summary.rounds).reduce((sum, item) => sum + item.errors, 0) +
      (verify && !verify.isValid ? 1 : 0);
    return {
      benchmark: 'auth-audit',
      mode,
      quick: settings.quick,
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: machineInfo(mode, databaseVersion),
      settings,
      reads,
      throughputOverhead,
      targetOverhead: OVERHEAD_TARGET,
      meetsTarget: throughputOverhead <= OVERHEAD_TARGET,
      ...(append ? { append } : {}),
      ...(verify ? { verify } : {}),
      errors,
    };
  } finally {
    await runCleanups();
  }
}

function renderMarkdown(reports: AuditModeReport[]): string {
  const lines = [
    '# Audit benchmark (latest run)',
    '',
    '| mode | clients | reads/s audit on | reads/s audit off | overhead | server CPU ms/read on / off | database CPU ms/read on / off | machine busy on / off |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const report of reports) {
    for (const reads of report.reads) {
      const isThroughput = reads === report.reads.at(-1);
      const verdict = isThroughput ? ` ${report.meetsTarget ? '✓' : '✗'} (target ≤ 15%)` : '';
      const database =
        reads.auditOnDatabaseCpuMsPerRead === undefined
          ? '–'
          : `${reads.auditOnDatabaseCpuMsPerRead} / ${String(reads.auditOffDatabaseCpuMsPerRead)}`;
      lines.push(
        `| ${report.mode}${report.quick ? ' (quick)' : ''} | ${reads.clients} | ${reads.auditOnReadsPerSecond} | ${reads.auditOffReadsPerSecond} | ${(reads.overhead * 100).toFixed(1)}%${verdict} | ${reads.auditOnCpuMsPerRead} / ${reads.auditOffCpuMsPerRead} | ${database} | ${(reads.auditOnMachineBusy * 100).toFixed(0)}% / ${(reads.auditOffMachineBusy * 100).toFixed(0)}% |`,
      );
    }
  }
  const logs = reports.filter((report) => report.append ?? report.verify);
  if (logs.length > 0) {
    lines.push(
      '',
      '| mode | append entries/s | integrate entries/s | verify entries | verify s | export MB |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const { mode, quick, append, verify } of logs) {
      const appended = append
        ? `${append.entriesPerSecond} (${append.writers} writers) | ${append.integratedPerSecond}`
        : '– | –';
      const verified = verify
        ? `${verify.entries.toLocaleString('en-US')} | ${verify.verifySeconds} | ${verify.exportMegabytes}`
        : '– | – | –';
      lines.push(`| ${mode}${quick ? ' (quick)' : ''} | ${appended} | ${verified} |`);
    }
  }
  lines.push(
    '',
    `Reads: GET Patient/{id} by closed-loop clients, ${reports[0]?.settings.rounds ?? 0} alternating rounds per setting and client count; "audit off" is the benchmark-only CAREGRAPH_AUDIT_DISABLED_FOR_BENCHMARK. The target is judged on throughput, the largest client count; fewer clients show the latency an audited read adds.`,
    'Server CPU: user + system time of the server process per read in the measured window (/proc), less sensitive than rates to other load on the machine. Database CPU: the same for every process of the PostgreSQL cluster (the embedded database runs inside the server). Machine busy: the share of CPU time of all cores not idle in the window (/proc/stat), load generator included.',
    'Append: entries recorded as reads record them (concurrent writers share a commit). Verify: `verifyLog` over an export (leaf hashes recomputed, tree rebuilt, every signed head checked).',
    '',
  );
  return lines.join('\n');
}

const USAGE =
  'usage: node bench/auth-audit/run.ts [--mode embedded|postgres|both] [--quick] [--reads-only] [--clients N,M] [--profile dir]\n';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      mode: { type: 'string', default: 'both' },
      quick: { type: 'boolean', default: false },
      'reads-only': { type: 'boolean', default: false },
      clients: { type: 'string', default: '8,32' },
      profile: { type: 'string' },
    },
  });
  const modes = parseModes(values.mode);
  const clientCounts = values.clients
    .split(',')
    .map(Number)
    .sort((a, b) => a - b);
  if (modes.length === 0 || !clientCounts.every((count) => Number.isInteger(count) && count >= 1)) {
    process.stderr.write(USAGE);
    return 2;
  }
  const quick = values.quick;
  const settings: Settings = {
    quick,
    patients: quick ? 50 : 1000,
    clientCounts,
    rounds: quick ? 2 : 3,
    warmupMs: quick ? 2000 : 5000,
    durationMs: quick ? 8000 : 20_000,
    appendSeconds: quick ? 5 : 15,
    verifyEntries: quick ? 50_000 : 1_000_000,
    readsOnly: values['reads-only'],
    profileDir: values.profile === undefined ? undefined : path.resolve(values.profile),
  };
  return runModesAndReport({
    benchmark: 'auth-audit',
    modes,
    runMode: (mode) => runMode(mode, settings),
    renderMarkdown,
  });
}

await runBenchmark('auth-audit', main);
