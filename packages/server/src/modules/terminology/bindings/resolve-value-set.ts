import type { Queryable } from '../../../platform/db/index.ts';
import { parseCompose, ValueSetResolutionError, type CompiledValueSet, type ParsedRule } from './value-set-rules.ts';

// Imports nest rarely more than two deep; a bound keeps a pathological chain from running away.
const MAX_IMPORT_DEPTH = 8;

// The value set with canonical url $2 as tenant $1 sees it: the tenant's own ValueSet resource when
// it has one (the latest written), else the current one of the shared terminology store. The
// tenant's ValueSets are found through the FHIR search index on `url` (an R4 ValueSet search
// parameter), so a tenant with many of them pays one index probe.
const READ_VALUE_SET = `SELECT resource FROM (
    SELECT r.content AS resource, 0 AS rank, r.last_updated AS at
    FROM search_uri u
    JOIN resource r ON r.tenant_id = u.tenant_id AND r.resource_type = u.resource_type AND r.id = u.resource_id
    WHERE u.tenant_id = $1 AND u.resource_type = 'ValueSet' AND u.code = 'url' AND u.value = $2 AND NOT r.deleted
    UNION ALL
    SELECT v.resource, 1, NULL FROM term_value_set v WHERE v.url = $2 AND v.is_current
  ) found ORDER BY rank, at DESC NULLS LAST LIMIT 1`;

function parseJson(value: unknown): unknown {
  return typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
}

async function readValueSet(q: Queryable, tenantId: string, url: string): Promise<unknown> {
  const { rows } = await q.query<{ resource: unknown }>(READ_VALUE_SET, [tenantId, url], {
    name: 'term-binding-value-set',
  });
  return rows[0] ? parseJson(rows[0].resource) : undefined;
}

/** Value sets resolved so far in one transaction (or request), by url. */
export type ResolvedValueSets = Map<string, Promise<CompiledValueSet>>;

/**
 * Resolves a value set and every value set it imports into rules.
 * @param known - value sets already resolved in this transaction, by url; filled as a side effect
 * @throws ValueSetResolutionError when the value set or an import is unknown, cyclic or not evaluable
 */
export function resolveValueSet(
  q: Queryable,
  tenantId: string,
  url: string,
  known: ResolvedValueSets,
): Promise<CompiledValueSet> {
  return resolveWithin(q, tenantId, url, known, []);
}

function resolveWithin(
  q: Queryable,
  tenantId: string,
  url: string,
  known: ResolvedValueSets,
  chain: string[],
): Promise<CompiledValueSet> {
  if (chain.includes(url)) {
    return Promise.reject(
      new ValueSetResolutionError(`Value set ${url} imports itself (${[...chain, url].join(' → ')})`),
    );
  }
  if (chain.length >= MAX_IMPORT_DEPTH) {
    return Promise.reject(
      new ValueSetResolutionError(`Value set ${url} is imported more than ${MAX_IMPORT_DEPTH} deep`),
    );
  }
  const cached = known.get(url);
  if (cached) {
    return cached;
  }
  const resolving = (async () => {
    const found = await readValueSet(q, tenantId, url);
    if (found === undefined) {
      throw new ValueSetResolutionError(
        `Value set ${url} is not known: neither a ValueSet of this tenant nor a loaded one`,
      );
    }
    const compose = parseCompose(url, found);
    const nested = [...chain, url];
    // One at a time: the embedded database runs one query at a time anyway, and imports are few.
    const compile = async ({ valueSetUrls, ...rule }: ParsedRule) => {
      const valueSets: CompiledValueSet[] = [];
      for (const importedUrl of valueSetUrls) {
        valueSets.push(await resolveWithin(q, tenantId, importedUrl, known, nested));
      }
      return { ...rule, valueSets };
    };
    const includes = [];
    for (const rule of compose.includes) {
      includes.push(await compile(rule));
    }
    const excludes = [];
    for (const rule of compose.excludes) {
      excludes.push(await compile(rule));
    }
    return { url, includes, excludes };
  })();
  known.set(url, resolving);
  return resolving;
}
