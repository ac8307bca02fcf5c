import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { saveKeptDataset } from '../fhir-store/kept-postgres.ts';
import { readKeptPopulation, saveKeptPopulation, sliceOf, type KeptPopulation } from './kept-population.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kept-population-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const kept = (runsTaken: number): KeptPopulation => ({
  benchmark: 'mpi-scale',
  seed: 's',
  records: 1000,
  generated: 1000 + 3 * 100,
  perRun: 100,
  runsTaken,
  firstRun: {} as KeptPopulation['firstRun'],
});

describe('kept populations', () => {
  it('gives each run the slice after the runs taken before it', () => {
    assert.deepEqual(sliceOf({ perRun: 100, runsTaken: 0 }), { start: 0, end: 100 });
    assert.deepEqual(sliceOf({ perRun: 100, runsTaken: 2 }), { start: 200, end: 300 });
  });

  it('reads back what was kept while a reserved slice is left', () => {
    saveKeptPopulation(dir, kept(2));
    assert.equal(readKeptPopulation(dir).runsTaken, 2);
  });

  it('refuses a population whose reserved runs are all taken', () => {
    saveKeptPopulation(dir, kept(3));
    assert.throws(() => readKeptPopulation(dir), /all 3 reserved runs are taken/);
  });

  it("refuses another benchmark's kept dataset", () => {
    saveKeptDataset(dir, { dataset: { resources: 1 }, samples: [] });
    assert.throws(() => readKeptPopulation(dir), /not kept by the MPI scale benchmark/);
  });
});
