// Writes a synthetic population as a scoring folder: `patients.ndjson` (one FHIR Patient per line),
// `truth.csv` (rec_id,entity_id,source) and `manifest.json`, the layout of /work/shared/data/mpi-dev
// that /work/shared/tools/mpi-score.mjs reads. Streams: memory stays flat for a million records.
import { createWriteStream, mkdirSync, writeFileSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { emptyStats, generatePopulation, type PopulationOptions, type PopulationStats } from './generate-population.ts';

/** Writes `text`, waiting for the stream to drain when its buffer is full. */
async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) {
    await once(stream, 'drain');
  }
}

async function close(stream: WriteStream): Promise<void> {
  stream.end();
  await once(stream, 'finish');
}

/** Generates the population into `dir` (created if needed); resolves to what was generated. */
export async function writePopulationDataset(options: {
  dir: string;
  name?: string;
  population: PopulationOptions;
}): Promise<PopulationStats> {
  const { dir, population } = options;
  mkdirSync(dir, { recursive: true });
  const patients = createWriteStream(path.join(dir, 'patients.ndjson'));
  const truth = createWriteStream(path.join(dir, 'truth.csv'));
  const stats = emptyStats();
  try {
    await write(truth, 'rec_id,entity_id,source\n');
    for (const record of generatePopulation(population, stats)) {
      await write(patients, `${JSON.stringify(record.patient)}\n`);
      await write(truth, `${record.recordId},${record.entityId},${record.source}\n`);
    }
  } finally {
    await Promise.all([close(patients), close(truth)]);
  }
  writeFileSync(
    path.join(dir, 'manifest.json'),
    `${JSON.stringify(
      {
        name: options.name ?? path.basename(dir),
        // Every within-file pair counts, across and within sources, as for the FEBRL files.
        task: 'dedupe',
        idColumn: 'rec_id',
        files: [{ path: 'patients.ndjson', records: stats.records }],
        records: stats.records,
        entities: stats.people,
        truePairs: stats.truePairs,
        generator: { ...population, corrupted: stats.corrupted, corruptions: stats.corruptions },
      },
      null,
      2,
    )}\n`,
  );
  return stats;
}
