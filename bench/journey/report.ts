import type { LatencySummary } from '../fhir-store/percentiles.ts';
import { fmt, type DatabaseMode } from '../fhir-store/report.ts';

/** One timed request (or request sequence) repeated back to back by one client. */
export type OperationMeasurement = {
  name: string;
  /** What exactly one operation reads. */
  description: string;
  iterations: number;
  latency: LatencySummary;
  /** Nodes (or paths, or patterns) per answer, on average: how much each operation returned. */
  returned: number;
  /** p99 target in milliseconds on PostgreSQL, if any. */
  targetP99Ms?: number;
  verdict?: 'PASS' | 'MISS';
  errors: number;
  errorSamples: string[];
};

export type DatasetSummary = {
  bigPatientResources: number;
  bigPatientNodes: number;
  bigPatientEdges: number;
  cohortPatients: number;
  cohortResources: number;
  loadSeconds: number;
  resourcesPerSecond: number;
  /** 4-hop pairs asked for, and how many answered with a path of exactly 4 hops. */
  pathPairs: number;
  pathPairsOfLengthFour: number;
};

export type JourneyModeReport = {
  benchmark: 'journey';
  mode: DatabaseMode;
  quick: boolean;
  startedAt: string;
  finishedAt: string;
  machine: Record<string, unknown>;
  settings: Record<string, unknown>;
  dataset: DatasetSummary;
  operations: OperationMeasurement[];
  errors: number;
  problems: string[];
};

/** Targets apply on PostgreSQL; on the embedded database they are shown for comparison only. */
export function judge(measurement: OperationMeasurement, mode: DatabaseMode): OperationMeasurement {
  if (measurement.targetP99Ms === undefined || mode !== 'postgres') {
    return measurement;
  }
  return { ...measurement, verdict: measurement.latency.p99Ms < measurement.targetP99Ms ? 'PASS' : 'MISS' };
}

export function renderMarkdown(reports: JourneyModeReport[]): string {
  const lines = ['# Journey benchmark', ''];
  for (const report of reports) {
    const { dataset } = report;
    const database = typeof report.machine.database === 'string' ? report.machine.database : '';
    lines.push(
      `## ${report.mode}${report.quick ? ' (quick)' : ''}`,
      '',
      `${database}; started ${report.startedAt}.`,
      '',
      `Data, loaded through the FHIR API in-process (transaction Bundles; the projection fills the journey in the same transactions): ` +
        `one patient with ${fmt(dataset.bigPatientResources)} resources (${fmt(dataset.bigPatientNodes)} journey nodes, ` +
        `${fmt(dataset.bigPatientEdges)} edges) and ${fmt(dataset.cohortPatients)} cohort patients ` +
        `(${fmt(dataset.cohortResources)} resources) in ${dataset.loadSeconds} s (${fmt(dataset.resourcesPerSecond)} resources/s). ` +
        `Path pairs: ${dataset.pathPairsOfLengthFour} of ${dataset.pathPairs} answered with exactly 4 hops.`,
      '',
      'One client, requests back to back over HTTP to the server process.',
      '',
      '| operation | what one operation reads | n | returned | p50 ms | p99 ms | max ms | target p99 | result |',
      '|---|---|---:|---:|---:|---:|---:|---:|---|',
    );
    for (const op of report.operations) {
      lines.push(
        `| ${op.name} | ${op.description} | ${op.iterations} | ${fmt(op.returned)} | ${op.latency.p50Ms} | ${op.latency.p99Ms} | ${op.latency.maxMs} | ` +
          `${op.targetP99Ms === undefined ? '' : `< ${fmt(op.targetP99Ms)} ms`} | ${op.verdict ?? (op.targetP99Ms === undefined ? '' : 'n/a (target on PostgreSQL)')} |`,
      );
    }
    lines.push('');
    if (report.problems.length > 0) {
      lines.push('### Problems', '', ...report.problems.map((problem) => `- ${problem}`), '');
    }
  }
  return `${lines.join('\n')}\n`;
}
