import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LoadResult } from './closed-loop.ts';
import type { LatencySummary } from './percentiles.ts';

export type DatabaseMode = 'embedded' | 'postgres';
export type Layer = 'api' | 'raw';
export type OperationName = 'create' | 'read' | 'update' | 'insert' | 'import';

/** One operation at one concurrency level. */
export type Measurement = {
  layer: Layer;
  operation: OperationName;
  concurrency: number;
  seconds: number;
  /** Requests (HTTP), queries (raw) or bundles (import) that succeeded inside the window. */
  operations: number;
  resources: number;
  operationsPerSecond: number;
  resourcesPerSecond: number;
  errors: number;
  errorSamples: string[];
  latency: LatencySummary;
};

export type Ratio = {
  name: string;
  value: number;
  /** Present when the ratio has a target; PASS when value ≥ target. */
  target?: number;
  verdict?: 'PASS' | 'MISS';
  detail: string;
};

export type ModeReport = {
  benchmark: 'fhir-store';
  mode: DatabaseMode;
  quick: boolean;
  startedAt: string;
  finishedAt: string;
  machine: Record<string, unknown>;
  settings: Record<string, unknown>;
  measurements: Measurement[];
  ratios: Ratio[];
  /** Failed requests, queries and bundles, plus a server that did not exit cleanly. */
  errors: number;
  problems: string[];
};

export function toMeasurement(layer: Layer, operation: OperationName, result: LoadResult): Measurement {
  const perSecond = (count: number) => (result.seconds > 0 ? Math.round((count / result.seconds) * 10) / 10 : 0);
  return {
    layer,
    operation,
    concurrency: result.concurrency,
    seconds: Math.round(result.seconds * 1000) / 1000,
    operations: result.operations,
    resources: result.resources,
    operationsPerSecond: perSecond(result.operations),
    resourcesPerSecond: perSecond(result.resources),
    errors: result.errors,
    errorSamples: result.errorSamples,
    latency: result.latency,
  };
}

function find(measurements: Measurement[], layer: Layer, operation: OperationName, concurrency?: number) {
  return measurements.filter(
    (m) =>
      m.layer === layer && m.operation === operation && (concurrency === undefined || m.concurrency === concurrency),
  );
}

function peak(measurements: Measurement[]): Measurement | undefined {
  return measurements.reduce<Measurement | undefined>(
    (best, m) => (best === undefined || m.resourcesPerSecond > best.resourcesPerSecond ? m : best),
    undefined,
  );
}

function verdict(value: number, target: number | undefined): Pick<Ratio, 'target' | 'verdict'> {
  return target === undefined ? {} : { target, verdict: value >= target ? 'PASS' : 'MISS' };
}

function ratioOf(name: string, api: Measurement[], raw: Measurement[], levels: number[], target?: number): Ratio[] {
  const ratios: Ratio[] = [];
  const bestApi = peak(api);
  const bestRaw = peak(raw);
  if (bestApi && bestRaw && bestRaw.resourcesPerSecond > 0) {
    const value = round2(bestApi.resourcesPerSecond / bestRaw.resourcesPerSecond);
    ratios.push({
      name: `${name} (peak)`,
      value,
      ...verdict(value, target),
      detail: `API ${fmt(bestApi.resourcesPerSecond)}/s at c=${bestApi.concurrency} vs raw ${fmt(bestRaw.resourcesPerSecond)}/s at c=${bestRaw.concurrency}`,
    });
  }
  for (const level of levels) {
    const a = api.find((m) => m.concurrency === level);
    const r = raw.find((m) => m.concurrency === level);
    if (a && r && r.resourcesPerSecond > 0) {
      const value = round2(a.resourcesPerSecond / r.resourcesPerSecond);
      ratios.push({
        name: `${name} (c=${level})`,
        value,
        ...verdict(value, target),
        detail: `${fmt(a.resourcesPerSecond)}/s vs ${fmt(r.resourcesPerSecond)}/s`,
      });
    }
  }
  return ratios;
}

/** API read / raw read (target ≥ 0.5), API create / raw insert, and Synthea import throughput (target ≥ 1000/s on PostgreSQL). */
export function computeRatios(mode: DatabaseMode, measurements: Measurement[], levels: number[]): Ratio[] {
  const ratios = [
    ...ratioOf(
      'API read / raw read',
      find(measurements, 'api', 'read'),
      find(measurements, 'raw', 'read'),
      levels,
      0.5,
    ),
    ...ratioOf(
      'API create / raw insert',
      find(measurements, 'api', 'create'),
      find(measurements, 'raw', 'insert'),
      levels,
    ),
  ];
  const bestImport = peak(find(measurements, 'api', 'import'));
  if (bestImport) {
    const target = mode === 'postgres' ? 1000 : undefined;
    ratios.push({
      name: `Synthea import resources/s (peak, ${mode})`,
      value: bestImport.resourcesPerSecond,
      ...verdict(bestImport.resourcesPerSecond, target),
      detail: `at c=${bestImport.concurrency}, p50 ${fmt(bestImport.latency.p50Ms)} ms/bundle`,
    });
  }
  return ratios;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/** A number for a results table: thousands separators from 100 up, two decimals below, – for none. */
export function fmt(value: number): string {
  if (!Number.isFinite(value)) {
    return '–';
  }
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : String(Math.round(value * 100) / 100);
}

/** The measurements of every mode as one markdown table, then the ratios. */
export function renderMarkdown(reports: ModeReport[]): string {
  const lines: string[] = [];
  const first = reports[0];
  lines.push(`# FHIR store benchmark${first?.quick ? ' (quick)' : ''}`, '');
  if (first) {
    const m = first.machine;
    lines.push(
      `${String(m.cpuCount)} × ${String(m.cpuModel)}, ${String(m.memoryGb)} GB, Node ${String(m.node)}, ${first.startedAt}`,
      '',
      `Timed phases: ${String(first.settings.warmupMs)} ms warm-up + ${String(first.settings.durationMs)} ms measured per row. ` +
        `ops = requests (API), queries (raw) or bundles (import); resources/s counts bundle entries for import.`,
      '',
    );
  }
  lines.push(
    '| mode | layer | operation | clients | ops/s | resources/s | p50 ms | p99 ms | ops | errors |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const report of reports) {
    for (const m of report.measurements) {
      lines.push(
        `| ${report.mode} | ${m.layer} | ${m.operation} | ${m.concurrency} | ${fmt(m.operationsPerSecond)} | ${fmt(m.resourcesPerSecond)} | ` +
          `${fmt(m.latency.p50Ms)} | ${fmt(m.latency.p99Ms)} | ${m.operations} | ${m.errors} |`,
      );
    }
  }
  lines.push('', '| mode | ratio | value | target | result | detail |', '|---|---|---:|---:|---|---|');
  for (const report of reports) {
    for (const r of report.ratios) {
      lines.push(
        `| ${report.mode} | ${r.name} | ${fmt(r.value)} | ${r.target === undefined ? '' : `≥ ${fmt(r.target)}`} | ${r.verdict ?? ''} | ${r.detail} |`,
      );
    }
  }
  const problems = reports.flatMap((report) => report.problems.map((problem) => `- ${report.mode}: ${problem}`));
  if (problems.length > 0) {
    lines.push('', '## Errors', '', ...problems);
  }
  return `${lines.join('\n')}\n`;
}

/** What every benchmark's per-mode report has: enough to name its results file. */
export type SavedReport = { mode: DatabaseMode; startedAt: string; quick: boolean };

/**
 * Writes `<benchmark>-<mode>-<date>[-quick].json` per mode and `<benchmark>-latest.md`; returns the
 * paths.
 */
export function saveReports(
  resultsDir: string,
  reports: SavedReport[],
  markdown: string,
  benchmark = 'fhir-store',
): string[] {
  mkdirSync(resultsDir, { recursive: true });
  const written: string[] = [];
  for (const report of reports) {
    const stamp = report.startedAt.replace(/\.\d+Z$/, 'Z').replaceAll(':', '-');
    const file = path.join(resultsDir, `${benchmark}-${report.mode}-${stamp}${report.quick ? '-quick' : ''}.json`);
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    written.push(file);
  }
  const latest = path.join(resultsDir, `${benchmark}-latest.md`);
  writeFileSync(latest, markdown);
  written.push(latest);
  return written;
}
