// The model's comparison fields: for each, its levels (best agreement first), how each level reads in the
// review screen, and the default m and u probabilities used before a tenant trains. Defaults reflect a
// general patient population: m from published record-linkage studies of registration data, u from the
// chance that two different people agree that way.
import { compareLocalities, compareStreets, LOCALITY_LEVELS, STREET_LEVELS } from './compare-address.ts';
import { BIRTH_DATE_LEVELS, compareBirthDates } from './compare-birth-date.ts';
import {
  compareEmails,
  compareIdentifiers,
  comparePhones,
  compareSex,
  EMAIL_LEVELS,
  IDENTIFIER_LEVELS,
  PHONE_LEVELS,
  SEX_LEVELS,
} from './compare-contact.ts';
import {
  areNamesSwapped,
  compareFamilyNames,
  compareGivenNames,
  FAMILY_NAME_LEVELS,
  GIVEN_NAME_LEVELS,
} from './compare-names.ts';
import type { Agreement, FieldName, MatchRecord } from './types.ts';
import { FIELD_NAMES } from './types.ts';

/** Default [m, u] per level, in level order. */
type LevelDefaults = ReadonlyArray<readonly [m: number, u: number, agreement: Agreement]>;

export type FieldDefinition = {
  levels: readonly string[];
  defaults: LevelDefaults;
  /** Shown as `a` / `b` in a FieldComparison. */
  display: (record: MatchRecord) => string | undefined;
};

const joinOrUndefined = (values: readonly string[], separator = ' ') =>
  values.length > 0 ? values.join(separator) : undefined;

/** Shown for an identifier whose value is sealed: the record holds only its hashes. */
const SEALED_DISPLAY = '(sealed)';

const identifierDisplay = (authoritative: boolean) => (record: MatchRecord) =>
  joinOrUndefined(
    record.identifiers
      .filter((identifier) => identifier.authoritative === authoritative)
      .map((x) => (x.digests ? SEALED_DISPLAY : x.value)),
    ', ',
  );

export const FIELDS: Record<FieldName, FieldDefinition> = {
  givenName: {
    levels: GIVEN_NAME_LEVELS,
    defaults: [
      [0.82, 0.01, 'agree'],
      [0.04, 0.002, 'agree'],
      [0.05, 0.003, 'partial'],
      [0.02, 0.005, 'partial'],
      [0.02, 0.02, 'partial'],
      [0.01, 0.01, 'partial'],
      [0.01, 0.001, 'partial'],
      [0.02, 0.949, 'disagree'],
    ],
    display: (record) => joinOrUndefined(record.givenNames),
  },
  familyName: {
    levels: FAMILY_NAME_LEVELS,
    defaults: [
      [0.85, 0.005, 'agree'],
      [0.03, 0.001, 'agree'],
      [0.05, 0.002, 'partial'],
      [0.02, 0.004, 'partial'],
      [0.01, 0.015, 'partial'],
      [0.04, 0.973, 'disagree'],
    ],
    display: (record) => joinOrUndefined(record.familyNames),
  },
  birthDate: {
    levels: BIRTH_DATE_LEVELS,
    defaults: [
      [0.88, 0.00004, 'agree'],
      [0.01, 0.00002, 'partial'],
      [0.06, 0.0008, 'partial'],
      [0.01, 0.0008, 'partial'],
      [0.015, 0.006, 'partial'],
      [0.025, 0.99236, 'disagree'],
    ],
    display: (record) => record.birthDate,
  },
  sex: {
    levels: SEX_LEVELS,
    defaults: [
      [0.97, 0.5, 'agree'],
      [0.03, 0.5, 'disagree'],
    ],
    display: (record) => record.sex,
  },
  street: {
    levels: STREET_LEVELS,
    defaults: [
      [0.75, 0.0005, 'agree'],
      [0.05, 0.0002, 'partial'],
      [0.05, 0.003, 'partial'],
      [0.05, 0.01, 'partial'],
      [0.1, 0.9863, 'disagree'],
    ],
    display: (record) => joinOrUndefined(record.addresses.map((address) => address.line).filter(Boolean), '; '),
  },
  locality: {
    levels: LOCALITY_LEVELS,
    defaults: [
      [0.75, 0.003, 'agree'],
      [0.06, 0.002, 'partial'],
      [0.06, 0.02, 'partial'],
      [0.03, 0.01, 'partial'],
      [0.02, 0.03, 'partial'],
      [0.08, 0.935, 'disagree'],
    ],
    display: (record) =>
      joinOrUndefined(
        record.addresses.map((address) => [address.postcode, address.city].filter(Boolean).join(' ')).filter(Boolean),
        '; ',
      ),
  },
  phone: {
    levels: PHONE_LEVELS,
    defaults: [
      [0.8, 0.0001, 'agree'],
      [0.05, 0.0005, 'partial'],
      [0.15, 0.9994, 'disagree'],
    ],
    display: (record) => joinOrUndefined(record.phones, ', '),
  },
  email: {
    levels: EMAIL_LEVELS,
    defaults: [
      [0.8, 0.0001, 'agree'],
      [0.05, 0.001, 'partial'],
      [0.15, 0.9989, 'disagree'],
    ],
    display: (record) => joinOrUndefined(record.emails, ', '),
  },
  nationalId: {
    levels: IDENTIFIER_LEVELS,
    defaults: [
      [0.95, 0.00001, 'agree'],
      [0.04, 0.0001, 'partial'],
      [0.01, 0.99989, 'disagree'],
    ],
    display: identifierDisplay(true),
  },
  identifier: {
    levels: IDENTIFIER_LEVELS,
    defaults: [
      [0.8, 0.00001, 'agree'],
      [0.05, 0.0001, 'partial'],
      [0.15, 0.99989, 'disagree'],
    ],
    display: identifierDisplay(false),
  },
};

export const FIELD_COUNT = FIELD_NAMES.length;

/**
 * Level index of every field for a pair, in FIELD_NAMES order; -1 where a field cannot be compared. This is
 * the hot path of batch matching and training, so it returns a small typed array and builds no strings.
 */
export function compareRecords(a: MatchRecord, b: MatchRecord): Int8Array {
  const swapped = areNamesSwapped(a, b);
  const levels = new Int8Array(FIELD_COUNT);
  levels[0] = compareGivenNames(a, b, swapped);
  levels[1] = compareFamilyNames(a, b, swapped);
  levels[2] = compareBirthDates(a.birthDate, b.birthDate);
  levels[3] = compareSex(a.sex, b.sex);
  levels[4] = compareStreets(a.addresses, b.addresses);
  levels[5] = compareLocalities(a.addresses, b.addresses);
  levels[6] = comparePhones(a.phones, b.phones);
  levels[7] = compareEmails(a.emails, b.emails);
  levels[8] = compareIdentifiers(a.identifiers, b.identifiers, true);
  levels[9] = compareIdentifiers(a.identifiers, b.identifiers, false);
  return levels;
}
