// Blocking: which records are compared at all. Every rule below yields keys; two records become a candidate
// pair when they share any key (the union of the rules), so a true pair is missed only when every rule's
// fields are corrupted at once. Each rule is tolerant of one kind of error the others are not. Name rules
// take the first given and the first two family names whatever their role, so a given/family swap, a
// missing name or a second surname still shares keys. Keys that group too many records are capped by the
// callers (`candidatePairChunks`, the index lookup). Wide rules, which tolerate an error in every field
// they read and so group many records for a common value, start with `~` and get a far smaller cap: they
// find pairs among rare values and cost nothing on common ones.
import { phoneticCode } from './string-metrics.ts';
import type { MatchRecord } from './types.ts';

/**
 * Bumped whenever the rules below change: the index stores each record's keys, and records filed under an
 * older version are re-filed by the next indexing run.
 */
export const BLOCKING_VERSION = 2;

/** Prefix of the keys of wide rules. */
export const WIDE_KEY_PREFIX = '~';

/**
 * The most records a wide key may hold and still propose candidates: beyond it a block of one common name
 * and a decade of birth years, say, says too little about identity to pay for its comparisons.
 */
export const WIDE_BLOCK_SIZE = 20;

/** Whether a key comes from a wide rule (capped at `WIDE_BLOCK_SIZE`). */
export function isWideKey(key: string): boolean {
  return key.startsWith(WIDE_KEY_PREFIX);
}

// Name words per role that get keys of their own: the first given name, and two family names for double
// surnames (a source may keep only one of them). Middle names are left out: mostly common given names, they
// would add large blocks for the rare record that lost its first name.
const GIVEN_WORDS = 1;
const FAMILY_WORDS = 2;
// Characters of an e-mail's mailbox name and domain in its partial keys.
const EMAIL_PART = 4;

function sortedPair(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/** Month and day in canonical order, so a day/month swap lands in the same block. */
function monthDayKey(birthDate: string): string {
  const [, month = '', day = ''] = birthDate.split('-');
  return month < day ? `${month}-${day}` : `${day}-${month}`;
}

/** A city's sound, so "Londdon" and "London" share city keys. */
function cityKey(city: string): string {
  return phoneticCode(city.replace(/ /g, '')) || city;
}

/** Both initials in canonical order: survives typos after the first letter and given/family swaps. */
function initials(given: string, family: string): string {
  return given[0] !== undefined && family[0] !== undefined ? sortedPair(given[0], family[0]) : '';
}

/** The phonetic code of each of the record's first name words, given and family alike, without repeats. */
function nameCodes(record: MatchRecord): string[] {
  const codes = new Set<string>();
  const add = (words: readonly string[], phonetic: readonly string[], count: number) => {
    for (let index = 0; index < Math.min(count, words.length); index++) {
      const code = phonetic[index] || words[index];
      if (code) {
        codes.add(code);
      }
    }
  };
  add(record.givenNames, record.givenPhonetic, GIVEN_WORDS);
  add(record.familyNames, record.familyPhonetic, FAMILY_WORDS);
  return [...codes];
}

/**
 * The birth year with its decade digit, then its last digit, masked: two years one keystroke apart (1973 and
 * 1983, 1979 and 1978) share one of them.
 */
function maskedYears(year: string): string[] {
  return year.length === 4 ? [`${year.slice(0, 2)}_${year[3]}`, `${year.slice(0, 3)}_`] : [];
}

function addNameKeys(keys: Set<string>, record: MatchRecord): void {
  const birthDate = record.birthDate;
  const year = birthDate?.slice(0, 4);
  const monthDay = birthDate ? monthDayKey(birthDate) : undefined;
  for (const code of nameCodes(record)) {
    if (year) {
      keys.add(`name-year:${code}|${year}`);
      // A mistyped year with a shifted day too: one name word and the year within a keystroke.
      for (const masked of maskedYears(year)) {
        keys.add(`~name-year:${code}|${masked}`);
      }
    }
    // Month and day with one name: tolerant of a wrong birth year and of the other name being changed.
    if (monthDay) {
      keys.add(`name-day:${code}|${monthDay}`);
    }
  }
}

function addPairedNameKeys(keys: Set<string>, record: MatchRecord): void {
  const given = record.givenNames[0];
  const family = record.familyNames[0];
  if (!given || !family) {
    return;
  }
  const givenCode = record.givenPhonetic[0] || given;
  const familyCode = record.familyPhonetic[0] || family;
  const year = record.birthDate?.slice(0, 4);
  const monthDay = record.birthDate ? monthDayKey(record.birthDate) : undefined;
  // Birth year, or month and day, with both initials: for records whose names both carry typos.
  if (year) {
    keys.add(`initials-year:${initials(given, family)}|${year}`);
  }
  if (monthDay) {
    keys.add(`initials-day:${initials(given, family)}|${monthDay}`);
  }
  // Name prefixes and phonetic codes in either order: given/family swaps share these keys.
  keys.add(`names:${sortedPair(given.slice(0, 3), family.slice(0, 3))}`);
  keys.add(`names-phonetic:${sortedPair(givenCode, familyCode)}`);
}

function addPlaceKeys(keys: Set<string>, record: MatchRecord): void {
  const given = record.givenNames[0];
  const family = record.familyNames[0];
  const givenCode = record.givenPhonetic[0] || given;
  const familyCode = record.familyPhonetic[0] || family;
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
    // A town holds many people: only the first given and family name go with it, each in its role.
    if (address.city && givenCode) {
      keys.add(`city-given:${cityKey(address.city)}|${givenCode}`);
    }
    if (address.city && familyCode) {
      keys.add(`city-family:${cityKey(address.city)}|${familyCode}`);
    }
  }
}

/**
 * An e-mail address, its mailbox name alone (survives a mistyped domain), and the head and the tail of the
 * mailbox name with the start of the domain: an address with a typo in each part still shares one of these.
 */
function addEmailKeys(keys: Set<string>, email: string): void {
  const at = email.lastIndexOf('@');
  const user = email.slice(0, at);
  const domain = email.slice(at + 1, at + 1 + EMAIL_PART);
  keys.add(`email:${email}`);
  keys.add(`email-user:${user}`);
  if (user.length > EMAIL_PART && domain.length === EMAIL_PART) {
    keys.add(`~email-head:${user.slice(0, EMAIL_PART)}|${domain}`);
    keys.add(`~email-tail:${user.slice(-EMAIL_PART)}|${domain}`);
  }
}

/** Keys of one record, each prefixed by its rule name. */
export function blockingKeys(record: MatchRecord): string[] {
  const keys = new Set<string>();
  if (record.birthDate) {
    keys.add(`dob:${record.birthDate.slice(0, 4)}-${monthDayKey(record.birthDate)}`);
  }
  addNameKeys(keys, record);
  addPairedNameKeys(keys, record);
  addPlaceKeys(keys, record);
  for (const phone of record.phones) {
    keys.add(`phone:${phone}`);
  }
  for (const email of record.emails) {
    addEmailKeys(keys, email);
  }
  for (const identifier of record.identifiers) {
    keys.add(`id:${identifier.system}|${identifier.value}`);
  }
  return [...keys];
}
