// Clustering of scored pairs into patients. Transitive closure would chain different people through one
// ambiguous record (A~B and B~C, though A and C clearly differ). Instead, links are taken strongest first and
// two clusters are merged only when most of the pairs between them that were scored reach the review
// threshold, and when the merge does not put two records of one source system together — unless that source
// evidently holds duplicates of its own. Manual links are applied first and manual separations always hold.
import { THRESHOLDS } from './model.ts';
import type { MatchRecord, PairScore } from './types.ts';

export type ScoredPair = { a: string; b: string; score: PairScore };
export type ClusterOptions = {
  fixedLinks?: Array<[string, string]>;
  fixedSeparations?: Array<[string, string]>;
  /** Posterior at or above which a pair may join two clusters (defaults to the link threshold). */
  linkThreshold?: number;
  /** Posterior a cross-cluster pair must reach to count in favour of a merge (defaults to the review threshold). */
  supportThreshold?: number;
};

// A source holds duplicates of its own when at least this share of its records have a same-source link.
const OWN_DUPLICATE_SHARE = 0.01;

const pairKey = (x: number, y: number) => (x < y ? `${x}:${y}` : `${y}:${x}`);

class Clusters {
  readonly clusterOf: Int32Array;
  readonly members: number[][];

  constructor(size: number) {
    this.clusterOf = Int32Array.from({ length: size }, (_, index) => index);
    this.members = Array.from({ length: size }, (_, index) => [index]);
  }

  merge(x: number, y: number): void {
    const keep = this.clusterOf[x] ?? x;
    const drop = this.clusterOf[y] ?? y;
    const moved = this.members[drop] ?? [];
    for (const member of moved) {
      this.clusterOf[member] = keep;
    }
    (this.members[keep] as number[]).push(...moved);
    this.members[drop] = [];
  }
}

/** Sources whose records link to each other often enough that the source itself must contain duplicates. */
function sourcesWithOwnDuplicates(records: readonly MatchRecord[], links: Array<[number, number]>): Set<string> {
  const recordsPerSource = new Map<string, number>();
  for (const record of records) {
    recordsPerSource.set(record.source, (recordsPerSource.get(record.source) ?? 0) + 1);
  }
  const linkedRecords = new Map<string, Set<number>>();
  for (const [x, y] of links) {
    const source = records[x]?.source;
    if (source !== undefined && source === records[y]?.source) {
      const linked = linkedRecords.get(source) ?? new Set<number>();
      linked.add(x).add(y);
      linkedRecords.set(source, linked);
    }
  }
  const result = new Set<string>(['']);
  for (const [source, linked] of linkedRecords) {
    if (linked.size >= Math.max(2, OWN_DUPLICATE_SHARE * (recordsPerSource.get(source) ?? 0))) {
      result.add(source);
    }
  }
  return result;
}

/** Groups records into patients; every record appears in exactly one returned cluster. */
export function clusterRecords(
  records: MatchRecord[],
  pairs: Array<{ a: string; b: string; score: PairScore }>,
  options: ClusterOptions = {},
): Array<string[]> {
  const linkThreshold = options.linkThreshold ?? THRESHOLDS.upper;
  const supportThreshold = options.supportThreshold ?? THRESHOLDS.lower;
  const indexOf = new Map(records.map((record, index) => [record.id, index]));
  const resolve = ([a, b]: [string, string]): [number, number] | undefined => {
    const x = indexOf.get(a);
    const y = indexOf.get(b);
    return x === undefined || y === undefined || x === y ? undefined : [x, y];
  };

  const probability = new Map<string, number>();
  const links: Array<{ x: number; y: number; probability: number; weight: number }> = [];
  for (const pair of pairs) {
    const indices = resolve([pair.a, pair.b]);
    if (!indices) {
      continue;
    }
    const key = pairKey(...indices);
    probability.set(key, Math.max(probability.get(key) ?? 0, pair.score.probability));
    if (pair.score.probability >= linkThreshold) {
      links.push({ x: indices[0], y: indices[1], probability: pair.score.probability, weight: pair.score.weight });
    }
  }
  const separated = new Set(
    (options.fixedSeparations ?? []).flatMap((pair) => {
      const indices = resolve(pair);
      return indices ? [pairKey(...indices)] : [];
    }),
  );
  const deduplicatingSources = sourcesWithOwnDuplicates(
    records,
    links.map((link) => [link.x, link.y]),
  );
  const clusters = new Clusters(records.length);

  const isSeparated = (left: number[], right: number[]) =>
    left.some((x) => right.some((y) => separated.has(pairKey(x, y))));
  const sharesSource = (left: number[], right: number[]) => {
    const sources = new Set(left.map((x) => records[x]?.source ?? ''));
    return right.some((y) => {
      const source = records[y]?.source ?? '';
      return sources.has(source) && !deduplicatingSources.has(source);
    });
  };
  const isSupported = (left: number[], right: number[]) => {
    let scored = 0;
    let supporting = 0;
    for (const x of left) {
      for (const y of right) {
        const p = probability.get(pairKey(x, y));
        if (p !== undefined) {
          scored++;
          if (p >= supportThreshold) {
            supporting++;
          }
        }
      }
    }
    return supporting * 2 > scored;
  };

  // 1. Manual links hold whatever the scores say, except against a manual separation.
  for (const link of options.fixedLinks ?? []) {
    const indices = resolve(link);
    if (!indices) {
      continue;
    }
    const [left, right] = indices.map((index) => clusters.members[clusters.clusterOf[index] ?? index] ?? []);
    if (left && right && left !== right && !isSeparated(left, right)) {
      clusters.merge(...indices);
    }
  }
  // 2. Automatic links, strongest first, each merge checked against the clusters it would join.
  links.sort((p, q) => q.probability - p.probability || q.weight - p.weight);
  for (const link of links) {
    const left = clusters.members[clusters.clusterOf[link.x] ?? link.x] ?? [];
    const right = clusters.members[clusters.clusterOf[link.y] ?? link.y] ?? [];
    if (left === right || isSeparated(left, right) || sharesSource(left, right) || !isSupported(left, right)) {
      continue;
    }
    clusters.merge(link.x, link.y);
  }
  return clusters.members
    .filter((members) => members.length > 0)
    .map((members) => members.map((index) => (records[index] as MatchRecord).id));
}
