import type { LoadResult } from '../fhir-store/closed-loop.ts';
import type { LatencySummary } from '../fhir-store/percentiles.ts';
import { fmt, type DatabaseMode } from '../fhir-store/report.ts';
import { scansConcepts, type QueryPlans } from './explain.ts';

/** The target: typeahead p99 below this many milliseconds for 3-character prefixes, on both databases. */
export const TARGET_P99_MS = 20;

/** Typeahead under load at one concurrency. */
export type TypeaheadMeasurement = {
  clients: number;
  seconds: number;
  requests: number;
  requestsPerSecond: number;
  /** Suggestions per response, on average. */
  itemsPerResponse: number;
  errors: number;
  errorSamples: string[];
  latency: LatencySummary;
  verdict: 'PASS' | 'FAIL';
};

/** The shipped data as loaded into the benchmark database. */
export type ShippedData = {
  seconds: number;
  systems: number;
  concepts: number;
  parts: Array<{ name: string; concepts: number; milliseconds: number }>;
};

/** Loading the scaled-up fixture with the server's loader. */
export type LoaderMeasurement = {
  system: string;
  fixture: string;
  copies: number;
  concepts: number;
  seconds: number;
  conceptsPerSecond: number;
  loader: string;
};

export type TerminologyModeReport = {
  benchmark: 'terminology';
  mode: DatabaseMode;
  quick: boolean;
  startedAt: string;
  finishedAt: string;
  machine: Record<string, unknown>;
  settings: Record<string, unknown>;
  shipped: ShippedData;
  /** Distinct prefixes asked, and the most frequent ones. */
  prefixes: { sampled: number; distinct: number; mostFrequent: Array<[string, number]> };
  typeahead: TypeaheadMeasurement[];
  explain: QueryPlans[];
  loader: LoaderMeasurement | undefined;
  errors: number;
  problems: string[];
};

export function toTypeaheadMeasurement(result: LoadResult): TypeaheadMeasurement {
  const perSecond = result.seconds > 0 ? Math.round((result.operations / result.seconds) * 10) / 10 : 0;
  const passed = result.errors === 0 && result.operations > 0 && result.latency.p99Ms < TARGET_P99_MS;
  return {
    clients: result.concurrency,
    seconds: result.seconds,
    requests: result.operations,
    requestsPerSecond: perSecond,
    itemsPerResponse: result.operations > 0 ? Math.round((result.resources / result.operations) * 10) / 10 : 0,
    errors: result.errors,
    errorSamples: result.errorSamples,
    latency: result.latency,
    verdict: passed ? 'PASS' : 'FAIL',
  };
}

function explainLines(reports: TerminologyModeReport[]): string[] {
  const lines = [
    '',
    "Plans of the typeahead SQL for sample prefixes (`EXPLAIN (ANALYZE, FORMAT JSON)`, through the server's `searchConcepts`):",
    '',
    '| mode | q | statements | indexes used | seq scans | exec ms |',
    '|---|---|---:|---|---|---:|',
  ];
  for (const report of reports) {
    for (const plans of report.explain) {
      const indexes = [...new Set(plans.statements.flatMap((statement) => statement.indexes))].join(', ');
      const scans = [...new Set(plans.statements.flatMap((statement) => statement.seqScans))].join(', ');
      const executionMs = plans.statements.reduce((sum, statement) => sum + statement.executionMs, 0);
      lines.push(
        `| ${report.mode} | \`${plans.query}\` | ${plans.statements.length} | ${indexes || '–'} | ${scans || 'none'} | ${fmt(executionMs)} |`,
      );
    }
  }
  for (const report of reports) {
    const scanning = report.explain.filter(scansConcepts).map((plans) => `\`${plans.query}\``);
    lines.push(
      '',
      `${report.mode}: seq scans of term_concept: ${scanning.length === 0 ? 'none' : scanning.join(', ')}`,
    );
  }
  return lines;
}

/** Every mode's data, typeahead latencies, plans and loader throughput as markdown. */
export function renderMarkdown(reports: TerminologyModeReport[]): string {
  const first = reports[0];
  const lines: string[] = [`# Terminology benchmark${first?.quick ? ' (quick)' : ''}`, ''];
  if (first) {
    const m = first.machine;
    lines.push(
      `${String(m.cpuCount)} × ${String(m.cpuModel)}, ${String(m.memoryGb)} GB, Node ${String(m.node)}, ${first.startedAt}`,
      '',
      `Typeahead: \`GET /api/terminology/search?q=<3 letters>&count=20\` over every shipped code system, ` +
        `${String(first.settings.warmupMs)} ms warm-up + ${String(first.settings.durationMs)} ms measured per row. ` +
        `Target: p99 < ${TARGET_P99_MS} ms on both databases.`,
      '',
      '| mode | shipped systems | concepts | load s | prefixes asked | distinct |',
      '|---|---:|---:|---:|---:|---:|',
    );
  }
  for (const report of reports) {
    lines.push(
      `| ${report.mode} | ${fmt(report.shipped.systems)} | ${fmt(report.shipped.concepts)} | ${fmt(report.shipped.seconds)} | ` +
        `${fmt(report.prefixes.sampled)} | ${fmt(report.prefixes.distinct)} |`,
    );
  }
  lines.push(
    '',
    `| mode | clients | req/s | p50 ms | p99 ms | max ms | items/resp | ok | errors | p99 < ${TARGET_P99_MS} ms |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  );
  for (const report of reports) {
    for (const t of report.typeahead) {
      lines.push(
        `| ${report.mode} | ${t.clients} | ${fmt(t.requestsPerSecond)} | ${fmt(t.latency.p50Ms)} | ${fmt(t.latency.p99Ms)} | ` +
          `${fmt(t.latency.maxMs)} | ${fmt(t.itemsPerResponse)} | ${t.requests} | ${t.errors} | ${t.verdict} |`,
      );
    }
  }
  lines.push(
    '',
    'Loader throughput (one transaction, as `caregraph terminology load` runs it):',
    '',
    '| mode | system | fixture | copies | concepts | s | concepts/s | loader |',
    '|---|---|---|---:|---:|---:|---:|---|',
  );
  for (const report of reports) {
    const l = report.loader;
    if (l) {
      lines.push(
        `| ${report.mode} | ${l.system} | ${l.fixture} | ${fmt(l.copies)} | ${fmt(l.concepts)} | ${fmt(l.seconds)} | ${fmt(l.conceptsPerSecond)} | ${l.loader} |`,
      );
    }
  }
  lines.push(...explainLines(reports));
  const frequent = first?.prefixes.mostFrequent.map(([prefix, count]) => `\`${prefix}\` ×${count}`).join(', ');
  if (frequent) {
    lines.push('', `Most frequent prefixes: ${frequent}.`);
  }
  const problems = reports.flatMap((report) => report.problems.map((problem) => `- ${report.mode}: ${problem}`));
  if (problems.length > 0) {
    lines.push('', '## Errors', '', ...problems);
  }
  return `${lines.join('\n')}\n`;
}
