import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blockingKeys } from './blocking.ts';
import { candidatePairs } from './candidate-pairs.ts';
import { buildPatient, personOf, syntheticPopulation, type PersonFields } from './engine-test-support.ts';
import { toMatchRecord } from './normalise-patient.ts';

describe('blocking', () => {
  it('prefixes every key with its rule and puts day/month swaps and name swaps in one block', () => {
    const a = blockingKeys(
      toMatchRecord(buildPatient({ id: 'a', given: 'Mia', family: 'Reid', birthDate: '1985-05-03' })),
    );
    const b = blockingKeys(
      toMatchRecord(buildPatient({ id: 'b', given: 'Reid', family: 'Mia', birthDate: '1985-03-05' })),
    );
    assert.ok(a.every((key) => /^[a-z-]+:/.test(key)));
    assert.ok(a.includes('dob:1985-03-05') && b.includes('dob:1985-03-05'));
    assert.ok(a.some((key) => key.startsWith('names:') && b.includes(key)));
  });

  it('shares a key between records whose names both carry typos, and between spellings of one city', () => {
    const keysOf = (fields: Omit<PersonFields, 'id'>) =>
      blockingKeys(toMatchRecord(buildPatient({ id: 'x', ...fields })));
    const shared = (a: string[], b: string[], rule: string) => a.some((key) => key.startsWith(rule) && b.includes(key));
    const original = keysOf({ given: 'Jonathan', family: 'Abernathy', birthDate: '1961-07-30' });
    const typos = keysOf({ given: 'Jnoathan', family: 'Abrenathy', birthDate: '1961-03-02' });
    assert.ok(shared(original, typos, 'initials-year:'));
    const london = keysOf({ family: 'Okafor', city: 'London' });
    const misspelt = keysOf({ family: 'Okafor', city: 'Londdon' });
    assert.ok(shared(london, misspelt, 'city-family:'));
  });

  it('makes candidates of at least 99.9% of the true pairs of a corrupted population', () => {
    const records = syntheticPopulation(1500, 11).map(toMatchRecord);
    const { pairs, candidateCount } = candidatePairs(records);
    const sizes = new Map<string, number>();
    for (const record of records) {
      sizes.set(personOf(record.id), (sizes.get(personOf(record.id)) ?? 0) + 1);
    }
    const truePairs = [...sizes.values()].reduce((sum, size) => sum + (size * (size - 1)) / 2, 0);
    const found = pairs.filter(([a, b]) => personOf(a) === personOf(b)).length;
    assert.equal(candidateCount, pairs.length);
    assert.ok(found / truePairs >= 0.999, `recall ${found}/${truePairs}`);
    // Far fewer comparisons than all pairs.
    assert.ok(candidateCount < (records.length * (records.length - 1)) / 2 / 20);
  });

  it('lists each pair once and compares oversized blocks only within sorted neighbourhoods', () => {
    const records = Array.from({ length: 60 }, (_, index) =>
      toMatchRecord(buildPatient({ id: `r${index}`, given: `Given${index}`, family: 'Same', birthDate: '2000-01-01' })),
    );
    const all = candidatePairs(records);
    const keys = new Set(all.pairs.map(([a, b]) => `${a}|${b}`));
    assert.equal(keys.size, all.pairs.length);
    assert.equal(all.candidateCount, (60 * 59) / 2);
    const capped = candidatePairs(records, { maxBlockSize: 10 });
    assert.ok(capped.oversizedBlocks > 0);
    assert.ok(capped.candidateCount < all.candidateCount);
  });
});
