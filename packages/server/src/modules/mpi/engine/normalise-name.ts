// Name normalisation: folded words without titles, honorifics and generational suffixes, multi-part names
// split into their words (hyphenated and spaced alike), so "Dr. Mary-Ann O'Brien Jr." yields the given words
// ["mary", "ann"] and the family word ["obrien"].
import { foldWords } from './text.ts';

// Words that say nothing about who the person is. Only dropped when other words remain, so a patient
// actually called "Major" keeps the name.
const NOISE_WORDS = new Set([
  'mr',
  'mrs',
  'ms',
  'miss',
  'mx',
  'dr',
  'prof',
  'professor',
  'sir',
  'dame',
  'lady',
  'lord',
  'rev',
  'reverend',
  'fr',
  'sr',
  'jr',
  'snr',
  'jnr',
  'junior',
  'senior',
  'ii',
  'iii',
  'iv',
  'phd',
  'md',
  'esq',
  'baby',
  'infant',
  'unknown',
]);

/** Folded words of a name part with titles and suffixes removed. */
export function normaliseNameWords(parts: readonly (string | undefined)[]): string[] {
  const words = parts.flatMap((part) => foldWords(part));
  const meaningful = words.filter((word) => !NOISE_WORDS.has(word));
  return meaningful.length > 0 ? meaningful : words.filter((word) => word !== 'unknown');
}
