import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blockingKeys, isWideKey, WIDE_BLOCK_SIZE } from './blocking.ts';
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
    assert.ok(a.every((key) => /^~?[a-z-]+:/.test(key)));
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

  it('shares a name-and-year key when one record lost a name, the names swapped and the year is mistyped', () => {
    const keysOf = (fields: Omit<PersonFields, 'id'>) =>
      blockingKeys(toMatchRecord(buildPatient({ id: 'x', ...fields })));
    const shared = (a: string[], b: string[]) => a.filter((key) => b.includes(key));
    // 1. Only the family name survives, in the given-name field, and the day moved: the name and year meet.
    const full = keysOf({ given: 'Matilda', family: 'Barker', birthDate: '1990-03-08' });
    const swapped = keysOf({ given: 'Barker', birthDate: '1990-03-07' });
    assert.ok(shared(full, swapped).some((key) => key.startsWith('name-year:')));
    // 2. The decade digit mistyped and the day shifted: only the masked year is left in common.
    const typo = keysOf({ given: 'Oliver', birthDate: '1983-03-07' });
    const original = keysOf({ given: 'Oliver', family: 'Hughes', birthDate: '1973-03-09' });
    assert.deepEqual(
      shared(original, typo).filter((key) => key.includes('name')),
      [shared(original, typo).find((key) => key.startsWith('~name-year:'))],
    );
  });

  it('gives a second surname keys of its own and e-mails with a typo in each part a shared key', () => {
    const keysOf = (fields: Omit<PersonFields, 'id'>) =>
      blockingKeys(toMatchRecord(buildPatient({ id: 'x', ...fields })));
    const both = keysOf({ given: 'Lucia', family: 'Garcia Lorca', birthDate: '1977-11-02' });
    const second = keysOf({ given: 'Lucia', family: 'Lorca', birthDate: '1977-11-02' });
    // Lucia's key and Lorca's: the second surname is not lost behind the first.
    assert.equal(both.filter((key) => key.startsWith('name-day:') && second.includes(key)).length, 2);
    const email = keysOf({ family: 'Wilkinson', email: 'iwilkinson@bush.com' });
    const mistyped = keysOf({ family: 'Wilkinson', email: 'iwilkinsmn@bush.co' });
    assert.ok(email.some((key) => isWideKey(key) && mistyped.includes(key)));
  });

  it('drops a wide key shared by more records than its cap and keeps it below', () => {
    const population = (size: number) =>
      Array.from({ length: size }, (_, index) =>
        toMatchRecord(
          buildPatient({
            id: `r${index}`,
            given: 'Oliver',
            birthDate: `19${70 + (index % 10)}-0${1 + (index % 9)}-1${index % 10}`,
          }),
        ),
      );
    // Years of one decade and different days, no family name: the masked-year key groups them all.
    const allPairs = (size: number) => (size * (size - 1)) / 2;
    const below = candidatePairs(population(WIDE_BLOCK_SIZE - 10));
    assert.equal(below.candidateCount, allPairs(WIDE_BLOCK_SIZE - 10));
    const above = candidatePairs(population(WIDE_BLOCK_SIZE * 3));
    assert.ok(above.oversizedBlocks > 0);
    assert.ok(above.candidateCount < allPairs(WIDE_BLOCK_SIZE * 3) / 4, `${above.candidateCount} pairs`);
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
