import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { candidatePairs } from './candidate-pairs.ts';
import { clusterRecords } from './cluster-records.ts';
import { personOf, syntheticPopulation } from './engine-test-support.ts';
import { toMatchRecord } from './normalise-patient.ts';
import { scorePair } from './score-pair.ts';
import { trainModel, trainModelFromStream } from './train-model.ts';
import type { MatchRecord } from './types.ts';

const records = syntheticPopulation(400).map(toMatchRecord);
const now = new Date('2024-01-01T00:00:00Z');

describe('trainModel', () => {
  it('is deterministic for a seed', () => {
    const first = trainModel(records, { seed: 3, maxPairs: 20_000, now });
    const second = trainModel(records, { seed: 3, maxPairs: 20_000, now });
    assert.deepEqual(first, second);
  });

  it('learns that agreement is likelier among matches and estimates a plausible prior', () => {
    const model = trainModel(records, { seed: 1, maxPairs: 50_000, now });
    for (const field of ['givenName', 'familyName', 'birthDate', 'street', 'locality', 'phone'] as const) {
      const levels = model.fields[field].levels;
      const best = levels[0];
      const worst = levels.at(-1);
      assert.ok(best && worst);
      assert.ok(best.m > best.u, `${field}: m ${best.m} > u ${best.u}`);
      assert.ok(worst.m < worst.u, `${field}: m ${worst.m} < u ${worst.u}`);
    }
    // 400 people with about one duplicate each: a few hundred true pairs among ~80,000.
    const pairs = (records.length * (records.length - 1)) / 2;
    assert.ok(model.lambda > 50 / pairs && model.lambda < 5000 / pairs, `lambda ${model.lambda}`);
    assert.ok((model.training?.emRuns.length ?? 0) >= 2);
  });

  it('keeps default parameters for fields the data never fills', () => {
    const model = trainModel(records, { seed: 1, maxPairs: 20_000, now });
    const conflict = model.fields.nationalId.levels.at(-1);
    assert.ok(conflict && conflict.m <= 0.01);
  });

  it('reports progress through every step', () => {
    const steps = new Set<string>();
    trainModel(records.slice(0, 100), { maxPairs: 2_000, now, onProgress: (step) => steps.add(step) });
    assert.ok(steps.has('random-pairs') && steps.has('em'));
  });

  it('learns the same model from a stream of batches as from the records in memory', async () => {
    async function* batches() {
      for (let start = 0; start < records.length; start += 64) {
        yield records.slice(start, start + 64);
      }
    }
    const streamed = await trainModelFromStream(batches, { seed: 5, maxPairs: 20_000, now });
    assert.deepEqual(streamed, trainModel(records, { seed: 5, maxPairs: 20_000, now }));
    assert.equal(streamed.training?.sampledRecords, records.length);
  });

  it('holds no more records than its sample budget and still learns from them', () => {
    const model = trainModel(records, { seed: 1, maxPairs: 50_000, maxSampleRecords: 150, now });
    assert.equal(model.training?.records, records.length);
    assert.ok((model.training?.sampledRecords ?? Infinity) <= 150, `${model.training?.sampledRecords} sampled`);
    for (const field of ['givenName', 'familyName', 'birthDate'] as const) {
      const best = model.fields[field].levels[0];
      assert.ok(best && best.m > best.u, `${field}: m ${best?.m} > u ${best?.u}`);
    }
  });

  it('gives a model that finds the duplicates of a synthetic population end to end', () => {
    const model = trainModel(records, { seed: 1, maxPairs: 50_000, now });
    const byId = new Map(records.map((record) => [record.id, record]));
    const scored = candidatePairs(records).pairs.map(([a, b]) => ({
      a,
      b,
      score: scorePair(model, byId.get(a) as MatchRecord, byId.get(b) as MatchRecord),
    }));
    const clusters = clusterRecords(records, scored);
    const impure = clusters.filter((members) => new Set(members.map(personOf)).size > 1);
    const people = new Set(records.map((record) => personOf(record.id))).size;
    assert.equal(impure.length, 0);
    assert.ok(clusters.length <= people * 1.02, `${clusters.length} clusters for ${people} people`);
  });
});
