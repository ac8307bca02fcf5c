import { OutcomeError, statusOf } from '@caregraph/core/fhir';
import type { TerminologyContext } from '../operations/context.ts';
import { expandValueSet, type ExpansionMember } from '../operations/expansion.ts';
import { SqlParams } from '../operations/sql-params.ts';
import {
  codePrefixSql,
  matchKindOfTier,
  matchTierSql,
  startsWithSql,
  similarMatchSql,
  type MatchKind,
  type TextQuery,
  wordPrefixSql,
} from '../operations/text-match.ts';
import { resolveValueSet } from '../operations/value-sets.ts';
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

/** The current releases searched, as a CTE: every code system, or the ones asked for. */
function systemsCte(params: SqlParams, systems: readonly string[] | undefined): string {
  const only = systems ? ` AND url = ANY(${params.add(systems, '::text[]')})` : '';
  return `systems AS MATERIALIZED (
    SELECT id, url, coalesce(title, name, url) AS name FROM term_system WHERE is_current${only})`;
}

/**
 * Concepts whose code starts with the text (exact code first), and concepts whose display or a
 * synonym has words starting with every typed word. Each branch is answered by its own index —
 * `lower(code)` prefix, trigram GIN on `search_text` — and cut to `count` before the union.
 */
async function prefixMatches(ctx: TerminologyContext, options: SearchConceptsOptions): Promise<ConceptRow[]> {
  const params = new SqlParams();
  const cte = systemsCte(params, options.systems);
  const limit = params.add(options.count, '::int');
  const tier = matchTierSql(params, options.query);
  // Each branch selects its sort keys as columns (starts, len) so the union is ordered without re-ranking.
  const branches = [
    `(SELECT c.system_id, c.code, c.display, c.active, ${tier} AS tier, false AS starts, length(c.code) AS len
      FROM term_concept c
      WHERE ${codePrefixSql(params, options.query)} AND c.system_id IN (SELECT id FROM systems)
      ORDER BY tier, active DESC, len, code LIMIT ${limit})`,
  ];
  const words = wordPrefixSql(params, options.query);
  if (words !== undefined) {
    branches.push(
      `(SELECT c.system_id, c.code, c.display, c.active, 2 AS tier, ${startsWithSql(params, options.query)} AS starts,
          length(c.display) AS len
        FROM term_concept c
        WHERE ${words} AND c.system_id IN (SELECT id FROM systems)
        ORDER BY active DESC, starts DESC, len, code LIMIT ${limit})`,
    );
  }
  const { rows } = await ctx.db.query<ConceptRow>(
    `WITH ${cte}
     SELECT s.url AS system, s.name AS system_name, h.code, h.display, h.active, h.tier
     FROM (${branches.join(' UNION ALL ')}) h JOIN systems s ON s.id = h.system_id
     ORDER BY h.tier, h.active DESC, h.starts DESC, h.len, h.code, s.url`,
    params.values,
  );
  return rows;
}

/** Concepts whose words resemble the text (trigram word similarity), for typing errors. */
async function similarMatches(ctx: TerminologyContext, options: SearchConceptsOptions): Promise<ConceptRow[]> {
  const params = new SqlParams();
  const cte = systemsCte(params, options.systems);
  const similar = similarMatchSql(params, options.query);
  const { rows } = await ctx.db.query<ConceptRow>(
    `WITH ${cte}
     SELECT s.url AS system, s.name AS system_name, c.code, c.display, c.active, 3 AS tier
     FROM term_concept c JOIN systems s ON s.id = c.system_id
     WHERE ${similar.condition} AND c.system_id IN (SELECT id FROM systems)
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
