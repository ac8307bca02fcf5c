// The string similarity and phonetic functions every comparator uses, wrapped once so the rest of the
// engine does not depend on the talisman module layout. The reference brings the package's types into
// every program that compiles this file (the CLI's and the benchmarks' too), not only the server's:
// ambient module declarations cannot be imported.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./talisman.d.ts" />
import damerauLevenshtein from 'talisman/metrics/damerau-levenshtein.js';
import jaroWinklerSimilarity from 'talisman/metrics/jaro-winkler.js';
import doubleMetaphone from 'talisman/phonetics/double-metaphone.js';

/** Jaro–Winkler similarity in [0, 1]; 1 for equal strings, 0 when either is empty. */
export function jaroWinkler(a: string, b: string): number {
  if (a === b) {
    return a === '' ? 0 : 1;
  }
  if (a === '' || b === '') {
    return 0;
  }
  return jaroWinklerSimilarity(a, b);
}

/** Edits (insert, delete, substitute, swap adjacent) between two strings. */
export function editDistance(a: string, b: string): number {
  if (a === b) {
    return 0;
  }
  return damerauLevenshtein(a, b);
}

/** Primary Double Metaphone code of a folded word ('' for words without consonant sounds it knows). */
export function phoneticCode(word: string): string {
  if (word === '') {
    return '';
  }
  return doubleMetaphone(word)[0];
}
