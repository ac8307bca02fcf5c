// Blocking: which records are compared at all. Every rule below yields keys; two records become a candidate
// pair when they share any key (the union of the rules), so a true pair is missed only when every rule's
// fields are corrupted at once. Each rule is tolerant of one kind of error the others are not.
import type { MatchRecord } from './types.ts';

function sortedPair(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/** Birth date with month and day in canonical order, so a day/month swap lands in the same block. */
function dateKey(birthDate: string): string {
  const [year, month = '', day = ''] = birthDate.split('-');
  return `${year}-${month < day ? `${month}-${day}` : `${day}-${month}`}`;
}

/** Keys of one record, each prefixed by its rule name. */
export function blockingKeys(record: MatchRecord): string[] {
  const keys = new Set<string>();
  const given = record.givenNames[0];
  const family = record.familyNames[0];
  const givenCode = record.givenPhonetic[0] || given;
  const familyCode = record.familyPhonetic[0] || family;
  const year = record.birthDate?.slice(0, 4);
  if (record.birthDate) {
    keys.add(`dob:${dateKey(record.birthDate)}`);
  }
  if (familyCode && year) {
    keys.add(`family-year:${familyCode}|${year}`);
  }
  if (givenCode && year) {
    keys.add(`given-year:${givenCode}|${year}`);
  }
  // Month and day with one name: tolerant of a wrong birth year and of the other name being changed.
  const monthDay = record.birthDate?.slice(5);
  if (familyCode && monthDay) {
    keys.add(`family-day:${familyCode}|${monthDay}`);
  }
  if (givenCode && monthDay) {
    keys.add(`given-day:${givenCode}|${monthDay}`);
  }
  if (given && family) {
    // Name prefixes and phonetic codes in either order: given/family swaps share these keys.
    keys.add(`names:${sortedPair(given.slice(0, 3), family.slice(0, 3))}`);
    keys.add(`names-phonetic:${sortedPair(givenCode ?? given, familyCode ?? family)}`);
  }
  for (const address of record.addresses) {
    if (address.postcode && family) {
      keys.add(`postcode-family:${address.postcode}|${family[0]}`);
    }
    if (address.postcode && given) {
      keys.add(`postcode-given:${address.postcode}|${given[0]}`);
    }
    if (address.street && address.number) {
      keys.add(`street:${address.number}|${address.street.slice(0, 6)}`);
    }
    if (address.street && address.postcode) {
      keys.add(`street-postcode:${address.street.slice(0, 5)}|${address.postcode}`);
    }
    if (address.city && givenCode) {
      keys.add(`city-given:${address.city}|${givenCode}`);
    }
  }
  for (const phone of record.phones) {
    keys.add(`phone:${phone}`);
  }
  for (const email of record.emails) {
    keys.add(`email:${email}`);
    // The mailbox name alone survives a mistyped domain.
    keys.add(`email-user:${email.slice(0, email.lastIndexOf('@'))}`);
  }
  for (const identifier of record.identifiers) {
    keys.add(`id:${identifier.system}|${identifier.value}`);
  }
  return [...keys];
}

export type CandidatePairs = { pairs: Array<[string, string]>; candidateCount: number; oversizedBlocks: number };

// An oversized block (a placeholder birth date, a very common name in a big town) is not compared all
// against all: its records are sorted by name and each is compared with its nearest neighbours only.
const DEFAULT_MAX_BLOCK_SIZE = 1000;
const NEIGHBOURHOOD = 20;

function nameSortKey(record: MatchRecord): string {
  return `${record.familyNames[0] ?? ''} ${record.givenNames[0] ?? ''} ${record.birthDate ?? ''}`;
}

/** Extra pairs from the sorted neighbourhoods of oversized blocks, indexed by their lower record index. */
function neighbourhoodPairs(records: readonly MatchRecord[], members: number[], extra: Map<number, number[]>): void {
  const sorted = [...members].sort((x, y) => {
    const kx = nameSortKey(records[x] as MatchRecord);
    const ky = nameSortKey(records[y] as MatchRecord);
    return kx < ky ? -1 : kx > ky ? 1 : 0;
  });
  for (let position = 0; position < sorted.length; position++) {
    for (let offset = 1; offset <= NEIGHBOURHOOD && position + offset < sorted.length; offset++) {
      const x = sorted[position] as number;
      const y = sorted[position + offset] as number;
      const low = Math.min(x, y);
      const list = extra.get(low) ?? [];
      list.push(Math.max(x, y));
      extra.set(low, list);
    }
  }
}

/** Candidate pairs of a record set, each pair once, for batch deduplication. */
export function candidatePairs(records: readonly MatchRecord[], options?: { maxBlockSize?: number }): CandidatePairs {
  const maxBlockSize = options?.maxBlockSize ?? DEFAULT_MAX_BLOCK_SIZE;
  const blocks = new Map<string, number[]>();
  const keysOf: string[][] = records.map((record, index) => {
    const keys = blockingKeys(record);
    for (const key of keys) {
      const members = blocks.get(key);
      if (members) {
        members.push(index);
      } else {
        blocks.set(key, [index]);
      }
    }
    return keys;
  });
  let oversizedBlocks = 0;
  const extra = new Map<number, number[]>();
  for (const [key, members] of blocks) {
    if (members.length > maxBlockSize) {
      oversizedBlocks++;
      neighbourhoodPairs(records, members, extra);
      blocks.delete(key);
    } else if (members.length < 2) {
      blocks.delete(key);
    }
  }
  // One pass per record with a "last seen" stamp deduplicates pairs found through several keys without
  // holding a set of every pair.
  const lastSeen = new Int32Array(records.length).fill(-1);
  const pairs: Array<[string, string]> = [];
  const emit = (i: number, j: number) => {
    if (j > i && lastSeen[j] !== i) {
      lastSeen[j] = i;
      pairs.push([(records[i] as MatchRecord).id, (records[j] as MatchRecord).id]);
    }
  };
  for (let i = 0; i < records.length; i++) {
    for (const key of keysOf[i] ?? []) {
      for (const j of blocks.get(key) ?? []) {
        emit(i, j);
      }
    }
    for (const j of extra.get(i) ?? []) {
      emit(i, j);
    }
  }
  return { pairs, candidateCount: pairs.length, oversizedBlocks };
}
