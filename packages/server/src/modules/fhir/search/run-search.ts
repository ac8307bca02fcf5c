import { badRequest, OutcomeError } from '@caregraph/core/fhir';
import type { Queryable } from '../../../platform/db/index.ts';
import type { AccessFilter } from '../../access/index.ts';
import { buildRecordSearch, buildSortKeys, buildWhere, orderByClause, SqlParams } from './build-sql.ts';
import { tryFieldEncryptionOf, type BlindIndex } from '../../encryption/index.ts';
import { tryBlindIndexFor } from '../store/sealed-fields.ts';
import { usesBlindIndex } from './blind-index-use.ts';
import { keysetCondition, type Cursor, type SortKey } from './paging.ts';
import { parseSearchQuery, type SearchQuery } from './parse-query.ts';
import { searchStatement } from './statement-names.ts';

/** One matching resource, as raw JSON text straight from the database. */
export type SearchMatch = { resourceType: string; id: string; text: string; keys: Array<string | null> };

/** A page of matches, and cursors to the pages around it. */
export type SearchPage = {
  query: SearchQuery;
  matches: SearchMatch[];
  /** Where the next page starts, when there is one. */
  next: Cursor | undefined;
  /** Where the previous page ends, when there is one. */
  previous: Cursor | undefined;
  total: number | undefined;
};

/** A search to run: its tenant, base URL (for references) and query, and the caller's access filter if any. */
export type SearchOptions = {
  tenantId: string;
  baseUrl: string;
  query: SearchQuery;
  /** The access filter hook (modules/access): only resources the caller may see match. */
  access?: AccessFilter | undefined;
};

type Row = { resource_type: string; id: string; text: string } & Record<`k${number}`, string | null>;

const cursorAt = (match: SearchMatch, direction: Cursor['direction']): Cursor => ({
  direction,
  keys: match.keys,
  id: match.id,
});

/** The planner's row estimate for the search: `_total=estimate` without counting. */
async function estimateTotal(q: Queryable, where: string, params: SqlParams): Promise<number> {
  const { rows } = await q.query<{ 'QUERY PLAN': unknown }>(
    `EXPLAIN (FORMAT JSON) SELECT 1 FROM resource r WHERE ${where}`,
    params.values,
  );
  const plan: unknown = rows[0]?.['QUERY PLAN'];
  const parsed = (typeof plan === 'string' ? JSON.parse(plan) : plan) as Array<{ Plan: { 'Plan Rows': number } }>;
  return Math.round(parsed[0]?.Plan['Plan Rows'] ?? 0);
}

/** The page's SQL and parameters, and the sort keys its `k0…` columns hold. */
type PageSql = { sql: string; values: unknown[]; keys: SortKey[] };

/**
 * The page of a search pinned to a few records (see `buildRecordSearch`): ids are matched, sorted
 * and cut to the page before the resource rows of that page alone are read. Deleted resources have
 * no index rows, so the ids are live ones; the join checks it anyway.
 */
function recordPageSql(options: SearchOptions, blindIndex: BlindIndex | undefined): PageSql | undefined {
  const { query } = options;
  const params = new SqlParams(blindIndex);
  const search = buildRecordSearch(query, options.tenantId, options.baseUrl, params, options.access);
  if (!search) {
    return undefined;
  }
  const { keys } = search;
  const cursor = query.cursor;
  const backwards = cursor?.direction === 'before';
  const keyset = cursor ? `AND ${keysetCondition(keys, 'm.id', cursor, (value) => params.add(value))}` : '';
  const sorted = keys.map((key, index) => ({ ...key, expression: `s${index}` }));
  const outer = keys.map((key, index) => ({ ...key, expression: `m.s${index}` }));
  const sql = `SELECT r.resource_type, r.id, r.content::text AS text${keys.map((_, index) => `, m.s${index}::text AS k${index}`).join('')}
    FROM (SELECT m.id${keys.map((key, index) => `, ${key.expression} AS s${index}`).join('')} FROM ${search.from}
      WHERE ${search.where} ${keyset} GROUP BY m.id
      ORDER BY ${orderByClause(sorted, backwards, 'm.id')} LIMIT ${params.add(query.count + 1)} OFFSET ${params.add(query.offset)}) m
    JOIN resource r ON r.tenant_id = ${search.tenant} AND r.resource_type = ${search.type} AND r.id = m.id AND NOT r.deleted
    ORDER BY ${orderByClause(outer, backwards, 'm.id')}`;
  return { sql, values: params.values, keys };
}

/** The page over the resource table, for searches the index tables cannot answer alone. */
function resourcePageSql(query: SearchQuery, where: string, params: SqlParams): PageSql {
  const keys = buildSortKeys(query, params);
  const cursor = query.cursor;
  const backwards = cursor?.direction === 'before';
  const keyset = cursor ? `AND ${keysetCondition(keys, 'r.id', cursor, (value) => params.add(value))}` : '';
  const keyColumns = keys.map((key, index) => `, (${key.expression})::text AS k${index}`).join('');
  const limit = params.add(query.count + 1);
  const offset = params.add(query.offset);
  const sql = `SELECT r.resource_type, r.id, r.content::text AS text${keyColumns} FROM resource r
     WHERE ${where} ${keyset} ORDER BY ${orderByClause(keys, backwards)} LIMIT ${limit} OFFSET ${offset}`;
  return { sql, values: params.values, keys };
}

/** The WHERE clause over the resource table (alias `r`) and its parameters, so far. */
function resourceWhere(options: SearchOptions, blindIndex: BlindIndex | undefined) {
  const params = new SqlParams(blindIndex);
  return { where: buildWhere(options.query, options.tenantId, options.baseUrl, params, options.access), params };
}

/** Reads one page (one row more than asked, to tell whether another follows). */
async function readPage(
  q: Queryable,
  options: SearchOptions,
  blindIndex: BlindIndex | undefined,
): Promise<{ rows: Row[]; keys: SortKey[] }> {
  const record = recordPageSql(options, blindIndex);
  if (record) {
    // Prepared: the work is bounded by the records' size whatever the values. Other criteria are
    // checked per id; a generic plan cannot tell a common value from a rare one and may probe the
    // value index instead of the owner index, so the token and reference value indexes key on the
    // resource id right after the value (migration 0016) and that probe is one descent too (before
    // it, 2 s instead of 5 ms at 1M resources for a patient's Observations by code and date).
    const { rows } = await q.query<Row>(record.sql, record.values, searchStatement(record.sql));
    return { rows, keys: record.keys };
  }
  // Not prepared: the best plan depends on how many rows each value has, which only a plan made
  // for the values knows (a search by a common code sorted by id reads the resources in id order).
  const { where, params } = resourceWhere(options, blindIndex);
  const page = resourcePageSql(options.query, where, params);
  const { rows } = await q.query<Row>(page.sql, page.values);
  return { rows, keys: page.keys };
}

/**
 * Runs a parsed search in a tenant: one page in `_sort` order (then id), continuing from the
 * query's cursor. The page is read with one extra row to know whether another follows.
 */
export async function runSearch(q: Queryable, options: SearchOptions): Promise<SearchPage> {
  const { tenantId, query } = options;
  // Sealed identifiers are searched by their blind-index tokens (modules/encryption); the tenant's
  // key is read only when a criterion can name one.
  const sealedSystems = tryFieldEncryptionOf(q)?.policy.identifierSystems;
  const blindIndex =
    sealedSystems && usesBlindIndex(query.criteria, sealedSystems) ? await tryBlindIndexFor(q, tenantId) : undefined;
  let total: number | undefined;
  if (query.total === 'accurate' || query.summary === 'count') {
    const { where, params } = resourceWhere(options, blindIndex);
    const counted = await q.query<{ total: number }>(
      `SELECT count(*)::int AS total FROM resource r WHERE ${where}`,
      params.values,
    );
    total = counted.rows[0]?.total ?? 0;
  } else if (query.total === 'estimate') {
    const { where, params } = resourceWhere(options, blindIndex);
    total = await estimateTotal(q, where, params);
  }
  if (query.summary === 'count' || query.count === 0) {
    return { query, matches: [], next: undefined, previous: undefined, total };
  }
  const { rows, keys } = await readPage(q, options, blindIndex);
  const cursor = query.cursor;
  const backwards = cursor?.direction === 'before';
  const hasMore = rows.length > query.count;
  const page = rows.slice(0, query.count).map((row): SearchMatch => ({
    resourceType: row.resource_type,
    id: row.id,
    text: row.text,
    keys: keys.map((_, index) => row[`k${index}`] ?? null),
  }));
  if (backwards) {
    page.reverse();
  }
  const first = page[0];
  const last = page.at(-1);
  // Going forwards, a previous page exists when we started from a cursor or an offset; going
  // backwards, a next page exists (the one the client came from) and a previous one when rows remain.
  const next = last && (backwards || hasMore) ? cursorAt(last, 'after') : undefined;
  const previous =
    first && (backwards ? hasMore : cursor !== undefined || query.offset > 0) ? cursorAt(first, 'before') : undefined;
  return { query, matches: page, next, previous, total };
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
  if (query.criteria.length === 0) {
    // Empty values are ignored by search, so `identifier=` would otherwise match every resource.
    throw new OutcomeError(
      badRequest(`Conditional criteria "${options.queryString}" select nothing: every value is empty`),
    );
  }
  query.count = options.limit;
  query.total = 'none';
  const page = await runSearch(q, { tenantId: options.tenantId, baseUrl: options.baseUrl, query });
  return page.matches.map((match) => match.id);
}
