// Clustering of scored pairs into patients. Transitive closure would chain different people through one
// ambiguous record (A~B and B~C, though A and C clearly differ). Instead, links are taken strongest first and
// two clusters are merged only when most of the pairs between them that were scored reach the review
// threshold, and when the merge does not put two records of one source system together — unless that source
// evidently holds duplicates of its own. Manual links are applied first and manual separations always hold.
//
// The scored pairs are kept as an adjacency list in typed arrays (no object or string per pair), so a batch
// run can cluster the millions of candidate pairs of a million records.
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

/**
 * Scored pairs by record index (into the records being clustered), `count` of them: the compact form of
 * `ScoredPair[]` for batch work. A pair listed twice counts with its higher probability.
 */
export type IndexedScoredPairs = {
  left: Int32Array;
  right: Int32Array;
  probability: Float64Array | Float32Array;
  /** Total match weight, which orders links whose probabilities both round to 1. */
  weight: Float64Array | Float32Array;
  count: number;
};

// A source holds duplicates of its own when at least this share of its records have a same-source link.
const OWN_DUPLICATE_SHARE = 0.01;

class Clusters {
  readonly clusterOf: Int32Array;
  readonly members: number[][];

  constructor(size: number) {
    this.clusterOf = Int32Array.from({ length: size }, (_, index) => index);
    this.members = Array.from({ length: size }, (_, index) => [index]);
  }

  of(record: number): number {
    return this.clusterOf[record] ?? record;
  }

  membersOf(record: number): number[] {
    return this.members[this.of(record)] ?? [];
  }

  merge(x: number, y: number): void {
    let keep = this.of(x);
    let drop = this.of(y);
    if ((this.members[keep]?.length ?? 0) < (this.members[drop]?.length ?? 0)) {
      [keep, drop] = [drop, keep];
    }
    const moved = this.members[drop] ?? [];
    for (const member of moved) {
      this.clusterOf[member] = keep;
    }
    (this.members[keep] as number[]).push(...moved);
    this.members[drop] = [];
  }
}

/** Increments `counts[index]` and returns its value before: a counter, or the next free slot of a list. */
function bump(counts: Int32Array, index: number): number {
  const value = counts[index] ?? 0;
  counts[index] = value + 1;
  return value;
}

/** Each record's scored partners, both directions, duplicates reduced to their best probability. */
type Adjacency = { start: Int32Array; partner: Int32Array; probability: Float64Array };

function buildAdjacency(recordCount: number, pairs: IndexedScoredPairs): Adjacency {
  const start = new Int32Array(recordCount + 1);
  for (let index = 0; index < pairs.count; index++) {
    bump(start, (pairs.left[index] as number) + 1);
    bump(start, (pairs.right[index] as number) + 1);
  }
  for (let record = 0; record < recordCount; record++) {
    start[record + 1] = (start[record + 1] as number) + (start[record] as number);
  }
  const filled = start.slice(0, recordCount);
  const partner = new Int32Array(pairs.count * 2);
  const probability = new Float64Array(pairs.count * 2);
  for (let index = 0; index < pairs.count; index++) {
    const x = pairs.left[index] as number;
    const y = pairs.right[index] as number;
    const p = pairs.probability[index] as number;
    const slotX = bump(filled, x);
    partner[slotX] = y;
    probability[slotX] = p;
    const slotY = bump(filled, y);
    partner[slotY] = x;
    probability[slotY] = p;
  }
  return { start, partner, probability };
}

/** Whether most scored pairs between `left` and the cluster `rightCluster` reach the support threshold. */
function isSupported(
  adjacency: Adjacency,
  clusters: Clusters,
  left: readonly number[],
  rightCluster: number,
  supportThreshold: number,
): boolean {
  // A pair listed twice is counted once, with its best probability.
  const best = new Map<number, number>();
  for (const x of left) {
    const end = adjacency.start[x + 1] as number;
    for (let slot = adjacency.start[x] as number; slot < end; slot++) {
      const y = adjacency.partner[slot] as number;
      if (clusters.of(y) === rightCluster) {
        const key = x * adjacency.start.length + y;
        best.set(key, Math.max(best.get(key) ?? 0, adjacency.probability[slot] as number));
      }
    }
  }
  let supporting = 0;
  for (const p of best.values()) {
    if (p >= supportThreshold) {
      supporting++;
    }
  }
  return supporting * 2 > best.size;
}

/** Sources whose records link to each other often enough that the source itself must contain duplicates. */
function sourcesWithOwnDuplicates(records: readonly MatchRecord[], links: readonly number[]): Set<string> {
  const recordsPerSource = new Map<string, number>();
  for (const record of records) {
    recordsPerSource.set(record.source, (recordsPerSource.get(record.source) ?? 0) + 1);
  }
  const linkedRecords = new Map<string, Set<number>>();
  for (let index = 0; index < links.length; index += 2) {
    const x = links[index] as number;
    const y = links[index + 1] as number;
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

function resolvePairs(indexOf: ReadonlyMap<string, number>, pairs: ReadonlyArray<[string, string]>): number[] {
  return pairs.flatMap(([a, b]) => {
    const x = indexOf.get(a);
    const y = indexOf.get(b);
    return x === undefined || y === undefined || x === y ? [] : [x, y];
  });
}

/**
 * Groups records into patients from pairs scored by record index; every record appears in exactly one
 * returned cluster. Same rules as `clusterRecords`, for batch runs that keep their pairs in typed arrays.
 */
export function clusterIndexedPairs(
  records: readonly MatchRecord[],
  pairs: IndexedScoredPairs,
  options: ClusterOptions = {},
): Array<string[]> {
  const linkThreshold = options.linkThreshold ?? THRESHOLDS.upper;
  const supportThreshold = options.supportThreshold ?? THRESHOLDS.lower;
  const indexOf = new Map(records.map((record, index) => [record.id, index]));
  const adjacency = buildAdjacency(records.length, pairs);
  const links: number[] = [];
  for (let index = 0; index < pairs.count; index++) {
    if ((pairs.probability[index] as number) >= linkThreshold && pairs.left[index] !== pairs.right[index]) {
      links.push(index);
    }
  }
  const linkedRecords = links.flatMap((index) => [pairs.left[index] as number, pairs.right[index] as number]);
  const deduplicatingSources = sourcesWithOwnDuplicates(records, linkedRecords);
  const separations = resolvePairs(indexOf, options.fixedSeparations ?? []);
  const separatedFrom = new Map<number, number[]>();
  for (let index = 0; index < separations.length; index += 2) {
    const x = separations[index] as number;
    const y = separations[index + 1] as number;
    separatedFrom.set(x, [...(separatedFrom.get(x) ?? []), y]);
    separatedFrom.set(y, [...(separatedFrom.get(y) ?? []), x]);
  }
  const clusters = new Clusters(records.length);

  const isSeparated = (left: readonly number[], rightCluster: number) =>
    left.some((x) => (separatedFrom.get(x) ?? []).some((y) => clusters.of(y) === rightCluster));
  const sharesSource = (left: readonly number[], right: readonly number[]) => {
    const sources = new Set(left.map((x) => records[x]?.source ?? ''));
    return right.some((y) => {
      const source = records[y]?.source ?? '';
      return sources.has(source) && !deduplicatingSources.has(source);
    });
  };

  // 1. Manual links hold whatever the scores say, except against a manual separation.
  const fixedLinks = resolvePairs(indexOf, options.fixedLinks ?? []);
  for (let index = 0; index < fixedLinks.length; index += 2) {
    const x = fixedLinks[index] as number;
    const y = fixedLinks[index + 1] as number;
    if (clusters.of(x) !== clusters.of(y) && !isSeparated(clusters.membersOf(x), clusters.of(y))) {
      clusters.merge(x, y);
    }
  }
  // 2. Automatic links, strongest first, each merge checked against the clusters it would join.
  links.sort(
    (p, q) =>
      (pairs.probability[q] as number) - (pairs.probability[p] as number) ||
      (pairs.weight[q] as number) - (pairs.weight[p] as number),
  );
  for (const link of links) {
    const x = pairs.left[link] as number;
    const y = pairs.right[link] as number;
    const left = clusters.membersOf(x);
    const right = clusters.membersOf(y);
    const rightCluster = clusters.of(y);
    if (
      clusters.of(x) === rightCluster ||
      isSeparated(left, rightCluster) ||
      sharesSource(left, right) ||
      !isSupported(adjacency, clusters, left, rightCluster, supportThreshold)
    ) {
      continue;
    }
    clusters.merge(x, y);
  }
  return clusters.members
    .filter((members) => members.length > 0)
    .map((members) => members.map((index) => (records[index] as MatchRecord).id));
}

/** Groups records into patients; every record appears in exactly one returned cluster. */
export function clusterRecords(
  records: MatchRecord[],
  pairs: Array<{ a: string; b: string; score: PairScore }>,
  options: ClusterOptions = {},
): Array<string[]> {
  const indexOf = new Map(records.map((record, index) => [record.id, index]));
  const indexed: IndexedScoredPairs = {
    left: new Int32Array(pairs.length),
    right: new Int32Array(pairs.length),
    probability: new Float64Array(pairs.length),
    weight: new Float64Array(pairs.length),
    count: 0,
  };
  for (const pair of pairs) {
    const x = indexOf.get(pair.a);
    const y = indexOf.get(pair.b);
    if (x !== undefined && y !== undefined && x !== y) {
      indexed.left[indexed.count] = x;
      indexed.right[indexed.count] = y;
      indexed.probability[indexed.count] = pair.score.probability;
      indexed.weight[indexed.count] = pair.score.weight;
      indexed.count++;
    }
  }
  return clusterIndexedPairs(records, indexed, options);
}
