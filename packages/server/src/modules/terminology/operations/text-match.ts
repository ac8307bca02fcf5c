import { normalizeString } from '@caregraph/core';
import type { SqlParams } from './sql-params.ts';

/**
 * What a user typed, prepared for matching codes and displays: the code as typed (lower-cased) and
 * the words of the folded text. Shared by `$expand`'s `filter` and the typeahead endpoint, so both
 * find the same concepts for the same text.
 */
export type TextQuery = {
  /** Lower-cased and trimmed, for exact and prefix matches on codes. */
  code: string;
  /** Folded like `term_concept.search_text`: lower-case, accents removed. */
  folded: string;
  /** The folded words; each must start a word of the display or a synonym. */
  words: string[];
};

/** How a concept matched the text, best first. */
export type MatchKind = 'code' | 'code-prefix' | 'word-prefix' | 'similar';

/** Prepares typed text; undefined when it holds nothing to match (only spaces or punctuation). */
export function parseTextQuery(text: string): TextQuery | undefined {
  const code = text.trim().toLowerCase();
  const folded = normalizeString(text);
  const words = folded.split(/[^\p{L}\p{N}]+/u).filter((word) => word !== '');
  return code === '' ? undefined : { code, folded, words };
}

/** A LIKE pattern matching strings that start with `text` (LIKE's own wildcards escaped). */
export function likePrefix(text: string): string {
  return `${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/**
 * A regular expression matching `word` at the start of a word of `search_text`. Words hold only
 * letters and digits, so nothing in them needs escaping; pg_trgm extracts the word-start trigrams
 * (`  w`, ` wo`, `wor`) from it, so the GIN trigram index answers it.
 */
function wordStart(word: string): string {
  return `(^|[^[:alnum:]])${word}`;
}

/** True for concepts (aliased `alias`) whose code starts with the text. */
export function codePrefixSql(params: SqlParams, query: TextQuery, alias = 'c'): string {
  return `lower(${alias}.code) LIKE ${params.add(likePrefix(query.code))}`;
}

/**
 * True for concepts whose display and synonyms have a word starting with each typed word;
 * undefined when the text has no words (only punctuation, as some UCUM codes are).
 */
export function wordPrefixSql(params: SqlParams, query: TextQuery, alias = 'c'): string | undefined {
  // The LIKE is implied by the regex; it is there because it is far cheaper to check, so the
  // regex only runs on rows that hold the letters at all (whichever way the rows are found).
  const conditions = query.words.map(
    (word) =>
      `${alias}.search_text LIKE ${params.add(`%${word}%`)} AND ${alias}.search_text ~ ${params.add(wordStart(word))}`,
  );
  return conditions.length === 0 ? undefined : conditions.join(' AND ');
}

/** True for concepts matching the text by code prefix or by word prefixes. Adds its parameters to `params`. */
export function prefixConditionSql(params: SqlParams, query: TextQuery, alias = 'c'): string {
  const code = codePrefixSql(params, query, alias);
  const words = wordPrefixSql(params, query, alias);
  return words === undefined ? code : `(${code} OR (${words}))`;
}

/**
 * The tier a concept that passed `prefixConditionSql` ranks in: 0 for the exact code, 1 for a
 * code prefix, 2 for word prefixes.
 */
export function matchTierSql(params: SqlParams, query: TextQuery, alias = 'c'): string {
  const exact = params.add(query.code);
  const codePrefix = params.add(likePrefix(query.code));
  return `CASE WHEN lower(${alias}.code) = ${exact} THEN 0 WHEN lower(${alias}.code) LIKE ${codePrefix} THEN 1 ELSE 2 END`;
}

/** True when the folded display itself starts with the text: such concepts come first within a tier. */
export function startsWithSql(params: SqlParams, query: TextQuery, alias = 'c'): string {
  return `(${alias}.search_text LIKE ${params.add(likePrefix(query.folded))})`;
}

/**
 * The trigram similarity of the text to the closest stretch of words in `search_text`
 * (`word_similarity`), for typing errors; `<%` is answered by the same GIN index.
 */
export function similarMatchSql(params: SqlParams, query: TextQuery, alias = 'c') {
  const text = params.add(query.folded);
  return { condition: `${text} <% ${alias}.search_text`, score: `word_similarity(${text}, ${alias}.search_text)` };
}

/** The kind of match of a tier: 0–2 from `prefixRankSql`, 3 for similarity matches. */
export function matchKindOfTier(tier: number): MatchKind {
  return tier === 0 ? 'code' : tier === 1 ? 'code-prefix' : tier === 2 ? 'word-prefix' : 'similar';
}
