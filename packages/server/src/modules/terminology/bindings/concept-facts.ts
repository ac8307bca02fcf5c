import type { Queryable } from '../../../platform/db/index.ts';
import { ancestorsSql } from '../store/index.ts';
import type { ConceptFacts } from './value-set-rules.ts';

/** A code to look up in the current release of its system. */
export type CodeKey = { system: string; code: string };

/** `system|code` as a map key (a code system url never contains a NUL). */
export function codeKey(system: string, code: string): string {
  return `${system}\u0000${code}`;
}

type FactsRow = {
  n: number | string;
  system_loaded: boolean;
  known: boolean;
  active: boolean;
  display: string | null;
  ancestors: string[];
};

function factsSql(withAncestors: boolean): string {
  const ancestors = withAncestors
    ? `CASE WHEN c.code IS NULL THEN ARRAY[]::text[]
         ELSE ARRAY(SELECT up.code FROM (${ancestorsSql('s.id', 'c.code')}) up WHERE up.code = ANY($3::text[])) END`
    : 'ARRAY[]::text[]';
  return `SELECT q.n, s.id IS NOT NULL AS system_loaded, c.code IS NOT NULL AS known,
      coalesce(c.active, false) AS active, c.display, ${ancestors} AS ancestors
    FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS q(system, code, n)
    LEFT JOIN term_system s ON s.url = q.system AND s.is_current
    LEFT JOIN term_concept c ON c.system_id = s.id AND c.code = q.code`;
}

// Fixed texts, so PostgreSQL prepares each once per connection: this runs on every bound write.
const FACTS = factsSql(false);
const FACTS_WITH_ANCESTORS = factsSql(true);
// The usual case, one coding and no hierarchy filter: scalar parameters plan in half the time of
// arrays, which matters on the embedded database where every statement is planned anew.
const ONE_FACT = `SELECT 1 AS n, true AS system_loaded, c.code IS NOT NULL AS known,
    coalesce(c.active, false) AS active, c.display, ARRAY[]::text[] AS ancestors
  FROM term_system s LEFT JOIN term_concept c ON c.system_id = s.id AND c.code = $2
  WHERE s.url = $1 AND s.is_current`;

function chooseFactsQuery(codes: CodeKey[], filterCodes: string[]) {
  const [only] = codes;
  if (only && codes.length === 1 && filterCodes.length === 0) {
    return { sql: ONE_FACT, params: [only.system, only.code], name: 'term-binding-fact' };
  }
  const systems = codes.map((key) => key.system);
  const values = codes.map((key) => key.code);
  return filterCodes.length > 0
    ? { sql: FACTS_WITH_ANCESTORS, params: [systems, values, filterCodes], name: 'term-binding-facts-is-a' }
    : { sql: FACTS, params: [systems, values], name: 'term-binding-facts' };
}

/**
 * Looks up codes in the current release of their systems, in one query whatever their number:
 * whether each is known and active, its display, and which of `filterCodes` it is or lies below
 * (walking up the is-a hierarchy, which is short, rather than down from broad concepts).
 * The map has no entry for codes whose system has no current release.
 */
export async function readConceptFacts(
  q: Queryable,
  codes: CodeKey[],
  filterCodes: string[],
): Promise<Map<string, ConceptFacts>> {
  const facts = new Map<string, ConceptFacts>();
  if (codes.length === 0) {
    return facts;
  }
  const { sql, params, name } = chooseFactsQuery(codes, filterCodes);
  const { rows } = await q.query<FactsRow>(sql, params, { name });
  for (const row of rows) {
    const key = codes[Number(row.n) - 1];
    if (key && row.system_loaded) {
      facts.set(codeKey(key.system, key.code), {
        known: row.known,
        active: row.active,
        display: row.display ?? undefined,
        ancestors: new Set(row.ancestors),
      });
    }
  }
  return facts;
}
