// Blocking: which records are compared at all. Every rule below yields keys; two records become a candidate
// pair when they share any key (the union of the rules), so a true pair is missed only when every rule's
// fields are corrupted at once. Each rule is tolerant of one kind of error the others are not.
import { phoneticCode } from './string-metrics.ts';
import type { MatchRecord } from './types.ts';

function sortedPair(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/** Birth date with month and day in canonical order, so a day/month swap lands in the same block. */
function dateKey(birthDate: string): string {
  const [year, month = '', day = ''] = birthDate.split('-');
  return `${year}-${month < day ? `${month}-${day}` : `${day}-${month}`}`;
}

/** A city's sound, so "Londdon" and "London" share city keys. */
function cityKey(city: string): string {
  return phoneticCode(city.replace(/ /g, '')) || city;
}

/** Both initials in canonical order: survives typos after the first letter and given/family swaps. */
function initials(given: string, family: string): string {
  return given[0] !== undefined && family[0] !== undefined ? sortedPair(given[0], family[0]) : '';
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
  // Birth year, or month and day, with both initials: for records whose names both carry typos.
  if (given && family && year) {
    keys.add(`initials-year:${initials(given, family)}|${year}`);
  }
  if (given && family && monthDay) {
    keys.add(`initials-day:${initials(given, family)}|${monthDay}`);
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
      keys.add(`city-given:${cityKey(address.city)}|${givenCode}`);
    }
    if (address.city && familyCode) {
      keys.add(`city-family:${cityKey(address.city)}|${familyCode}`);
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
