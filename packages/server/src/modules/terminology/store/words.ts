import type { Queryable } from '../../../platform/db/index.ts';

/** The longest word kept: the typeahead takes at most 200 characters, so a prefix match is unchanged. */
const MAX_WORD = 200;
/** Words shorter than this are not kept: the typeahead reads `term_word` only for longer typed words. */
const MIN_WORD = 3;

/**
 * The characters of a text as PostgreSQL's `length()` and `left()` count them (code points), so a
 * cut never splits a surrogate pair.
 */
export function charactersOf(text: string): string[] {
  return Array.from(text);
}

/** One `term_word` row of a concept. */
export type WordRow = { word: string; isFirst: boolean };

/**
 * The distinct words of a concept's folded search text (`searchTextOf`), split where the typed text
 * is split: at every run of characters that are not letters or digits. `isFirst` marks the word the
 * text starts with.
 */
export function wordsOf(searchText: string): WordRow[] {
  const words = new Map<string, boolean>();
  const startsWithWord = /^[\p{L}\p{N}]/u.test(searchText);
  searchText.split(/[^\p{L}\p{N}]+/u).forEach((token, index) => {
    const characters = charactersOf(token);
    if (characters.length >= MIN_WORD) {
      const word = characters.slice(0, MAX_WORD).join('');
      words.set(word, (words.get(word) ?? false) || (index === 0 && startsWithWord));
    }
  });
  return [...words].map(([word, isFirst]) => ({ word, isFirst }));
}

/** A concept's words and its ranking keys, as `writeConceptWords` takes them. */
export type ConceptWords = {
  systemId: number;
  code: string;
  searchText: string;
  active: boolean;
  display: string | undefined;
};

/**
 * Writes the words of concepts whose rows were just written, computed here rather than by the
 * database, which splits text several times slower (PGlite especially). `replace` first removes
 * the concepts' earlier words, for concepts that may have had some.
 */
export async function writeConceptWords(
  tx: Queryable,
  concepts: readonly ConceptWords[],
  options: { replace: boolean },
): Promise<void> {
  if (concepts.length === 0) {
    return;
  }
  if (options.replace) {
    await tx.query(
      `DELETE FROM term_word w USING unnest($1::int[], $2::text[]) AS k (system_id, code)
       WHERE w.system_id = k.system_id AND w.code = k.code`,
      [concepts.map((concept) => concept.systemId), concepts.map((concept) => concept.code)],
    );
  }
  const rows = concepts.flatMap((concept) => wordsOf(concept.searchText).map((word) => ({ concept, ...word })));
  await tx.query(
    `INSERT INTO term_word (system_id, code, word, is_first, active, display_length)
     SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::boolean[], $5::boolean[], $6::int[])`,
    [
      rows.map((row) => row.concept.systemId),
      rows.map((row) => row.concept.code),
      rows.map((row) => row.word),
      rows.map((row) => row.isFirst),
      rows.map((row) => row.concept.active),
      rows.map((row) => (row.concept.display === undefined ? null : charactersOf(row.concept.display).length)),
    ],
  );
}

/**
 * Copies the words of `codes` from one release to another, as `finishRelease` carries concepts a
 * newer release lacks over into it (with `active` as the carried concepts have it).
 */
export async function copyWords(
  tx: Queryable,
  carry: { from: number; to: number; codes: readonly string[]; active: boolean },
): Promise<void> {
  if (carry.codes.length === 0) {
    return;
  }
  await tx.query(
    `INSERT INTO term_word (system_id, code, word, is_first, active, display_length)
     SELECT $1, w.code, w.word, w.is_first, $4, w.display_length
     FROM term_word w WHERE w.system_id = $2 AND w.code = ANY($3::text[])`,
    [carry.to, carry.from, carry.codes, carry.active],
  );
}
