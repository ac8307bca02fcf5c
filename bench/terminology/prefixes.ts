import type { Queryable } from '../../packages/server/src/platform/db/index.ts';

/** A small seeded generator (mulberry32), so every run asks the same prefixes in the same order. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Three-letter prefixes as clinicians type them: the first three letters of a word (three letters
 * or more) of the display of a concept drawn at random from every current release. Frequent words
 * ("blood", "disorder", "injection") come up as often as they do in the data, so common prefixes
 * — the expensive ones — are asked proportionally.
 */
export async function samplePrefixes(db: Queryable, count: number, seed = 42): Promise<string[]> {
  const { rows } = await db.query<{ display: string }>(
    `SELECT c.display FROM term_concept c JOIN term_system s ON s.id = c.system_id
     WHERE s.is_current AND c.display IS NOT NULL ORDER BY s.url, c.code`,
  );
  const random = seededRandom(seed);
  const prefixes: string[] = [];
  for (let attempt = 0; prefixes.length < count && attempt < count * 20; attempt++) {
    const display = rows[Math.floor(random() * rows.length)]?.display ?? '';
    const words = display
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter((word) => word.length >= 3 && /^\p{L}/u.test(word));
    const word = words[Math.floor(random() * words.length)];
    if (word) {
      prefixes.push(word.slice(0, 3));
    }
  }
  return prefixes;
}

/** How often each prefix was drawn, most frequent first. */
export function prefixFrequencies(prefixes: string[]): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const prefix of prefixes) {
    counts.set(prefix, (counts.get(prefix) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
