// The MPI benchmarks' reports: what is saved as JSON and how it is printed as Markdown.
import type { DedupeReport } from '@caregraph/core/domain';
import type { DatabaseMode } from '../fhir-store/report.ts';

type Scores = { precision: number; recall: number; f1: number };

/** What `mpi-score.mjs --json` prints (the fields the report uses). */
export type ScorerOutput = {
  dataset: string;
  records: number;
  truePairs: number;
  predictedPairs: number;
  unknownIds: number;
  pairwise: Scores & { tp: number; fp: number; fn: number };
  closure: Scores & {
    tp: number;
    fp: number;
    fn: number;
    predictedClusters: number;
    multiRecordClusters: number;
    largestCluster: number;
    bcubed: Scores;
  };
};

export type DatasetResult = {
  dataset: string;
  records: number;
  goldenRecords: number;
  predictedPairs: number;
  load: { seconds: number; patientsPerSecond: number };
  train: { seconds: number; modelVersion: number; trainedOn: number };
  dedupe: { seconds: number; commandSeconds: number; patientsPerSecond: number; report: DedupeReport };
  score: ScorerOutput;
};

export type AccuracyModeReport = {
  benchmark: 'mpi';
  mode: DatabaseMode;
  quick: boolean;
  startedAt: string;
  finishedAt: string;
  machine: Record<string, unknown>;
  settings: Record<string, unknown>;
  datasets: DatasetResult[];
  errors: number;
  problems: string[];
};

const f4 = (value: number) => value.toFixed(4);

export function renderAccuracyMarkdown(reports: AccuracyModeReport[]): string {
  const lines = [
    '# MPI accuracy (bench/mpi/run.ts)',
    '',
    '| mode | data set | records | pairwise P | pairwise R | pairwise F1 | cluster P | cluster R | cluster F1 | B³ F1 | loaded/s | matched/s |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const report of reports) {
    for (const result of report.datasets) {
      const { pairwise, closure } = result.score;
      lines.push(
        `| ${report.mode} | ${result.dataset} | ${result.records} | ${f4(pairwise.precision)} | ${f4(pairwise.recall)} | ${f4(pairwise.f1)} | ${f4(closure.precision)} | ${f4(closure.recall)} | ${f4(closure.f1)} | ${f4(closure.bcubed.f1)} | ${result.load.patientsPerSecond} | ${result.dedupe.patientsPerSecond} |`,
      );
    }
  }
  lines.push('', 'Target: cluster F1 ≥ 0.995 on febrl3 (Splink reports 0.965), one configuration for every data set.');
  for (const report of reports) {
    for (const problem of report.problems) {
      lines.push(`- ${report.mode}: ${problem}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
