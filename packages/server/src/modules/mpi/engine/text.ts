// Text folding shared by every normaliser: lower case, accents removed, letters that do not decompose
// spelled out, punctuation turned into spaces. "Müller" and "MULLER" fold alike; "Mueller" stays distinct
// and is matched by the phonetic and fuzzy comparators instead.

const SPELLED_OUT: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
};

const COMBINING_MARKS = /[\u0300-\u036f]/g;
const NOT_SPELLED = /[ßæœøłđðþı]/g;
// Apostrophes join (O'Brien → obrien); every other non-alphanumeric character separates words.
const APOSTROPHES = /['’`´]/g;
const SEPARATORS = /[^a-z0-9]+/g;

/** Lower-cases, folds accents and replaces punctuation with single spaces. */
export function foldText(value: string): string {
  return value
    .toLowerCase()
    .replace(NOT_SPELLED, (c) => SPELLED_OUT[c] ?? c)
    .normalize('NFKD')
    .replace(COMBINING_MARKS, '')
    .replace(APOSTROPHES, '')
    .replace(SEPARATORS, ' ')
    .trim();
}

/** Folded words of a value; empty for blank input. */
export function foldWords(value: string | undefined): string[] {
  if (!value) {
    return [];
  }
  const folded = foldText(value);
  return folded === '' ? [] : folded.split(' ');
}
