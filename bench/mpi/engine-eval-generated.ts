// Generated evaluation scenarios for the engine: synthetic populations from `population/` (real name
// frequency lists, controlled corruption, several source systems) with their ground truth, written as a
// scoring folder (truth.csv + manifest.json) that /work/shared/tools/mpi-score.mjs reads. Patients are
// normalised as they are generated, so a population of 200,000 never exists as FHIR resources at once.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Patient } from '@medplum/fhirtypes';
import {
  emptyStats,
  generatePopulation,
  SOURCE_SYSTEMS,
  type PopulationOptions,
} from './population/generate-population.ts';

/** One generated scenario: the population options and how the scorer counts its pairs. */
export type Scenario = {
  name: string;
  description: string;
  /** `link`: each source holds at most one record per person and only cross-source pairs are true. */
  task: 'dedupe' | 'link';
  population: Omit<PopulationOptions, 'records'>;
};

const THREE_SOURCES = SOURCE_SYSTEMS.slice(0, 3);

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'gen-40',
    description: '40% of repeat records corrupted, 3 source systems, a few same-source duplicates',
    task: 'dedupe',
    population: { seed: 'engine-eval-40', corruptionRate: 0.4, sources: THREE_SOURCES },
  },
  {
    name: 'gen-20',
    description: '20% of repeat records corrupted, 3 source systems',
    task: 'dedupe',
    population: { seed: 'engine-eval-20', corruptionRate: 0.2, sources: THREE_SOURCES },
  },
  {
    name: 'gen-40-5src',
    description: '40% corrupted, 5 source systems (names in capitals from two of them)',
    task: 'dedupe',
    population: { seed: 'engine-eval-40-5', corruptionRate: 0.4, sources: SOURCE_SYSTEMS },
  },
  {
    name: 'gen-link-40',
    description: 'link task: 3 sources, at most one record per source and person, 40% corrupted',
    task: 'link',
    population: {
      seed: 'engine-eval-link-40',
      corruptionRate: 0.4,
      sources: THREE_SOURCES,
      maxRecordsPerPerson: THREE_SOURCES.length,
      sameSourceRate: 0,
    },
  },
];

/** A generated data set: whatever `convert` made of each Patient, index-aligned with its truth. */
export type GeneratedDataset<T> = {
  name: string;
  /** Scoring folder for mpi-score.mjs. */
  dir: string;
  task: 'dedupe' | 'link';
  items: T[];
  entityOf: string[];
  sourceOf: string[];
  /** Milliseconds spent in `convert`. */
  convertMs: number;
};

/** Generates `records` records of the scenario, converting each Patient as it comes. */
export function generateDataset<T>(
  scenario: Scenario,
  records: number,
  dir: string,
  convert: (patient: Patient) => T,
): GeneratedDataset<T> {
  const stats = emptyStats();
  const items: T[] = [];
  const entityOf: string[] = [];
  const sourceOf: string[] = [];
  const truth: string[] = ['rec_id,entity_id,source'];
  let convertMs = 0;
  for (const record of generatePopulation({ ...scenario.population, records }, stats)) {
    const start = performance.now();
    items.push(convert(record.patient));
    convertMs += performance.now() - start;
    entityOf.push(record.entityId);
    sourceOf.push(record.source);
    truth.push(`${record.recordId},${record.entityId},${record.source}`);
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'truth.csv'), `${truth.join('\n')}\n`);
  const manifest = {
    name: scenario.name,
    task: scenario.task,
    idColumn: 'rec_id',
    description: scenario.description,
    records: stats.records,
    entities: stats.people,
    generator: { ...scenario.population, sources: scenario.population.sources?.map((source) => source.id), records },
    corruptions: stats.corruptions,
  };
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return { name: scenario.name, dir, task: scenario.task, items, entityOf, sourceOf, convertMs };
}
