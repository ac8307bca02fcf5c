// Pair sampling for training: random pairs (for u) and pairs within one rule's blocks (for EM), both
// seeded and capped so training on a million records stays within memory and minutes.
import type { Random } from './random.ts';
import { randomIndex } from './random.ts';
import type { MatchRecord } from './types.ts';

/** Pairs as flat [a0, b0, a1, b1, …] record indices. */
export type IndexPairs = { pairs: Int32Array; count: number };

/** Every pair when there are at most `maxPairs`, else `maxPairs` random distinct-record pairs. */
export function randomPairs(recordCount: number, maxPairs: number, random: Random): IndexPairs {
  const all = (recordCount * (recordCount - 1)) / 2;
  if (all <= maxPairs) {
    const pairs = new Int32Array(all * 2);
    let next = 0;
    for (let i = 0; i < recordCount; i++) {
      for (let j = i + 1; j < recordCount; j++) {
        pairs[next++] = i;
        pairs[next++] = j;
      }
    }
    return { pairs, count: all };
  }
  const pairs = new Int32Array(maxPairs * 2);
  for (let index = 0; index < maxPairs; index++) {
    const i = randomIndex(random, recordCount);
    let j = randomIndex(random, recordCount - 1);
    if (j >= i) {
      j++;
    }
    pairs[index * 2] = i;
    pairs[index * 2 + 1] = j;
  }
  return { pairs, count: maxPairs };
}

export type RulePairs = IndexPairs & { totalPairs: number };

/**
 * Pairs sharing the rule's key: all of them when at most `maxPairs`, else a sample drawn uniformly over the
 * rule's pairs (a block is picked in proportion to its pair count, then a pair inside it).
 */
export function rulePairs(
  records: readonly MatchRecord[],
  key: (record: MatchRecord) => string | undefined,
  maxPairs: number,
  random: Random,
): RulePairs {
  const blocks = new Map<string, number[]>();
  records.forEach((record, index) => {
    const value = key(record);
    if (value !== undefined && value !== '') {
      const members = blocks.get(value);
      if (members) {
        members.push(index);
      } else {
        blocks.set(value, [index]);
      }
    }
  });
  const multi = [...blocks.values()].filter((members) => members.length > 1);
  const cumulative = new Float64Array(multi.length);
  let totalPairs = 0;
  multi.forEach((members, index) => {
    totalPairs += (members.length * (members.length - 1)) / 2;
    cumulative[index] = totalPairs;
  });
  if (totalPairs <= maxPairs) {
    const pairs = new Int32Array(totalPairs * 2);
    let next = 0;
    for (const members of multi) {
      for (let x = 0; x < members.length; x++) {
        for (let y = x + 1; y < members.length; y++) {
          pairs[next++] = members[x] as number;
          pairs[next++] = members[y] as number;
        }
      }
    }
    return { pairs, count: totalPairs, totalPairs };
  }
  const pairs = new Int32Array(maxPairs * 2);
  for (let index = 0; index < maxPairs; index++) {
    const target = random() * totalPairs;
    let low = 0;
    let high = multi.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((cumulative[middle] ?? 0) <= target) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    const members = multi[low] ?? [];
    const x = randomIndex(random, members.length);
    let y = randomIndex(random, members.length - 1);
    if (y >= x) {
      y++;
    }
    pairs[index * 2] = members[x] ?? 0;
    pairs[index * 2 + 1] = members[y] ?? 0;
  }
  return { pairs, count: maxPairs, totalPairs };
}
