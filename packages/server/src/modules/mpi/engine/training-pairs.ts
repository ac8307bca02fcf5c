// Random pairs for training's u estimates, seeded and capped (the pairs within each rule's blocks come from
// training-sample.ts).
import type { Random } from './random.ts';
import { randomIndex } from './random.ts';

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
