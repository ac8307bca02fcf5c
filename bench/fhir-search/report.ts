import type { LoadResult } from '../fhir-store/closed-loop.ts';
import type { CpuPerOperation } from '../fhir-store/cpu-time.ts';
import type { LatencySummary } from '../fhir-store/percentiles.ts';
import { fmt, type DatabaseMode } from '../fhir-store/report.ts';
import type { RequestPlans } from './explain.ts';
import type { PrewarmReport } from './prewarm.ts';
import type { QueryShape, ShapeDefinition } from './queries.ts';
import { statementTableLines, type ShapeStatementStats } from '../fhir-store/statement-stats.ts';

/** The target for (a)–(d) on PostgreSQL at 1M resources: p99 below this many milliseconds. */
export const TARGET_P99_MS = 50;

/** One query shape under load. */
export type QueryMeasurement = {
  shape: QueryShape;
  label: string;
  template: string;
  concurrency: number;
  seconds: number;
  /** Checked 200 responses inside the measured window. */
  operations: number;
  operationsPerSecond: number;
  /** Bundle entries per response (matches plus included resources). */
  entriesPerResponse: number;
  errors: number;
  errorSamples: string[];
  latency: LatencySummary;
  /** CPU time per response in the measured window: server, PostgreSQL, load generator; machine busy share. */
  cpuPerRequest: CpuPerOperation;
  /** With `--statement-stats`: what PostgreSQL ran in the measured window, per request. */
  statements?: ShapeStatementStats;
  /** PASS when p99 < target and nothing failed; only for (a)–(d) on PostgreSQL. */
  verdict?: 'PASS' | 'FAIL';
};

/** Walking every page of the big patient's `$everything`, one client, start to finish. */
export type PageWalk = { walks: number; pages: number; resources: number; latency: LatencySummary };

/** What was loaded and how fast. */
export type DatasetReport = {
  source: string;
  /** Regular clones, plus the big patient. */
  patients: number;
  bigPatient: { sources: number; resources: number };
  resources: number;
  load: {
    seconds: number;
    resourcesPerSecond: number;
    secondsPer10kResources: number;
    workers: number;
    resourcesPerTransaction: number;
  };
  analyzeSeconds: number;
  /** Integrating the load's audit entries into the tree and vacuuming their tables (absent in older reports). */
  auditIntegrationSeconds?: number;
  /** The whole database after loading and VACUUM ANALYZE. */
  databaseMb: number;
  /** Rows per large table after loading, from the planner's statistics. */
  tableRows: Record<string, number>;
};

/**
 * The plans of one request of a shape, run twice: these are the second run's (pages the first read
 * are cached, as under load); `firstExecutionMs` is the first run's execution time (cold pages).
 */
export type ShapePlans = RequestPlans & { shape: QueryShape; firstExecutionMs?: number };

/** One shape's unmeasured run on the freshly started server, before the first measured shape. */
export type ServerWarmUp = { shape: QueryShape; operations: number; errors: number; p50Ms: number; p99Ms: number };

export type SearchModeReport = {
  benchmark: 'fhir-search';
  mode: DatabaseMode;
  quick: boolean;
  startedAt: string;
  finishedAt: string;
  machine: Record<string, unknown>;
  settings: Record<string, unknown>;
  dataset: DatasetReport;
  /** Absent in reports from before the server was warmed up. */
  serverWarmUp?: ServerWarmUp[];
  queries: QueryMeasurement[];
  everythingWalk: PageWalk | undefined;
  explain: ShapePlans[];
  /** PostgreSQL's caches warmed after EXPLAIN and before the load (absent in older reports and embedded). */
  prewarm?: PrewarmReport;
  /** Failed requests (the warm-up's too), page walks, EXPLAIN passes, and a server that did not exit cleanly. */
  errors: number;
  problems: string[];
};

export function toQueryMeasurement(
  mode: DatabaseMode,
  definition: ShapeDefinition,
  result: LoadResult,
  cpuPerRequest: CpuPerOperation,
): QueryMeasurement {
  const perSecond = result.seconds > 0 ? Math.round((result.operations / result.seconds) * 10) / 10 : 0;
  const p99 = result.latency.p99Ms;
  const meetsTarget = result.errors === 0 && result.operations > 0 && p99 < TARGET_P99_MS;
  return {
    shape: definition.shape,
    label: definition.label,
    template: definition.template,
    concurrency: result.concurrency,
    seconds: result.seconds,
    operations: result.operations,
    operationsPerSecond: perSecond,
    entriesPerResponse: result.operations > 0 ? Math.round((result.resources / result.operations) * 10) / 10 : 0,
    errors: result.errors,
    errorSamples: result.errorSamples,
    latency: result.latency,
    cpuPerRequest,
    ...(mode === 'postgres' && definition.hasTarget ? { verdict: meetsTarget ? 'PASS' : 'FAIL' } : {}),
  };
}

/** Seq scans on large tables across every statement of a shape's plans. */
export function largeSeqScans(plans: RequestPlans): string[] {
  return [...new Set(plans.statements.flatMap((statement) => statement.seqScansOnLargeTables))];
}

function datasetLines(reports: SearchModeReport[]): string[] {
  const lines = [
    '| mode | patients | resources | big patient | load s | resources/s | s per 10k | workers | VACUUM ANALYZE s | database MB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const { mode, dataset: d } of reports) {
    lines.push(
      `| ${mode} | ${fmt(d.patients)} | ${fmt(d.resources)} | ${fmt(d.bigPatient.resources)} | ${fmt(d.load.seconds)} | ` +
        `${fmt(d.load.resourcesPerSecond)} | ${fmt(d.load.secondsPer10kResources)} | ${d.load.workers} | ${fmt(d.analyzeSeconds)} | ${fmt(d.databaseMb)} |`,
    );
  }
  return lines;
}

/** Server / database / client CPU per request; reports from before it was measured have none. */
function cpuText(cpu: CpuPerOperation | undefined): string {
  return cpu ? `${cpu.serverMs} / ${cpu.databaseMs ?? '–'} / ${cpu.clientMs}` : '–';
}

/** The warm-up pass's latencies, as start-up: they are not measurements of the shapes. */
export function serverWarmUpLines(reports: SearchModeReport[]): string[] {
  return reports.flatMap(({ mode, serverWarmUp }) =>
    serverWarmUp && serverWarmUp.length > 0
      ? [
          '',
          `${mode}: the server's warm-up, unmeasured (start-up, not steady state): ` +
            serverWarmUp.map((run) => `(${run.shape}) p50 ${fmt(run.p50Ms)} / p99 ${fmt(run.p99Ms)} ms`).join(', ') +
            '.',
        ]
      : [],
  );
}

function prewarmLines(reports: SearchModeReport[]): string[] {
  return reports.flatMap(({ mode, prewarm: p }) =>
    p
      ? [
          '',
          `${mode}: before the load, \`pg_prewarm\` read the searched tables into the OS cache (${fmt(p.osCacheMb)} MB) and ` +
            `their indexes, the audit tables' indexes and the resource table into shared buffers (${fmt(p.sharedBuffersMb)} MB) in ${fmt(p.seconds)} s` +
            (p.leftToOsCache.length > 0 ? `; left in the OS cache only: ${p.leftToOsCache.join(', ')}` : '') +
            '.',
        ]
      : [],
  );
}

function queryLines(reports: SearchModeReport[]): string[] {
  const lines = [
    `| mode | query | clients | req/s | p50 ms | p99 ms | entries/resp | ok | errors | p99 < ${TARGET_P99_MS} ms | CPU ms/req server / database / client | machine busy |`,
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|',
  ];
  for (const report of reports) {
    for (const q of report.queries) {
      lines.push(
        `| ${report.mode} | (${q.shape}) ${q.label} | ${q.concurrency} | ${fmt(q.operationsPerSecond)} | ${fmt(q.latency.p50Ms)} | ` +
          `${fmt(q.latency.p99Ms)} | ${fmt(q.entriesPerResponse)} | ${q.operations} | ${q.errors} | ${q.verdict ?? ''} | ` +
          `${cpuText(q.cpuPerRequest)} | ${q.cpuPerRequest ? `${Math.round(q.cpuPerRequest.machineBusy * 100)}%` : '–'} |`,
      );
    }
  }
  return lines;
}

function walkLines(reports: SearchModeReport[]): string[] {
  const walked = reports.filter((report) => report.everythingWalk);
  if (walked.length === 0) {
    return [];
  }
  const lines = [
    '',
    '`$everything` of the big patient, every `next` page followed by one client:',
    '',
    '| mode | walks | pages | resources | p50 ms per walk | max ms |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const { mode, everythingWalk: w } of walked) {
    if (w) {
      lines.push(
        `| ${mode} | ${w.walks} | ${w.pages} | ${fmt(w.resources)} | ${fmt(w.latency.p50Ms)} | ${fmt(w.latency.maxMs)} |`,
      );
    }
  }
  return lines;
}

function explainLines(reports: SearchModeReport[]): string[] {
  const lines = [
    '',
    'Plans of the SQL the server runs for one request of each shape (`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)`; ' +
      'the request run twice, figures of the second, "first exec ms" of the first):',
    '',
    '| mode | query | statements | indexes used | seq scans on large tables | other seq scans | planning ms | exec ms | first exec ms | buffers hit / read |',
    '|---|---|---:|---|---|---|---:|---:|---:|---:|',
  ];
  for (const report of reports) {
    for (const plans of report.explain) {
      const statements = plans.statements;
      const indexes = [...new Set(statements.flatMap((s) => s.indexes))].join(', ');
      const other = [...new Set(statements.flatMap((s) => s.otherSeqScans))].join(', ');
      const large = plans.error ? `not run: ${plans.error}` : largeSeqScans(plans).join(', ') || 'none';
      const total = (ms: (statement: (typeof statements)[number]) => number) =>
        statements.reduce((sum, statement) => sum + (Number.isFinite(ms(statement)) ? ms(statement) : 0), 0);
      const planningMs = total((statement) => statement.planningMs);
      const executionMs = total((statement) => statement.executionMs);
      const first = plans.firstExecutionMs === undefined ? '–' : fmt(plans.firstExecutionMs);
      // Older saved reports have no buffer counts.
      const hit = total((statement) => statement.sharedHitBlocks ?? Number.NaN);
      const read = total((statement) => statement.sharedReadBlocks ?? Number.NaN);
      lines.push(
        `| ${report.mode} | (${plans.shape}) | ${statements.length} | ${indexes || '–'} | ${large} | ${other || '–'} | ${fmt(planningMs)} | ${fmt(executionMs)} | ${first} | ${fmt(hit)} / ${fmt(read)} |`,
      );
    }
  }
  for (const report of reports) {
    const found = report.explain.flatMap((plans) => largeSeqScans(plans).map((scan) => `(${plans.shape}) ${scan}`));
    lines.push('', `${report.mode}: seq scans on large tables: ${found.length === 0 ? 'none' : found.join('; ')}`);
  }
  return lines;
}

function statementLines(reports: SearchModeReport[]): string[] {
  const measured = reports.flatMap((report) =>
    report.queries.flatMap((q) =>
      q.statements ? [{ label: `${report.mode} (${q.shape})`, stats: q.statements }] : [],
    ),
  );
  if (measured.length === 0) {
    return [];
  }
  return [
    '',
    'What PostgreSQL ran in each measured window (`pg_stat_statements`), per request, the statements that took most time:',
    '',
    ...statementTableLines(measured),
  ];
}

/** Every mode's dataset, queries, page walk and plans as markdown. */
export function renderMarkdown(reports: SearchModeReport[]): string {
  const first = reports[0];
  const lines: string[] = [`# FHIR search benchmark${first?.quick ? ' (quick)' : ''}`, ''];
  if (first) {
    const m = first.machine;
    lines.push(
      `${String(m.cpuCount)} × ${String(m.cpuModel)}, ${String(m.memoryGb)} GB, Node ${String(m.node)}, ${first.startedAt}`,
      '',
      // Reports from before the server warm-up have no serverWarmupMs.
      (typeof first.settings.serverWarmupMs === 'number'
        ? `After the server starts, every shape runs ${String(first.settings.serverWarmupMs)} ms unmeasured in turn. `
        : '') +
        `Timed phases: ${String(first.settings.warmupMs)} ms warm-up + ${String(first.settings.durationMs)} ms measured per query, ` +
        `${String(first.settings.clients)} concurrent clients, a different patient per request. ` +
        `Target: p99 < ${TARGET_P99_MS} ms for (a)–(d) on PostgreSQL at 1M resources.`,
      '',
    );
  }
  lines.push(
    ...datasetLines(reports),
    ...prewarmLines(reports),
    ...serverWarmUpLines(reports),
    '',
    ...queryLines(reports),
    ...walkLines(reports),
    ...explainLines(reports),
    ...statementLines(reports),
  );
  const templates = first?.queries.map((q) => `- (${q.shape}) \`GET /fhir/R4/${q.template}\``) ?? [];
  if (templates.length > 0) {
    lines.push('', 'Queries:', '', ...templates);
  }
  const problems = reports.flatMap((report) => report.problems.map((problem) => `- ${report.mode}: ${problem}`));
  if (problems.length > 0) {
    lines.push('', '## Errors', '', ...problems);
  }
  return `${lines.join('\n')}\n`;
}
