import type { Queryable } from '../../../platform/db/index.ts';
import { buildOrderBy, buildWhere, SqlParams } from './build-sql.ts';
import { tryGetSearchParam } from './definitions.ts';
import { parseSearchQuery, type SearchQuery } from './parse-query.ts';

/** A page of matches, as raw JSON text straight from the database. */
export type SearchPage = {
  query: SearchQuery;
  matches: Array<{ id: string; text: string }>;
  /** True when another page follows. */
  hasMore: boolean;
  total: number | undefined;
};

/** Runs a parsed search in a tenant. */
export async function runSearch(
  q: Queryable,
  options: { tenantId: string; baseUrl: string; query: SearchQuery },
): Promise<SearchPage> {
  const { tenantId, baseUrl, query } = options;
  const params = new SqlParams();
  const where = buildWhere(query, tenantId, baseUrl, params);
  let total: number | undefined;
  if (query.total !== 'none' || query.summaryCount) {
    const counted = await q.query<{ total: number }>(
      `SELECT count(*)::int AS total FROM resource r WHERE ${where}`,
      params.values,
    );
    total = counted.rows[0]?.total ?? 0;
  }
  if (query.summaryCount || query.count === 0) {
    return { query, matches: [], hasMore: false, total };
  }
  const orderBy = buildOrderBy(query, params, (code) => tryGetSearchParam(query.resourceType, code)?.type);
  // Fetch one extra row to know whether a next page exists without counting.
  const limit = params.add(query.count + 1);
  const offset = params.add(query.offset);
  const { rows } = await q.query<{ id: string; text: string }>(
    `SELECT r.id, r.content::text AS text FROM resource r WHERE ${where} ORDER BY ${orderBy} LIMIT ${limit} OFFSET ${offset}`,
    params.values,
  );
  return { query, matches: rows.slice(0, query.count), hasMore: rows.length > query.count, total };
}

/**
 * Ids of live resources matching a conditional query string (`identifier=x|y`), at most `limit`.
 * Used by conditional create/update/delete and conditional references.
 */
export async function findMatchingIds(
  q: Queryable,
  options: { tenantId: string; baseUrl: string; resourceType: string; queryString: string; limit: number },
): Promise<string[]> {
  const params = [...new URLSearchParams(options.queryString).entries()];
  const query = parseSearchQuery(options.resourceType, params, false);
  query.count = options.limit;
  query.total = 'none';
  const page = await runSearch(q, { tenantId: options.tenantId, baseUrl: options.baseUrl, query });
  return page.matches.map((match) => match.id);
}
