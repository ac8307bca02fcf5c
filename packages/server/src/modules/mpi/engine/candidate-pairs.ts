// In-memory blocking for batch work: which pairs of a record set share a blocking key. Built for a million
// records: keys are hashed to numbers (no string per key is kept), blocks live in flat typed arrays, and
// the pairs are streamed in chunks of record indices, so nothing holds tens of millions of id tuples.
import { blockingKeys, isWideKey, WIDE_BLOCK_SIZE } from './blocking.ts';
import { Float64List } from './float64-list.ts';
import { hashKey } from './hash-key.ts';
import type { MatchRecord } from './types.ts';

export type CandidatePairs = { pairs: Array<[string, string]>; candidateCount: number; oversizedBlocks: number };

/** What a blocking pass found: its pairs, blocks past the size cap, and the keys of all records. */
export type BlockingSummary = { candidateCount: number; oversizedBlocks: number; keyCount: number };

export type CandidatePairOptions = {
  /** Blocks larger than this are compared within sorted neighbourhoods only (default 1,000). */
  maxBlockSize?: number;
  /** Pairs per chunk yielded by `candidatePairChunks` (default 65,536). */
  chunkSize?: number;
};

// An oversized block (a placeholder birth date, a very common name in a big town) is not compared all
// against all: its records are sorted by name and each is compared with its nearest neighbours only. Wide
// keys (see blocking.ts) have a smaller cap, and their oversized blocks are dropped.
const DEFAULT_MAX_BLOCK_SIZE = 100;
const DEFAULT_CHUNK_SIZE = 65_536;
const NEIGHBOURHOOD = 20;

/** Increments `counts[index]` and returns its value before: a counter, or the next free slot of a list. */
function bump(counts: Int32Array, index: number): number {
  const value = counts[index] ?? 0;
  counts[index] = value + 1;
  return value;
}

/** Blocks of two records or more as flat arrays, and for each record where it sits in its blocks. */
type BlockIndex = {
  /** Members of every block, ascending within a block. */
  members: Int32Array;
  /** Record r's slots are slotStart[r] … slotStart[r + 1] - 1. */
  slotStart: Int32Array;
  /** Position of the record in `members`, and the end (exclusive) of that block. */
  slotPosition: Int32Array;
  slotEnd: Int32Array;
  /** Pairs from the neighbourhoods of oversized blocks, as [low, high] record indices. */
  neighbourhoodPairs: Int32Array;
  oversizedBlocks: number;
  keyCount: number;
};

function nameSortKey(record: MatchRecord): string {
  return `${record.familyNames[0] ?? ''} ${record.givenNames[0] ?? ''} ${record.birthDate ?? ''}`;
}

/** Pairs of each record with its nearest neighbours in name order, appended as [low, high]. */
function addNeighbourhoodPairs(records: readonly MatchRecord[], members: number[], out: number[]): void {
  const sortKeys = new Map(members.map((member) => [member, nameSortKey(records[member] as MatchRecord)]));
  const sorted = [...members].sort((x, y) => {
    const kx = sortKeys.get(x) ?? '';
    const ky = sortKeys.get(y) ?? '';
    return kx < ky ? -1 : kx > ky ? 1 : x - y;
  });
  for (let position = 0; position < sorted.length; position++) {
    for (let offset = 1; offset <= NEIGHBOURHOOD && position + offset < sorted.length; offset++) {
      const x = sorted[position] as number;
      const y = sorted[position + offset] as number;
      out.push(Math.min(x, y), Math.max(x, y));
    }
  }
}

/**
 * Every (key hash, record) entry packed into one double: the hash's high bits, then the record index. The
 * hash's lowest bit says whether the key is wide, so a block knows its cap without its key.
 */
function hashEntries(records: readonly MatchRecord[], scale: number): { entries: Float64Array; keyCount: number } {
  const hashRange = 2 ** 53 / scale / 2;
  // One entry per (key, record).
  const list = new Float64List();
  records.forEach((record, index) => {
    for (const key of blockingKeys(record)) {
      list.push(((hashKey(key) % hashRange) * 2 + (isWideKey(key) ? 1 : 0)) * scale + index);
    }
  });
  return { entries: list.values.subarray(0, list.length).sort(), keyCount: list.length };
}

function buildBlockIndex(records: readonly MatchRecord[], maxBlockSize: number): BlockIndex {
  const scale = 2 ** Math.max(1, Math.ceil(Math.log2(records.length + 1)));
  const { entries, keyCount } = hashEntries(records, scale);
  // 1. Runs of one hash are blocks; single-record runs pair nothing, oversized ones are sorted by name.
  const members = new Int32Array(entries.length);
  const blockBounds: number[] = [];
  const neighbourhood: number[] = [];
  let memberCount = 0;
  let oversizedBlocks = 0;
  for (let start = 0; start < entries.length;) {
    const hash = Math.floor((entries[start] as number) / scale);
    let end = start + 1;
    while (end < entries.length && Math.floor((entries[end] as number) / scale) === hash) {
      end++;
    }
    const size = end - start;
    const isWide = hash % 2 === 1;
    if (size > (isWide ? Math.min(maxBlockSize, WIDE_BLOCK_SIZE) : maxBlockSize)) {
      oversizedBlocks++;
      // A common value of a wide rule is dropped: the other rules' keys cover its records.
      if (!isWide) {
        const oversized = Array.from(entries.subarray(start, end), (entry) => entry - hash * scale);
        addNeighbourhoodPairs(records, oversized, neighbourhood);
      }
    } else if (size > 1) {
      blockBounds.push(memberCount);
      for (let position = start; position < end; position++) {
        members[memberCount++] = (entries[position] as number) - hash * scale;
      }
      blockBounds.push(memberCount);
    }
    start = end;
  }
  // 2. Each record's slots: where it sits in each of its blocks.
  const slotStart = new Int32Array(records.length + 1);
  for (let position = 0; position < memberCount; position++) {
    bump(slotStart, (members[position] as number) + 1);
  }
  for (let record = 0; record < records.length; record++) {
    slotStart[record + 1] = (slotStart[record + 1] as number) + (slotStart[record] as number);
  }
  const filled = slotStart.slice(0, records.length);
  const slotPosition = new Int32Array(memberCount);
  const slotEnd = new Int32Array(memberCount);
  for (let bound = 0; bound < blockBounds.length; bound += 2) {
    const end = blockBounds[bound + 1] as number;
    for (let position = blockBounds[bound] as number; position < end; position++) {
      const record = members[position] as number;
      const slot = bump(filled, record);
      slotPosition[slot] = position;
      slotEnd[slot] = end;
    }
  }
  return {
    members: members.slice(0, memberCount),
    slotStart,
    slotPosition,
    slotEnd,
    neighbourhoodPairs: Int32Array.from(neighbourhood),
    oversizedBlocks,
    keyCount,
  };
}

/** Neighbourhood pairs grouped by their lower record, so each record's pairs are emitted together. */
function groupNeighbourhoodPairs(pairs: Int32Array, recordCount: number): { start: Int32Array; partner: Int32Array } {
  const start = new Int32Array(recordCount + 1);
  for (let index = 0; index < pairs.length; index += 2) {
    bump(start, (pairs[index] as number) + 1);
  }
  for (let record = 0; record < recordCount; record++) {
    start[record + 1] = (start[record + 1] as number) + (start[record] as number);
  }
  const filled = start.slice(0, recordCount);
  const partner = new Int32Array(pairs.length / 2);
  for (let index = 0; index < pairs.length; index += 2) {
    partner[bump(filled, pairs[index] as number)] = pairs[index + 1] as number;
  }
  return { start, partner };
}

/**
 * Candidate pairs as chunks of record indices into `records`: flat `[a0, b0, a1, b1, …]` with a < b, each
 * pair once. Suits callers that await between chunks (a batch run writing to the database). The generator's
 * return value is the summary.
 */
export function* candidatePairChunks(
  records: readonly MatchRecord[],
  options: CandidatePairOptions = {},
): Generator<Int32Array, BlockingSummary, undefined> {
  const index = buildBlockIndex(records, options.maxBlockSize ?? DEFAULT_MAX_BLOCK_SIZE);
  const extra = groupNeighbourhoodPairs(index.neighbourhoodPairs, records.length);
  const chunkSize = Math.max(1, options.chunkSize ?? DEFAULT_CHUNK_SIZE);
  // A "last seen" stamp per record deduplicates pairs found through several keys without a set of pairs.
  const lastSeen = new Int32Array(records.length).fill(-1);
  let chunk = new Int32Array(chunkSize * 2);
  let filled = 0;
  let candidateCount = 0;
  for (let i = 0; i < records.length; i++) {
    const slotsEnd = index.slotStart[i + 1] as number;
    for (let slot = index.slotStart[i] as number; slot < slotsEnd; slot++) {
      const end = index.slotEnd[slot] as number;
      // Members are ascending, so the ones after the record's own position are exactly those above it.
      for (let position = (index.slotPosition[slot] as number) + 1; position < end; position++) {
        const j = index.members[position] as number;
        if (j > i && lastSeen[j] !== i) {
          lastSeen[j] = i;
          chunk[filled++] = i;
          chunk[filled++] = j;
          if (filled === chunk.length) {
            candidateCount += filled / 2;
            yield chunk;
            chunk = new Int32Array(chunkSize * 2);
            filled = 0;
          }
        }
      }
    }
    const extraEnd = extra.start[i + 1] as number;
    for (let position = extra.start[i] as number; position < extraEnd; position++) {
      const j = extra.partner[position] as number;
      if (j !== i && lastSeen[j] !== i) {
        lastSeen[j] = i;
        chunk[filled++] = i;
        chunk[filled++] = j;
        if (filled === chunk.length) {
          candidateCount += filled / 2;
          yield chunk;
          chunk = new Int32Array(chunkSize * 2);
          filled = 0;
        }
      }
    }
  }
  if (filled > 0) {
    candidateCount += filled / 2;
    yield chunk.subarray(0, filled);
  }
  return { candidateCount, oversizedBlocks: index.oversizedBlocks, keyCount: index.keyCount };
}

/**
 * Calls `visit` with the indices (into `records`, left < right) of every candidate pair, each pair once,
 * without holding the pairs: memory stays that of the block index whatever the number of pairs.
 */
export function forEachCandidatePair(
  records: readonly MatchRecord[],
  visit: (left: number, right: number) => void,
  options: CandidatePairOptions = {},
): BlockingSummary {
  const chunks = candidatePairChunks(records, options);
  for (let step = chunks.next(); ; step = chunks.next()) {
    if (step.done) {
      return step.value;
    }
    const pairs = step.value;
    for (let index = 0; index < pairs.length; index += 2) {
      visit(pairs[index] as number, pairs[index + 1] as number);
    }
  }
}

/** Candidate pairs of a record set as id tuples, each pair once; for small sets (see forEachCandidatePair). */
export function candidatePairs(records: readonly MatchRecord[], options?: { maxBlockSize?: number }): CandidatePairs {
  const pairs: Array<[string, string]> = [];
  const summary = forEachCandidatePair(
    records,
    (left, right) => pairs.push([(records[left] as MatchRecord).id, (records[right] as MatchRecord).id]),
    options,
  );
  return { pairs, candidateCount: summary.candidateCount, oversizedBlocks: summary.oversizedBlocks };
}
