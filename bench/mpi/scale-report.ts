// The scale benchmark's report: what is saved as JSON and how it is printed as Markdown.
import type { DedupeReport } from '@caregraph/core/domain';
import type { AuditBacklog } from '../fhir-store/audit-backlog.ts';
import type { LatencySummary } from '../fhir-store/percentiles.ts';
import { statementTableLines, type ShapeStatementStats } from '../fhir-store/statement-stats.ts';
import type { DatabaseMode } from '../fhir-store/report.ts';
import type { LookupStats } from './lookup-stats.ts';

/** Memory of the benchmark process during a phase, in MB. */
export type MemoryPeak = { rssBeforeMb: number; peakRssSampledMb: number; peakHeapMb: number; maxRssMb: number };

export type ScaleModeReport = {
  benchmark: 'mpi-scale';
  mode: DatabaseMode;
  quick: boolean;
  startedAt: string;
  finishedAt: string;
  machine: Record<string, unknown>;
  population: { seed: string; records: number; people: number; truePairs: number; corrupted: number };
  /**
   * A population kept in `dir` (`--keep-dir`, `--reuse-dir`): which of its runs this was; when
   * `reused`, load, train and dedupe are the keeping run's figures. Absent otherwise.
   */
  kept?: { dir: string; run: number; reused: boolean };
  load: { seconds: number; patientsPerSecond: number; method: string };
  train: { seconds: number; modelVersion: number; memory: MemoryPeak };
  dedupe: {
    seconds: number;
    patientsPerSecond: number;
    memory: MemoryPeak;
    /** Seconds of each phase, to its last progress report. */
    phaseSeconds: Record<string, number>;
    report: DedupeReport;
  };
  /**
   * The audit entries the load and dedupe left outside the tree, integrated before the server starts
   * (absent in reports from before: the server integrated them during the creates).
   */
  auditBacklog?: AuditBacklog;
  incremental: {
    createRequest: LatencySummary;
    matchStep: LatencySummary | undefined;
    /** The matching step's parts, over the creates that ran each (absent in older reports). */
    matchSubsteps?: Record<string, { creates: number; latency: LatencySummary | undefined }>;
  };
  match: LatencySummary;
  /** With `--statement-stats`: what PostgreSQL ran per create and per `$match` in the measured windows. */
  statements?: { creates: ShapeStatementStats; match: ShapeStatementStats };
  /** The candidate lookup alone for the `$match` probes, per budget; absent from reports made before it was measured. */
  lookups?: LookupStats[];
  errors: number;
  problems: string[];
};

/** The target for one new patient against a million, on PostgreSQL. */
const INCREMENTAL_P99_TARGET_MS = 20;

const ms = (summary: LatencySummary | undefined) =>
  summary ? `${summary.p50Ms.toFixed(1)} / ${summary.p99Ms.toFixed(1)}` : 'not reported';

const phasesOf = (report: ScaleModeReport) =>
  Object.entries(report.dedupe.phaseSeconds)
    .map(([phase, seconds]) => `${phase} ${seconds}`)
    .join(', ');

export function renderScaleMarkdown(reports: ScaleModeReport[]): string {
  const lines = [
    '# MPI scale (bench/mpi/scale.ts)',
    '',
    '| mode | patients | load /s | train s | train peak RSS MB | dedupe s | dedupe peak RSS MB | dedupe phases s | create p50/p99 ms | match step p50/p99 ms | $match p50/p99 ms |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const report of reports) {
    lines.push(
      `| ${report.mode}${report.quick ? ' (quick)' : ''} | ${report.population.records.toLocaleString('en-US')} | ${report.load.patientsPerSecond} | ${report.train.seconds} | ${report.train.memory.peakRssSampledMb} | ${report.dedupe.seconds} | ${report.dedupe.memory.peakRssSampledMb} | ${phasesOf(report)} | ${ms(report.incremental.createRequest)} | ${ms(report.incremental.matchStep)} | ${ms(report.match)} |`,
    );
  }
  lines.push(
    '',
    '| mode | budget | lookups | candidates p50 / p99 / mean / max | keys over cap / over budget per lookup | found loaded person | lookup p50/p99 ms |',
    '|---|---|---|---|---|---|---|',
  );
  for (const report of reports) {
    for (const lookup of report.lookups ?? []) {
      const { candidates } = lookup;
      lines.push(
        `| ${report.mode} | ${lookup.candidateBudget.toLocaleString('en-US')} | ${lookup.lookups} | ${candidates.p50} / ${candidates.p99} / ${candidates.mean} / ${candidates.max} | ${lookup.meanKeysOverCap} / ${lookup.meanKeysOverBudget} | ${lookup.foundLoadedRecord} / ${lookup.withLoadedRecord} | ${ms(lookup.latency)} |`,
      );
    }
  }
  const substeps = reports.filter((report) => report.incremental.matchSubsteps);
  if (substeps.length > 0) {
    lines.push(
      '',
      'Parts of the matching step (Server-Timing), over the creates that ran each:',
      '',
      '| mode | part | creates | p50/p99 ms | max ms |',
      '|---|---|---|---|---|',
    );
    for (const report of substeps) {
      for (const [name, part] of Object.entries(report.incremental.matchSubsteps ?? {})) {
        lines.push(
          `| ${report.mode} | ${name} | ${part.creates} | ${ms(part.latency)} | ${part.latency?.maxMs.toFixed(1) ?? '–'} |`,
        );
      }
    }
  }
  const statements = reports.flatMap((report) =>
    report.statements
      ? [
          { label: `${report.mode} create`, stats: report.statements.creates },
          { label: `${report.mode} $match`, stats: report.statements.match },
        ]
      : [],
  );
  if (statements.length > 0) {
    lines.push(
      '',
      'What PostgreSQL ran per request in the measured windows (`pg_stat_statements`), the statements that took most time:',
      '',
      ...statementTableLines(statements),
    );
  }
  lines.push(
    '',
    'Peak RSS: the largest resident set sampled during the phase, the embedded database included (it runs in the process).',
  );
  lines.push(`Target: incremental match p99 < ${INCREMENTAL_P99_TARGET_MS} ms against 1M patients on PostgreSQL.`);
  for (const { mode, auditBacklog } of reports) {
    if (auditBacklog) {
      lines.push(
        `- ${mode}: before the server started, ${auditBacklog.entries.toLocaleString('en-US')} pending audit entries were integrated (and the audit tables vacuumed) in ${auditBacklog.seconds} s.`,
      );
    }
  }
  for (const { mode, kept } of reports) {
    if (kept) {
      lines.push(
        `- ${mode}: population kept in \`${kept.dir}\`, run ${kept.run}` +
          (kept.reused ? "; load, training and dedupe are the keeping run's figures." : ' (the keeping run).'),
      );
    }
  }
  for (const report of reports) {
    for (const problem of report.problems) {
      lines.push(`- ${report.mode}: ${problem}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
