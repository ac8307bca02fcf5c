// Types for the deep imports of the talisman package (it ships none). Each module's CommonJS export is the
// function itself, so a default import yields it.
declare module 'talisman/metrics/jaro-winkler.js' {
  /** Jaro–Winkler similarity in [0, 1]. */
  export default function jaroWinkler(a: string, b: string): number;
}

declare module 'talisman/metrics/damerau-levenshtein.js' {
  /** Optimal string alignment distance (edits, with adjacent transpositions counted as one). */
  export default function damerauLevenshtein(a: string, b: string): number;
}

declare module 'talisman/phonetics/double-metaphone.js' {
  /** Primary and alternate Double Metaphone codes. */
  export default function doubleMetaphone(word: string): [string, string];
}

declare module 'talisman/phonetics/soundex.js' {
  export default function soundex(word: string): string;
}
