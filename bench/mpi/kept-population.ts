// A population the scale benchmark keeps (`--keep-dir`): loaded, trained and deduplicated once —
// about an hour at 1M patients — then measured again with `--reuse-dir` in minutes. The records are
// not stored: the generator gives the same stream for the same seed and total, so only those and
// the first run's figures are kept. Each run creates new patients, and a patient created once is
// in the index from then on, so every run takes the next, unused slice of the stream after the
// loaded records; the keeping run reserves slices for `RESERVED_RUNS` runs.
import { readKeptDataset, saveKeptDataset } from '../fhir-store/kept-postgres.ts';
import type { ScaleModeReport } from './scale-report.ts';

/** Runs a kept population has new patients and probes for, the keeping run included. */
export const RESERVED_RUNS = 20;

export type KeptPopulation = {
  benchmark: 'mpi-scale';
  seed: string;
  /** Patients loaded (the stream's first records). */
  records: number;
  /** Records the generator was asked for: the loaded ones and every reserved run's slice. */
  generated: number;
  /** Records each run takes from the stream after the loaded ones. */
  perRun: number;
  /** Runs that took their slice so far. */
  runsTaken: number;
  /** The keeping run's figures for what later runs skip. */
  firstRun: Pick<ScaleModeReport, 'load' | 'train' | 'dedupe'>;
};

export function saveKeptPopulation(dir: string, kept: KeptPopulation): void {
  saveKeptDataset(dir, kept);
}

/** The kept population of `dir`, or an error naming what is wrong with it. */
export function readKeptPopulation(dir: string): KeptPopulation {
  const kept = readKeptDataset(dir) as Partial<KeptPopulation>;
  if (kept.benchmark !== 'mpi-scale') {
    throw new Error(`--reuse-dir ${dir} was not kept by the MPI scale benchmark`);
  }
  const complete = kept as KeptPopulation;
  if (sliceOf(complete).end > complete.generated - complete.records) {
    throw new Error(
      `--reuse-dir ${dir}: all ${complete.runsTaken} reserved runs are taken (their new patients are in the index); keep a new population`,
    );
  }
  return complete;
}

/** Where this run's new patients and probes start in the records after the loaded ones. */
export function sliceOf(kept: Pick<KeptPopulation, 'perRun' | 'runsTaken'>): { start: number; end: number } {
  const start = kept.runsTaken * kept.perRun;
  return { start, end: start + kept.perRun };
}
