import { gone, notFound, OutcomeError } from '@caregraph/core/fhir';
import type { Queryable } from '../../../platform/db/index.ts';
import {
  careDateParam,
  compartmentParams,
  compartmentResourceTypes,
  type CompartmentType,
} from '../search/compartments.ts';
import { readByKeysSql } from '../search/includes.ts';
import {
  CURSOR,
  encodeCursor,
  readEverythingParameters,
  readParametersBody,
  type Cursor,
  type EverythingParameters,
  type MemberKey,
} from './everything-parameters.ts';
import { readContext, type FhirRepo, type FhirResponse } from './types.ts';

// Every reference of a full page of 1,000 resources to a distinct resource would still fit.
const MAX_SUPPORTING = 50_000;

/** The pieces of SQL every page query shares: which resources are in the compartment, filtered. */
type Scope = { tenantId: string; focal: MemberKey; compartment: CompartmentType; parameters: EverythingParameters };

class Params {
  readonly values: unknown[] = [];
  add(value: unknown, cast = ''): string {
    this.values.push(value);
    return `$${this.values.length}${cast}`;
  }
}

type KeyWindow = {
  bound: { op: '>' | '<' | '>=' | '<='; key: MemberKey } | undefined;
  descending: boolean;
  limit: number;
};

/**
 * SQL for the keys of up to `limit` compartment resources past the window's bound, in key order.
 *
 * Members come from the reverse reference index (tenant, target type, target id), kept to the
 * compartment's (type, parameter) links: one index probe for the whole compartment. Only live
 * versions have index rows (a delete removes them in its transaction), so without `_since` the
 * resource table is not read to choose a page: the keys are sorted, then the care-date check
 * (through the date index's owner columns) runs row by row until the page is full. The focal
 * resource is merged in afterwards, as it is in the compartment by definition.
 */
function memberKeysSql(scope: Scope, params: Params, window: KeyWindow): string | undefined {
  const { parameters, compartment } = scope;
  const isAllowed = (type: string) => parameters.types?.has(type) ?? true;
  const types = compartmentResourceTypes(compartment).filter(isAllowed);
  const links = types.flatMap((type) => compartmentParams(compartment, type).map((code) => `${type}:${code}`));
  const [focalType, focalId] = scope.focal;
  const tenant = params.add(scope.tenantId);
  const focalTypeParam = params.add(focalType);
  const focalIdParam = params.add(focalId);
  const { bound } = window;
  const boundKey = bound ? `(${params.add(bound.key[0])}, ${params.add(bound.key[1])})` : '';
  const order = window.descending ? 'DESC' : 'ASC';
  const limit = params.add(window.limit);
  const selects: string[] = [];
  if (links.length > 0) {
    const memberConditions = [
      `sr.tenant_id = ${tenant}`,
      `sr.target_type = ${focalTypeParam}`,
      `sr.target_id = ${focalIdParam}`,
      `sr.resource_type || ':' || sr.code = ANY(${params.add(links, '::text[]')})`,
      `NOT (sr.resource_type = ${focalTypeParam} AND sr.resource_id = ${focalIdParam})`,
      ...(bound ? [`(sr.resource_type, sr.resource_id) ${bound.op} ${boundKey}`] : []),
    ];
    const filters: string[] = [];
    let join = '';
    if (parameters.since) {
      join = `JOIN resource r ON r.tenant_id = ${tenant} AND r.resource_type = m.resource_type AND r.id = m.id`;
      filters.push('NOT r.deleted', `r.last_updated >= ${params.add(parameters.since, '::timestamptz')}`);
    }
    if (parameters.start || parameters.end) {
      filters.push(careDateFilter(scope, params, types, tenant));
    }
    selects.push(`(SELECT m.resource_type, m.id
      FROM (SELECT DISTINCT sr.resource_type, sr.resource_id AS id FROM search_reference sr
            WHERE ${memberConditions.join(' AND ')}) m
      ${join}
      ${filters.length > 0 ? `WHERE ${filters.join(' AND ')}` : ''}
      ORDER BY m.resource_type ${order}, m.id ${order} LIMIT ${limit})`);
  }
  if (isAllowed(focalType)) {
    const focalBound = bound ? `WHERE (${focalTypeParam}::text, ${focalIdParam}::text) ${bound.op} ${boundKey}` : '';
    selects.push(`SELECT ${focalTypeParam}::text AS resource_type, ${focalIdParam}::text AS id ${focalBound}`);
  }
  if (selects.length === 0) {
    return undefined;
  }
  // The first `limit` of the members and the focal resource together, in the same order.
  return `SELECT u.resource_type, u.id FROM (${selects.join(' UNION ALL ')}) u
    ORDER BY u.resource_type ${order}, u.id ${order} LIMIT ${limit}`;
}

/**
 * Keeps a member unless it has a care date (its type's `careDateParam`) and every such date lies
 * wholly outside [start, end]: R4 leaves undated records in scope.
 */
function careDateFilter(scope: Scope, params: Params, types: string[], tenant: string): string {
  const { start, end } = scope.parameters;
  const dateKeys = types.flatMap((type) => {
    const code = careDateParam(type);
    return code ? [`${type}:${code}`] : [];
  });
  const ownDates = `FROM search_date d WHERE d.resource_id = m.id AND d.tenant_id = ${tenant}
    AND d.resource_type = m.resource_type AND d.resource_type || ':' || d.code = ANY(${params.add(dateKeys, '::text[]')})`;
  const overlaps = [
    start ? `d.high >= ${params.add(start, '::timestamptz')}` : undefined,
    end ? `d.low <= ${params.add(end, '::timestamptz')}` : undefined,
  ].filter((condition) => condition !== undefined);
  return `(NOT EXISTS (SELECT 1 ${ownDates}) OR EXISTS (SELECT 1 ${ownDates} AND ${overlaps.join(' AND ')}))`;
}

type PageResource = { resourceType: string; id: string; text: string };

const keyOf = (resource: PageResource) => `${resource.resourceType}/${resource.id}`;

/** One page of compartment members with their stored JSON, plus whether pages exist either side. */
async function readMembers(
  q: Queryable,
  scope: Scope,
): Promise<{ members: PageResource[]; hasNext: boolean; hasPrevious: boolean }> {
  const { count } = scope.parameters;
  const cursor = scope.parameters.cursor ?? { direction: 'after' };
  const descending = cursor.direction === 'before';
  const bound = cursor.key ? { op: descending ? ('<' as const) : ('>' as const), key: cursor.key } : undefined;
  const params = new Params();
  const keys = memberKeysSql(scope, params, { bound, descending, limit: count + 1 });
  if (!keys) {
    return { members: [], hasNext: false, hasPrevious: false };
  }
  // The page's keys are chosen first, so only its own resources are read and turned into text;
  // `$1` is the tenant, the first parameter memberKeysSql adds.
  const { rows } = await q.query<{ resource_type: string; id: string; text: string }>(
    `SELECT k.resource_type, k.id, r.content::text AS text FROM (${keys}) k
     JOIN resource r ON r.tenant_id = $1 AND r.resource_type = k.resource_type AND r.id = k.id
     WHERE NOT r.deleted
     ORDER BY k.resource_type, k.id`,
    params.values,
  );
  const isFull = rows.length > count;
  // One row past the page tells whether more follow; descending, it is the smallest key.
  const page = isFull ? (descending ? rows.slice(1) : rows.slice(0, count)) : rows;
  const members = page.map((row) => ({ resourceType: row.resource_type, id: row.id, text: row.text }));
  // The other side of the cursor: anything at or before an `after` key, at or after a `before` key.
  let hasOtherSide = false;
  if (cursor.key) {
    const check = new Params();
    const other = memberKeysSql(scope, check, {
      bound: { op: descending ? '>=' : '<=', key: cursor.key },
      descending: !descending,
      limit: 1,
    });
    hasOtherSide = other !== undefined && (await q.query(other, check.values)).rows.length > 0;
  }
  return descending
    ? { members, hasNext: hasOtherSide, hasPrevious: isFull }
    : { members, hasNext: isFull, hasPrevious: hasOtherSide };
}

/**
 * The resources the page's members reference that are not in the compartment themselves
 * (practitioners, organizations, locations, medications…): R4 asks $everything for "whatever
 * resources are needed to support the records". Compartment members are left out because they
 * come as matches on their own page; `_type` applies to these too.
 */
async function readSupporting(q: Queryable, scope: Scope, members: PageResource[]): Promise<PageResource[]> {
  if (members.length === 0) {
    return [];
  }
  const { compartment, parameters } = scope;
  const params = new Params();
  const tenant = params.add(scope.tenantId);
  const focalType = params.add(scope.focal[0]);
  const focalId = params.add(scope.focal[1]);
  const links = compartmentResourceTypes(compartment).flatMap((type) =>
    compartmentParams(compartment, type).map((code) => `${type}:${code}`),
  );
  const conditions = [
    `sr.resource_id = ANY(${params.add(
      members.map((member) => member.id),
      '::text[]',
    )})`,
    `sr.tenant_id = ${tenant}`,
    `sr.resource_type || '/' || sr.resource_id = ANY(${params.add(members.map(keyOf), '::text[]')})`,
    `NOT (sr.target_type = ${focalType} AND sr.target_id = ${focalId})`,
    ...(parameters.types ? [`sr.target_type = ANY(${params.add([...parameters.types], '::text[]')})`] : []),
    // In the compartment: a match of its own page, this one or another.
    `NOT EXISTS (SELECT 1 FROM search_reference c
       WHERE c.resource_id = sr.target_id AND c.tenant_id = ${tenant} AND c.resource_type = sr.target_type
         AND c.target_type = ${focalType} AND c.target_id = ${focalId}
         AND c.resource_type || ':' || c.code = ANY(${params.add(links, '::text[]')}))`,
  ];
  const keys = `SELECT DISTINCT sr.target_type AS resource_type, sr.target_id AS id FROM search_reference sr
    WHERE ${conditions.join(' AND ')}`;
  // The page's own members reference each other (an Observation its Encounter): not included twice.
  const seen = params.add(members.map(keyOf), '::text[]');
  const { rows } = await q.query<{ resource_type: string; id: string; text: string }>(
    readByKeysSql(keys, tenant, seen, params.add(MAX_SUPPORTING)),
    params.values,
  );
  return rows.map((row) => ({ resourceType: row.resource_type, id: row.id, text: row.text }));
}

function pageUrl(repo: FhirRepo, scope: Scope, cursor: Cursor | undefined): string {
  const search = new URLSearchParams(scope.parameters.linkParams);
  if (cursor) {
    search.set(CURSOR, encodeCursor(cursor));
  }
  const text = search.toString();
  return `${repo.baseUrl}/${scope.focal[0]}/${scope.focal[1]}/$everything${text ? `?${text}` : ''}`;
}

/** The searchset as text around the stored JSON of each resource, as type-level search builds it. */
function buildBundle(
  repo: FhirRepo,
  links: Array<{ relation: string; url: string }>,
  members: PageResource[],
  supporting: PageResource[],
) {
  const entry = (resource: PageResource, mode: 'match' | 'include') =>
    `{"fullUrl":${JSON.stringify(`${repo.baseUrl}/${resource.resourceType}/${resource.id}`)},"resource":${resource.text},"search":{"mode":"${mode}"}}`;
  const entries = [
    ...members.map((resource) => entry(resource, 'match')),
    ...supporting.map((resource) => entry(resource, 'include')),
  ];
  return `{"resourceType":"Bundle","type":"searchset","link":${JSON.stringify(links)},"entry":[${entries.join(',')}]}`;
}

/**
 * `Patient/{id}/$everything` and `Encounter/{id}/$everything` (R4 patient-operation-everything,
 * encounter-operation-everything): the focal resource, every resource in its compartment, and the
 * resources those refer to, paged by (type, id) keys with an opaque `_cursor`. Parameters come
 * from the query string and, for POST, from a Parameters body.
 */
export async function everythingOperation(
  repo: FhirRepo,
  options: { compartment: CompartmentType; id: string; query: Array<[string, string]>; body?: unknown },
): Promise<FhirResponse> {
  const { compartment, id } = options;
  const parameters = readEverythingParameters(compartment, [...options.query, ...readParametersBody(options.body)]);
  const q = readContext(repo).tx;
  const { rows } = await q.query<{ deleted: boolean }>(
    'SELECT deleted FROM resource WHERE tenant_id = $1 AND resource_type = $2 AND id = $3',
    [repo.tenantId, compartment, id],
  );
  if (!rows[0]) {
    throw new OutcomeError(notFound(`${compartment}/${id} not found`));
  }
  if (rows[0].deleted) {
    throw new OutcomeError(gone(`${compartment}/${id} was deleted`));
  }
  const scope: Scope = { tenantId: repo.tenantId, focal: [compartment, id], compartment, parameters };
  const { members, hasNext, hasPrevious } = await readMembers(q, scope);
  const supporting = await readSupporting(q, scope, members);
  const first = members[0];
  const last = members.at(-1);
  const links = [
    {
      relation: 'self',
      url: pageUrl(repo, scope, parameters.cursor),
    },
  ];
  if (hasNext) {
    links.push({
      relation: 'next',
      url: pageUrl(repo, scope, last ? { direction: 'after', key: [last.resourceType, last.id] } : undefined),
    });
  }
  if (hasPrevious) {
    links.push({
      relation: 'previous',
      url: pageUrl(repo, scope, { direction: 'before', ...(first ? { key: [first.resourceType, first.id] } : {}) }),
    });
  }
  return { status: 200, body: buildBundle(repo, links, members, supporting) };
}
