import { OutcomeError, statusOf } from '@caregraph/core/fhir';
import type { TerminologyContext } from '../operations/context.ts';
import { expandValueSet, type ExpansionMember } from '../operations/expansion.ts';
import { SqlParams } from '../operations/sql-params.ts';
import {
  codePrefixSql,
  likePrefix,
  matchKindOfTier,
  matchTierSql,
  startsWithSql,
  similarMatchSql,
  type MatchKind,
  type TextQuery,
  wordPrefixSql,
} from '../operations/text-match.ts';
import { resolveValueSet } from '../operations/value-sets.ts';
import { charactersOf } from '../store/index.ts';
import { TypeaheadError } from './typeahead-error.ts';

/** One suggestion of the typeahead: a concept, its code system, and how it matched what was typed. */
export type TypeaheadItem = {
  system: string;
  systemName: string;
  code: string;
  /** The concept's display (its code when it has none). */
  display: string;
  inactive: boolean;
  matchedOn: MatchKind;
};

export type SearchConceptsOptions = {
  query: TextQuery;
  /** Only these code systems (by url); every loaded one when absent. */
  systems?: readonly string[];
  /** Only concepts of this value set (canonical url). */
  valueSet?: string;
  count: number;
};

type ConceptRow = {
  system: string;
  system_name: string;
  code: string;
  display: string | null;
  active: boolean;
  tier: number;
};

function toItem(row: ConceptRow): TypeaheadItem {
  return {
    system: row.system,
    systemName: row.system_name,
    code: row.code,
    display: row.display ?? row.code,
    inactive: !row.active,
    matchedOn: matchKindOfTier(row.tier),
  };
}

function fromMember(member: ExpansionMember): TypeaheadItem {
  return {
    system: member.system,
    systemName: member.systemName,
    code: member.code,
    display: member.display ?? member.code,
    inactive: !member.active,
    matchedOn: member.matchedOn ?? 'similar',
  };
}

/** The ids of the current releases searched: every code system, or the ones asked for. */
function currentReleasesSql(params: SqlParams, systems: readonly string[] | undefined): string {
  const only = systems ? ` AND url = ANY(${params.add(systems, '::text[]')})` : '';
  return `SELECT id FROM term_system WHERE is_current${only}`;
}

/**
 * True when the release of row `alias` is searched: current, and one of `systems` when given. A
 * lookup per row rather than a join, so the planner keeps reading `term_word` in index order and
 * stops at the page size (a join with the thousand-odd current releases makes it sort every match).
 */
function isSearchedSql(params: SqlParams, systems: readonly string[] | undefined, alias: string): string {
  const only = systems ? ` AND s.url = ANY(${params.add(systems, '::text[]')})` : '';
  return `(SELECT s.is_current${only} FROM term_system s WHERE s.id = ${alias}.system_id)`;
}

/** The shortest typed word `term_word` is read for: it holds words of three characters or more. */
const MIN_INDEXED_WORD = 3;

/** The branch finding concepts whose code starts with the text (exact code first), by the `lower(code)` index. */
function codeBranch(params: SqlParams, options: SearchConceptsOptions, limit: string): string {
  const tier = matchTierSql(params, options.query);
  return `(SELECT c.system_id, c.code, ${tier} AS tier FROM term_concept c
    WHERE ${codePrefixSql(params, options.query)} AND ${isSearchedSql(params, options.systems, 'c')}
    ORDER BY tier, c.active DESC, length(c.code), c.code LIMIT ${limit})`;
}

/**
 * A branch finding up to `limit` concepts with a word starting with `word`, in ranking order
 * (active first, shortest display first), from `term_word`: by its prefix index, read in order
 * until the page is full however many concepts match, or by the word itself when the planner
 * expects few matches of a longer word. `isFirst` keeps the concepts whose display starts with it.
 */
function wordBranch(
  params: SqlParams,
  word: string,
  options: { isFirst: boolean; limit: string; systems: readonly string[] | undefined },
) {
  const characters = charactersOf(word);
  const conditions = [
    `left(w.word, ${MIN_INDEXED_WORD}) = ${params.add(characters.slice(0, MIN_INDEXED_WORD).join(''))}`,
    ...(characters.length > MIN_INDEXED_WORD ? [`w.word LIKE ${params.add(likePrefix(word))}`] : []),
    ...(options.isFirst ? ['w.is_first'] : []),
    isSearchedSql(params, options.systems, 'w'),
  ];
  // A concept has one row per matching word; its rows are adjacent in this order, so DISTINCT ON
  // drops the repeats while the index is still read in order.
  return `(SELECT DISTINCT ON (w.active, w.display_length, w.code, w.system_id) w.system_id, w.code, 2 AS tier
    FROM term_word w WHERE ${conditions.join(' AND ')}
    ORDER BY w.active DESC, w.display_length, w.code, w.system_id LIMIT ${options.limit})`;
}

/**
 * The word-prefix branches when `term_word` can answer them: one typed word of three characters or
 * more (texts of several words are answered by the trigram index, which intersects them). Ranking
 * within word matches is active first, then displays starting with the word, then the shortest
 * display. Two reads cover the page: the first `count` concepts of all matches in (active, display
 * length) order, and the first `count` whose display starts with the word — any concept of the best
 * `count` is in one of them.
 */
function indexedWordBranches(params: SqlParams, options: SearchConceptsOptions, limit: string): string[] | undefined {
  const { query, systems } = options;
  // The folded text is the word itself: one word, no punctuation around it.
  const word = query.folded;
  if (charactersOf(word).length < MIN_INDEXED_WORD || query.words.length !== 1 || query.words[0] !== word) {
    return undefined;
  }
  return [
    wordBranch(params, word, { isFirst: false, limit, systems }),
    wordBranch(params, word, { isFirst: true, limit, systems }),
  ];
}

/** The word-prefix branch by the trigram index on `search_text`, for texts `term_word` cannot answer. */
function trigramWordBranch(params: SqlParams, options: SearchConceptsOptions, limit: string): string | undefined {
  const { query } = options;
  const words = wordPrefixSql(params, query);
  return words === undefined
    ? undefined
    : `(SELECT c.system_id, c.code, 2 AS tier FROM term_concept c
        WHERE ${words} AND c.system_id IN (${currentReleasesSql(params, options.systems)})
        ORDER BY c.active DESC, ${startsWithSql(params, query)} DESC, length(c.display), c.code LIMIT ${limit})`;
}

/**
 * Concepts whose code starts with the text (exact code first), and concepts whose display or a
 * synonym has words starting with every typed word. Each branch is answered by its own index and
 * cut to `count` before the union; the union is then ranked on the concepts it found.
 */
async function prefixMatches(ctx: TerminologyContext, options: SearchConceptsOptions): Promise<ConceptRow[]> {
  const { query } = options;
  const params = new SqlParams();
  const limit = params.add(options.count, '::int');
  const words = indexedWordBranches(params, options, limit) ?? [trigramWordBranch(params, options, limit)];
  const branches = [codeBranch(params, options, limit), ...words.filter((branch) => branch !== undefined)];
  // Code matches rank by code length, word matches by display length (see matchTierSql for tiers).
  // A concept found by two branches comes twice; `merge` keeps its first, best-ranked row.
  const starts = `(h.tier = 2 AND ${startsWithSql(params, query)})`;
  const { rows } = await ctx.db.query<ConceptRow>(
    `SELECT s.url AS system, coalesce(s.title, s.name, s.url) AS system_name, c.code, c.display, c.active, h.tier
     FROM (${branches.join(' UNION ALL ')}) h
     JOIN term_concept c ON c.system_id = h.system_id AND c.code = h.code
     JOIN term_system s ON s.id = h.system_id
     ORDER BY h.tier, c.active DESC, ${starts} DESC,
       CASE WHEN h.tier = 2 THEN length(c.display) ELSE length(c.code) END, c.code, s.url`,
    params.values,
  );
  return rows;
}

/** Concepts whose words resemble the text (trigram word similarity), for typing errors. */
async function similarMatches(ctx: TerminologyContext, options: SearchConceptsOptions): Promise<ConceptRow[]> {
  const params = new SqlParams();
  const similar = similarMatchSql(params, options.query);
  const only = options.systems ? ` AND s.url = ANY(${params.add(options.systems, '::text[]')})` : '';
  const { rows } = await ctx.db.query<ConceptRow>(
    `SELECT s.url AS system, coalesce(s.title, s.name, s.url) AS system_name, c.code, c.display, c.active, 3 AS tier
     FROM term_concept c JOIN term_system s ON s.id = c.system_id
     WHERE ${similar.condition} AND s.is_current${only}
     ORDER BY ${similar.score} DESC, c.active DESC, length(c.display), c.code
     LIMIT ${params.add(options.count, '::int')}`,
    params.values,
  );
  return rows;
}

/** Appends `more` items not already in `items`, up to `count`. */
function merge(items: TypeaheadItem[], more: TypeaheadItem[], count: number): TypeaheadItem[] {
  const seen = new Set(items.map((item) => `${item.system}|${item.code}`));
  const merged = [...items];
  for (const item of more) {
    const key = `${item.system}|${item.code}`;
    if (merged.length >= count) {
      break;
    }
    if (!seen.has(key)) {
      seen.add(key);
      merged.push(item);
    }
  }
  return merged;
}

/** A 400 naming the first of `systems` that has no loaded release. */
async function requireKnownSystems(ctx: TerminologyContext, systems: readonly string[]): Promise<void> {
  const { rows } = await ctx.db.query<{ url: string }>(
    'SELECT url FROM term_system WHERE is_current AND url = ANY($1::text[])',
    [systems],
  );
  const known = new Set(rows.map((row) => row.url));
  const unknown = systems.find((system) => !known.has(system));
  if (unknown !== undefined) {
    throw new TypeaheadError(400, 'TERM_UNKNOWN_SYSTEM', `Code system ${unknown} is not loaded`);
  }
}

/** The value set's problems as typeahead errors: unknown (404) or not expandable as defined (400). */
async function withValueSetErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof OutcomeError) {
      const isMissing = statusOf(error.outcome) === 404;
      throw new TypeaheadError(
        isMissing ? 404 : 400,
        isMissing ? 'TERM_UNKNOWN_VALUE_SET' : 'TERM_BAD_VALUE_SET',
        error.message,
      );
    }
    throw error;
  }
}

async function searchValueSet(ctx: TerminologyContext, options: SearchConceptsOptions & { valueSet: string }) {
  const valueSet = await resolveValueSet(ctx, options.valueSet, { expression: 'valueSet' });
  const expand = async (mode: 'prefix' | 'similar') =>
    (
      await expandValueSet(ctx, valueSet, {
        restriction: {
          text: { query: options.query, mode },
          ...(options.systems ? { systems: options.systems } : {}),
        },
        offset: 0,
        count: options.count,
      })
    ).members.map(fromMember);
  const items = await expand('prefix');
  return items.length < options.count ? merge(items, await expand('similar'), options.count) : items;
}

/**
 * Typeahead over the loaded code systems, or over one value set: ranked by exact code, code
 * prefix, word prefixes of the display and synonyms, then trigram similarity (only asked when the
 * prefix matches do not fill the page); active concepts before inactive ones within each rank.
 */
export async function searchConcepts(
  ctx: TerminologyContext,
  options: SearchConceptsOptions,
): Promise<TypeaheadItem[]> {
  if (options.systems) {
    await requireKnownSystems(ctx, options.systems);
  }
  const { valueSet } = options;
  if (valueSet !== undefined) {
    return withValueSetErrors(() => searchValueSet(ctx, { ...options, valueSet }));
  }
  const items = merge([], (await prefixMatches(ctx, options)).map(toItem), options.count);
  if (items.length >= options.count) {
    return items;
  }
  return merge(items, (await similarMatches(ctx, options)).map(toItem), options.count);
}
