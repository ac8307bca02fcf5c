// Seeded randomness for the synthetic population: every person draws from its own generator,
// derived from the population seed and the person's index, so a population is the same on every
// run and any slice of it can be generated without generating what comes before it.

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/** 32-bit FNV-1a of a string: turns a seed and an index into a generator state. */
function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Mulberry32: small, fast and well distributed for simulation (not for secrets).
 * @param parts - what the stream is for, e.g. `[seed, 'person', 42]`
 */
export function createRandom(...parts: Array<string | number>): Random {
  let state = hashString(parts.join('\u0000'));
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [min, max]. */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** One item of a non-empty list, uniformly. */
export function pick<T>(random: Random, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) {
    throw new Error('pick: empty list');
  }
  return item;
}

/** True with probability `p`. */
export function chance(random: Random, p: number): boolean {
  return random() < p;
}

/** Items with weights, drawn in proportion to them by binary search over cumulative weights. */
export type WeightedList<T> = { items: readonly T[]; cumulative: Float64Array; total: number };

export function weightedList<T>(entries: ReadonlyArray<{ item: T; weight: number }>): WeightedList<T> {
  if (entries.length === 0) {
    throw new Error('weightedList: no entries');
  }
  const cumulative = new Float64Array(entries.length);
  let total = 0;
  entries.forEach((entry, index) => {
    total += entry.weight;
    cumulative[index] = total;
  });
  return { items: entries.map((entry) => entry.item), cumulative, total };
}

export function pickWeighted<T>(random: Random, list: WeightedList<T>): T {
  const target = random() * list.total;
  let low = 0;
  let high = list.cumulative.length - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((list.cumulative[middle] ?? 0) <= target) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  const item = list.items[low];
  if (item === undefined) {
    throw new Error('pickWeighted: index out of range');
  }
  return item;
}
