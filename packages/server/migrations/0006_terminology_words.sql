-- The words of each concept's display and synonyms, one row per distinct word, for the typeahead.
-- A three-letter prefix such as `pro` starts words of thousands of concepts; the trigram index on
-- term_concept.search_text finds them all, and they then have to be sorted to keep twenty. Here the
-- index below holds them already in ranking order (active first, shortest display first), so a
-- prefix is an index range read that stops after the page is full.
--
-- Rows are derived from term_concept.search_text: store/words.ts writes them with the concepts,
-- splitting at every run of characters that are not letters or digits, as the typed text is split;
-- the backfill below splits at runs outside [:alnum:], the same for the accent-folded Latin text of
-- the shipped and loadable code systems. Words shorter than three characters are left out: the
-- typeahead reads this table only for typed words of three characters or more.
CREATE TABLE term_word (
  system_id integer NOT NULL,
  code text NOT NULL,
  -- at most 200 characters, the longest text the typeahead takes, so a prefix match is unchanged
  word text NOT NULL,
  -- search_text starts with this word: the concept's display (or first synonym) starts with it
  is_first boolean NOT NULL,
  -- copies of term_concept.active and length(term_concept.display), the ranking keys
  active boolean NOT NULL,
  display_length integer
);
-- No primary or foreign key: the rows are derived, written only by store/words.ts (one per distinct
-- word by construction) and rewritten with their concept, and the two keys made a bulk load of words
-- about 45% slower (measured on 140,000 words). Releases are never deleted.
CREATE INDEX term_word_concept ON term_word (system_id, code);
-- Rows of one concept for one prefix sit next to each other (the keys after the prefix are the
-- concept's), so a DISTINCT over this order stays a streaming read.
CREATE INDEX term_word_prefix ON term_word (left(word, 3), active DESC, display_length, code, system_id)
  INCLUDE (word);
-- A longer word (`infestation`) may start few words in a crowded prefix (`inf`): found by itself.
CREATE INDEX term_word_word ON term_word (word text_pattern_ops);
-- The concepts whose display starts with the prefix, which rank first among word matches.
CREATE INDEX term_word_first ON term_word (left(word, 3), active DESC, display_length, code, system_id)
  INCLUDE (word) WHERE is_first;

INSERT INTO term_word (system_id, code, word, is_first, active, display_length)
SELECT c.system_id, c.code, left(w.word, 200), bool_or(w.position = 1), c.active, length(c.display)
FROM term_concept c
CROSS JOIN LATERAL regexp_split_to_table(c.search_text, '[^[:alnum:]]+') WITH ORDINALITY AS w (word, position)
WHERE length(w.word) >= 3
GROUP BY c.system_id, c.code, left(w.word, 200), c.active, length(c.display);

-- `ConceptMap/$translate` with `reverse=true` looks maps up by their target code.
CREATE INDEX term_map_target ON term_map (target_system, target_code);
