import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildPatient } from './engine-test-support.ts';
import { defaultModel, probabilityOf } from './model.ts';
import { toMatchRecord } from './normalise-patient.ts';
import { decide, scorePair } from './score-pair.ts';
import type { MatchModel } from './types.ts';

const alice = { given: 'Alice', family: 'Okafor', birthDate: '1980-02-03', gender: 'female' as const };

function score(model: MatchModel, a: Parameters<typeof buildPatient>[0], b: Parameters<typeof buildPatient>[0]) {
  return scorePair(model, toMatchRecord(buildPatient(a)), toMatchRecord(buildPatient(b)));
}

describe('Fellegi–Sunter scoring', () => {
  it('sums log2(m/u) of each field with the prior odds and turns the total into a posterior', () => {
    const model = defaultModel();
    const result = score(model, { id: 'a', ...alice }, { id: 'b', ...alice });
    const expected =
      Math.log2(model.lambda / (1 - model.lambda)) + result.fields.reduce((sum, field) => sum + field.weight, 0);
    assert.ok(Math.abs(result.weight - expected) < 1e-9);
    const given = model.fields.givenName.levels[0];
    assert.ok(given);
    assert.ok(Math.abs((result.fields[0]?.weight ?? 0) - Math.log2(given.m / given.u)) < 1e-9);
    assert.ok(Math.abs(result.probability - 1 / (1 + 2 ** -result.weight)) < 1e-12);
  });

  it('lets missing fields contribute nothing', () => {
    const result = score(defaultModel(), { id: 'a', ...alice }, { id: 'b', given: 'Alice' });
    const birthDate = result.fields.find((field) => field.field === 'birthDate');
    assert.deepEqual([birthDate?.agreement, birthDate?.weight], ['missing', 0]);
  });

  it('computes posteriors from log2 odds', () => {
    assert.equal(probabilityOf(0), 0.5);
    assert.ok(Math.abs(probabilityOf(Math.log2(9)) - 0.9) < 1e-12);
  });

  it('weights an agreeing rare name above an agreeing common one once frequencies are known', () => {
    const model = defaultModel();
    model.termFrequencies.familyName = { frequencies: { smith: 0.01 }, defaultFrequency: 0.0001 };
    const common = score(model, { id: 'a', family: 'Smith' }, { id: 'b', family: 'Smith' });
    const rare = score(model, { id: 'a', family: 'Szczepanski' }, { id: 'b', family: 'Szczepanski' });
    assert.ok((rare.fields[1]?.weight ?? 0) > (common.fields[1]?.weight ?? 0) + 5);
  });

  it('links identical records, separates strangers, and lets a conflicting national id outweigh the rest', () => {
    const model = defaultModel();
    const same = score(model, { id: 'a', ...alice, ssn: '123456789' }, { id: 'b', ...alice, ssn: '123456789' });
    assert.equal(decide(model, same), 'link');
    assert.equal(same.grade, 'certain');
    const strangers = score(
      model,
      { id: 'a', ...alice },
      { id: 'b', given: 'Brian', family: 'Lee', birthDate: '1950-07-01' },
    );
    assert.equal(decide(model, strangers), 'separate');
    assert.equal(strangers.grade, 'certainly-not');
    const twinIds = score(model, { id: 'a', ...alice, ssn: '123456789' }, { id: 'b', ...alice, ssn: '987654321' });
    const nationalId = twinIds.fields.find((field) => field.field === 'nationalId');
    assert.ok((nationalId?.weight ?? 0) < -6);
    assert.ok(twinIds.probability < same.probability);
  });

  it('explains each field with its level, agreement and both values', () => {
    const result = score(defaultModel(), { id: 'a', ...alice }, { id: 'b', ...alice, given: 'Alicia' });
    assert.deepEqual(result.fields[0], {
      field: 'givenName',
      level: 'phonetic',
      agreement: 'partial',
      weight: result.fields[0]?.weight,
      a: 'alice',
      b: 'alicia',
    });
  });

  it('scores a model stored without a level the engine now knows with that level’s default', () => {
    const model = defaultModel();
    model.fields.givenName.levels = model.fields.givenName.levels.filter((level) => level.level !== 'alias');
    const result = score(model, { id: 'a', given: 'Bob' }, { id: 'b', given: 'Robert' });
    assert.equal(result.fields[0]?.level, 'alias');
    assert.ok((result.fields[0]?.weight ?? 0) > 0);
  });
});
