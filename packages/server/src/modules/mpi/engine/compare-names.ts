// Given and family name comparators. Each returns the index of the first level (best agreement first) the
// pair reaches in GIVEN_NAME_LEVELS / FAMILY_NAME_LEVELS, or -1 when either side has no name.
import { isNickname } from './nicknames.ts';
import { jaroWinkler } from './string-metrics.ts';
import type { MatchRecord } from './types.ts';

export const GIVEN_NAME_LEVELS = [
  'exact',
  'alias',
  'fuzzy',
  'phonetic',
  'similar',
  'initial',
  'crossed',
  'different',
] as const;
export const FAMILY_NAME_LEVELS = ['exact', 'alias', 'fuzzy', 'phonetic', 'similar', 'different'] as const;

// Jaro–Winkler bands: at 0.92 nearly all pairs are one keying error apart; at 0.82 the pair still shares most
// letters in order, which a typo plus a dropped letter leaves intact but two unrelated names rarely reach.
const FUZZY = 0.92;
const SIMILAR = 0.82;
const SWAP = 0.9;

type NameSide = { words: readonly string[]; codes: readonly string[] };

/**
 * Whether the two records' given and family names were entered the wrong way round. Swapped names are then
 * compared crossed, with the ordinary levels: agreeing crossed is as strong evidence as agreeing straight.
 */
export function areNamesSwapped(a: MatchRecord, b: MatchRecord): boolean {
  const ga = a.givenNames[0];
  const fa = a.familyNames[0];
  const gb = b.givenNames[0];
  const fb = b.familyNames[0];
  if (!ga || !fa || !gb || !fb || !mayBeSimilar(ga, fb) || !mayBeSimilar(fa, gb)) {
    return false;
  }
  const crossed = Math.min(jaroWinkler(ga, fb), jaroWinkler(fa, gb));
  if (crossed < SWAP) {
    return false;
  }
  return crossed > Math.min(jaroWinkler(ga, gb), jaroWinkler(fa, fb));
}

/**
 * Cheap necessary condition for a Jaro–Winkler similarity of 0.9: names that close share one of their first
 * two letters in nearly the same place. Most pairs are unrelated, so this skips most similarity work.
 */
function mayBeSimilar(a: string, b: string): boolean {
  return a[0] === b[0] || (a[1] !== undefined && (a[1] === b[1] || a[1] === b[0] || a[0] === b[1]));
}

function sharesWord(a: NameSide, b: NameSide): boolean {
  return a.words.some((word) => word.length > 1 && b.words.includes(word));
}

function joinedEqual(a: NameSide, b: NameSide): boolean {
  return (a.words.length > 1 || b.words.length > 1) && a.words.join('') === b.words.join('');
}

function isInitialOf(a: string, b: string): boolean {
  return (a.length === 1 && b.startsWith(a)) || (b.length === 1 && a.startsWith(b));
}

/** Shared level logic; `withNicknames` adds the given-name extras (nicknames, initials). */
function compareNameSides(a: NameSide, b: NameSide, withNicknames: boolean): string {
  const first = a.words[0] ?? '';
  const second = b.words[0] ?? '';
  if (first === second) {
    return 'exact';
  }
  if (joinedEqual(a, b) || (withNicknames && isNickname(first, second))) {
    return 'alias';
  }
  const isMultiWord = a.words.length > 1 || b.words.length > 1;
  const similarity = Math.max(
    jaroWinkler(first, second),
    isMultiWord ? jaroWinkler(a.words.join(''), b.words.join('')) : 0,
  );
  // A typo in the first word is stronger evidence than a shared middle name, which many people have.
  if (similarity >= FUZZY) {
    return 'fuzzy';
  }
  if (sharesWord(a, b)) {
    return 'alias';
  }
  const code = a.codes[0] ?? '';
  if (code !== '' && code === b.codes[0]) {
    return 'phonetic';
  }
  if (similarity >= SIMILAR) {
    return 'similar';
  }
  if (withNicknames && isInitialOf(first, second)) {
    return 'initial';
  }
  return 'different';
}

function givenSide(record: MatchRecord): NameSide {
  return { words: record.givenNames, codes: record.givenPhonetic };
}

function familySide(record: MatchRecord): NameSide {
  return { words: record.familyNames, codes: record.familyPhonetic };
}

const CROSS_LEVELS = new Set(['exact', 'alias', 'fuzzy']);

/**
 * One record's given name written in the other's family name slot (and the names not simply swapped):
 * "Reuben" / "Davies Reuben". Only the given-name field looks across, so the same agreement is not
 * counted again by the family-name field.
 */
function isCrossed(a: MatchRecord, b: MatchRecord): boolean {
  const acrossAB = b.familyNames.length > 0 && compareNameSides(givenSide(a), familySide(b), false);
  const acrossBA = a.familyNames.length > 0 && compareNameSides(givenSide(b), familySide(a), false);
  return (acrossAB !== false && CROSS_LEVELS.has(acrossAB)) || (acrossBA !== false && CROSS_LEVELS.has(acrossBA));
}

export function compareGivenNames(a: MatchRecord, b: MatchRecord, swapped: boolean): number {
  const other = swapped ? familySide(b) : givenSide(b);
  if (a.givenNames.length === 0 || other.words.length === 0) {
    return -1;
  }
  const level = compareNameSides(givenSide(a), other, true);
  if (level === 'different' && !swapped && isCrossed(a, b)) {
    return GIVEN_NAME_LEVELS.indexOf('crossed');
  }
  return GIVEN_NAME_LEVELS.indexOf(level as (typeof GIVEN_NAME_LEVELS)[number]);
}

export function compareFamilyNames(a: MatchRecord, b: MatchRecord, swapped: boolean): number {
  const other = swapped ? givenSide(b) : familySide(b);
  if (a.familyNames.length === 0 || other.words.length === 0) {
    return -1;
  }
  const level = compareNameSides(familySide(a), other, false);
  return FAMILY_NAME_LEVELS.indexOf(level as (typeof FAMILY_NAME_LEVELS)[number]);
}
