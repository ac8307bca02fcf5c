import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { corruptDemographics, typo } from './corrupt.ts';
import {
  emptyStats,
  generatePopulation,
  NATIONAL_ID_SYSTEM,
  SOURCE_SYSTEMS,
  type PopulationOptions,
  type PopulationRecord,
} from './generate-population.ts';
import { loadNameFrequencies } from './names.ts';
import { createPerson } from './person.ts';
import { createRandom } from './random.ts';
import { writePopulationDataset } from './write-dataset.ts';

function generate(options: PopulationOptions): PopulationRecord[] {
  return [...generatePopulation(options)];
}

describe('generatePopulation', () => {
  it('produces the same records for the same seed and different ones for another seed', () => {
    const first = generate({ seed: 7, records: 500 });
    const again = generate({ seed: 7, records: 500 });
    const other = generate({ seed: 8, records: 500 });

    assert.deepEqual(again, first);
    assert.notDeepEqual(
      other.map((record) => record.patient.name),
      first.map((record) => record.patient.name),
    );
  });

  it('yields exactly the requested number of records with unique ids', () => {
    for (const records of [1, 37, 2000]) {
      const population = generate({ seed: 'size', records });
      assert.equal(population.length, records);
      assert.equal(new Set(population.map((record) => record.recordId)).size, records);
    }
  });

  it('corrupts the requested share of duplicate records and never a first record', () => {
    const stats = emptyStats();
    const population = [...generatePopulation({ seed: 3, records: 20_000, corruptionRate: 0.4 }, stats)];
    const duplicates = population.filter((record) => record.ordinal > 0);
    const corrupted = duplicates.filter((record) => record.corruptions.length > 0);

    assert.ok(population.filter((record) => record.ordinal === 0).every((record) => record.corruptions.length === 0));
    const rate = corrupted.length / duplicates.length;
    assert.ok(Math.abs(rate - 0.4) < 0.03, `corruption rate ${rate.toFixed(3)}`);
    // 30% of people have duplicates, 2–5 records each: roughly a third of the records.
    assert.ok(duplicates.length > 0.25 * population.length && duplicates.length < 0.45 * population.length);
    assert.equal(stats.corrupted, corrupted.length);
    // Every kind occurs in a population this size.
    assert.deepEqual(Object.keys(stats.corruptions).sort(), [
      'date-typo',
      'day-month-swap',
      'family-name-change',
      'missing-fields',
      'moved',
      'name-swap',
      'nickname',
      'typo',
      'year-off-by-one',
    ]);
  });

  it('follows the configured corruption rate: none at 0, every duplicate at 1', () => {
    const clean = generate({ seed: 4, records: 3000, corruptionRate: 0 });
    const dirty = generate({ seed: 4, records: 3000, corruptionRate: 1 });

    assert.ok(clean.every((record) => record.corruptions.length === 0));
    assert.ok(dirty.filter((record) => record.ordinal > 0).every((record) => record.corruptions.length > 0));
  });

  it('keeps the ground truth consistent: a person is one entity, from distinct sources unless registered twice', () => {
    const stats = emptyStats();
    const population = [...generatePopulation({ seed: 5, records: 5000, sameSourceRate: 0 }, stats)];
    const byEntity = new Map<string, PopulationRecord[]>();
    for (const record of population) {
      byEntity.set(record.entityId, [...(byEntity.get(record.entityId) ?? []), record]);
    }

    let truePairs = 0;
    for (const [entityId, records] of byEntity) {
      truePairs += (records.length * (records.length - 1)) / 2;
      assert.ok(records.every((record) => record.recordId.startsWith(`${entityId}-`)));
      assert.equal(new Set(records.map((record) => record.source)).size, records.length);
      // The uncorrupted records of a person agree on what a person cannot change.
      const clean = records.filter((record) => record.corruptions.length === 0);
      assert.equal(new Set(clean.map((record) => record.patient.birthDate)).size, Math.min(clean.length, 1));
    }
    assert.equal(stats.truePairs, truePairs);
    assert.equal(stats.people, byEntity.size);
    assert.equal(stats.records, population.length);
  });

  it('writes Patients a FHIR server accepts: MRN per source system, meta.source, national id when known', () => {
    const population = generate({ seed: 6, records: 300 });
    const sources = new Map(SOURCE_SYSTEMS.map((source) => [source.id, source]));

    for (const { patient, source, recordId } of population) {
      const system = sources.get(source);
      assert.ok(system);
      assert.equal(patient.resourceType, 'Patient');
      assert.equal(patient.id, recordId);
      assert.equal(patient.meta?.source, system.uri);
      assert.equal(patient.identifier?.[0]?.system, system.mrnSystem);
      assert.match(patient.identifier?.[0]?.value ?? '', /^[A-Z]{2}\d{9}$/);
      assert.ok(patient.name?.[0]?.family);
      for (const identifier of patient.identifier?.slice(1) ?? []) {
        assert.equal(identifier.system, NATIONAL_ID_SYSTEM);
        assert.match(identifier.value ?? '', /^9\d{2}-\d{2}-\d{4}$/);
      }
    }
    assert.ok(population.some((record) => record.patient.identifier?.length === 2));
  });

  it('does not keep a duplicate next to its first record', () => {
    const population = generate({ seed: 9, records: 4000, shuffleWindow: 1000 });
    const position = new Map(population.map((record, index) => [record.recordId, index]));
    const gaps = population
      .filter((record) => record.ordinal > 0)
      .map((record) => (position.get(record.recordId) ?? 0) - (position.get(`${record.entityId}-0`) ?? 0));

    assert.ok(gaps.every((gap) => gap > 0));
    const median = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)] ?? 0;
    assert.ok(median > 100, `median gap ${median}`);
  });
});

describe('name frequencies', () => {
  it('draws common names far more often than rare ones, as the census counts say', () => {
    const random = createRandom('names');
    const families = new Map<string, number>();
    for (let index = 0; index < 20_000; index++) {
      const { family } = createPerson(random);
      families.set(family, (families.get(family) ?? 0) + 1);
    }
    // Smith is 2.44M of the 121M people the 1,000 listed surnames cover (2.0%): within 3 standard errors.
    const smith = (families.get('Smith') ?? 0) / 20_000;
    assert.ok(Math.abs(smith - 0.0202) < 0.003, `Smith ${smith}`);
    assert.ok((families.get('Smith') ?? 0) > (families.get('Archer') ?? 0) * 20);
    assert.ok(families.size > 600);
  });

  it('keeps a given name out of the sex that uses it only rarely', () => {
    const { given } = loadNameFrequencies();
    assert.ok(given.male.items.includes('Michael'));
    assert.ok(!given.female.items.includes('Michael'));
    // Shared names stay with both.
    assert.ok(given.female.items.includes('Kelly') && given.male.items.includes('Kelly'));
  });
});

describe('corruption', () => {
  it('makes a keying error that changes the word by one edit', () => {
    const random = createRandom('typo');
    for (let index = 0; index < 200; index++) {
      const changed = typo(random, 'Johnson');
      assert.notEqual(changed, 'Johnson');
      assert.ok(Math.abs(changed.length - 'Johnson'.length) <= 1);
      assert.equal(changed.charAt(0), 'J');
    }
  });

  it('swaps day and month only when the day could be a month, and keeps every date valid', () => {
    const random = createRandom('dates');
    for (let index = 0; index < 2000; index++) {
      const person = createPerson(random);
      const { record, kinds } = corruptDemographics(random, person);
      assert.ok(kinds.length >= 1 && kinds.length <= 3);
      if (record.birthDate) {
        const date = new Date(`${record.birthDate}T00:00:00Z`);
        assert.equal(date.toISOString().slice(0, 10), record.birthDate);
      }
      if (kinds[0] === 'day-month-swap' && person.birthDate) {
        assert.ok(Number(person.birthDate.slice(8)) <= 12);
      }
    }
  });
});

describe('writePopulationDataset', () => {
  it('writes a folder the shared scorer reads, with one truth row per Patient', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mpi-population-'));
    try {
      const stats = await writePopulationDataset({ dir, population: { seed: 11, records: 400 } });
      const patients = readFileSync(path.join(dir, 'patients.ndjson'), 'utf8').trim().split('\n');
      const truth = readFileSync(path.join(dir, 'truth.csv'), 'utf8').trim().split('\n');
      const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { truePairs: number };

      assert.equal(patients.length, 400);
      assert.equal(truth.length, 401);
      assert.equal(manifest.truePairs, stats.truePairs);
      const scorer = '/work/shared/tools/mpi-score.mjs';
      if (existsSync(scorer)) {
        // The truth itself as predictions: a perfect score.
        const pairsFile = path.join(dir, 'pairs.csv');
        const rows = truth.slice(1).map((line) => line.split(','));
        const firstOf = new Map<string, string>();
        const pairs = rows.flatMap(([recordId, entityId]) => {
          const first = firstOf.get(entityId ?? '');
          firstOf.set(entityId ?? '', first ?? recordId ?? '');
          return first ? [`${first},${recordId ?? ''}`] : [];
        });
        writeFileSync(pairsFile, ['rec_id_a,rec_id_b', ...pairs].join('\n'));
        const score = JSON.parse(
          execFileSync(process.execPath, [scorer, dir, pairsFile, '--json']).toString('utf8'),
        ) as { truePairs: number; closure: { f1: number } };
        assert.equal(score.truePairs, stats.truePairs);
        assert.equal(score.closure.f1, stats.truePairs > 0 ? 1 : 0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
