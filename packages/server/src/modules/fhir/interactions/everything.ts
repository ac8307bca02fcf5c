import { badRequest, gone, notFound, OutcomeError } from '@caregraph/core/fhir';
import type { Queryable } from '../../../platform/db/index.ts';
import {
  careDateParam,
  compartmentParams,
  compartmentResourceTypes,
  type CompartmentType,
} from '../search/compartments.ts';
import { toDateRange } from '../search/date-range.ts';
import { isKnownResourceType } from '../validation/index.ts';
import { readContext, type FhirRepo, type FhirResponse } from './types.ts';

const DEFAULT_COUNT = 100;
const MAX_COUNT = 1000;
const CURSOR = '_cursor';

/** The IN parameters of Patient-everything and Encounter-everything in R4 (Encounter has no care dates). */
const OPERATION_PARAMETERS: Record<CompartmentType, Set<string>> = {
  Patient: new Set(['start', 'end', '_since', '_type', '_count', CURSOR]),
  Encounter: new Set(['_since', '_type', '_count', CURSOR]),
};
// Accepted everywhere and ignored: the response is always JSON.
const FORMAT_PARAMETERS = new Set(['_format', '_pretty']);

type ResourceKey = [resourceType: string, id: string];

/**
 * Where a page starts: after a key (the first page has none) or before one, for `previous`
 * links; `before` without a key is the last page. Keys are (resource_type, id), so a resource
 * created between two page fetches lands on one page or another but never shifts the rest.
 */
type Cursor = { direction: 'after'; key?: ResourceKey } | { direction: 'before'; key?: ResourceKey };

type EverythingParameters = {
  /** The care-date window as an inclusive instant range; either end may be open. */
  start: string | undefined;
  end: string | undefined;
  since: string | undefined;
  types: Set<string> | undefined;
  count: number;
  cursor: Cursor;
  /** The validated parameters, without `_cursor`, for building links. */
  linkParams: Array<[string, string]>;
};

function invalid(text: string, expression: string): never {
  throw new OutcomeError(badRequest(text, expression));
}

function encodeCursor(cursor: Cursor): string {
  const payload = cursor.direction === 'after' ? { a: cursor.key } : { b: cursor.key ?? null };
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return invalid(`Invalid ${CURSOR} "${text}"`, CURSOR);
  }
  const isKey = (value: unknown): value is ResourceKey =>
    Array.isArray(value) && value.length === 2 && value.every((part) => typeof part === 'string');
  const { a, b } = (typeof payload === 'object' && payload !== null ? payload : {}) as { a?: unknown; b?: unknown };
  if (isKey(a)) {
    return { direction: 'after', key: a };
  }
  if (isKey(b) || b === null) {
    return { direction: 'before', ...(b ? { key: b } : {}) };
  }
  return invalid(`Invalid ${CURSOR} "${text}"`, CURSOR);
}

/** Reads `Parameters.parameter[]` as name/value pairs; each part needs a primitive `value[x]`. */
function readParametersBody(body: unknown): Array<[string, string]> {
  if (body === undefined || body === null || body === '') {
    return [];
  }
  const parameters = body as { resourceType?: unknown; parameter?: unknown };
  if (typeof body !== 'object' || parameters.resourceType !== 'Parameters') {
    return invalid('The body of $everything must be a Parameters resource', 'Parameters');
  }
  const parts = Array.isArray(parameters.parameter) ? (parameters.parameter as Array<Record<string, unknown>>) : [];
  return parts.map((part, index): [string, string] => {
    const name = typeof part.name === 'string' ? part.name : '';
    const valueKey = Object.keys(part).find((key) => key.startsWith('value'));
    const value = valueKey === undefined ? undefined : part[valueKey];
    if (!name || !['string', 'number', 'boolean'].includes(typeof value)) {
      return invalid(`Parameter "${name}" needs a primitive value`, `Parameters.parameter[${index}]`);
    }
    return [name, String(value)];
  });
}

function readDate(name: string, value: string, bound: 'low' | 'high'): string {
  const range = toDateRange(value);
  return range ? range[bound] : invalid(`Invalid ${name} "${value}": a date is required`, name);
}

/** Validates the operation's parameters; a 400 names every unknown one. */
export function readEverythingParameters(
  compartment: CompartmentType,
  params: Array<[string, string]>,
): EverythingParameters {
  const allowed = OPERATION_PARAMETERS[compartment];
  const unknown = params.map(([name]) => name).filter((name) => !allowed.has(name) && !FORMAT_PARAMETERS.has(name));
  if (unknown.length > 0) {
    const names = [...new Set(unknown)];
    throw new OutcomeError(
      badRequest(`Unknown ${compartment} $everything parameter(s): ${names.map((n) => `"${n}"`).join(', ')}`, names),
    );
  }
  const result: EverythingParameters = {
    start: undefined,
    end: undefined,
    since: undefined,
    types: undefined,
    count: DEFAULT_COUNT,
    cursor: { direction: 'after' },
    linkParams: params.filter(([name]) => name !== CURSOR),
  };
  for (const [name, value] of params) {
    if (name === 'start') {
      result.start = readDate(name, value, 'low');
    } else if (name === 'end') {
      result.end = readDate(name, value, 'high');
    } else if (name === '_since') {
      // An instant: to the second at least, with a time zone (R4 §2.24.0.1 instant).
      const range = /T\d{2}:\d{2}:\d{2}.*(Z|[+-]\d{2}:\d{2})$/.test(value) ? toDateRange(value) : undefined;
      result.since = range ? range.low : invalid(`Invalid _since "${value}": an instant is required`, name);
    } else if (name === '_type') {
      for (const type of value.split(',').map((part) => part.trim())) {
        if (!isKnownResourceType(type)) {
          invalid(`Invalid _type "${value}": unknown resource type "${type}"`, name);
        }
        (result.types ??= new Set()).add(type);
      }
    } else if (name === '_count') {
      const count = /^\d{1,9}$/.test(value) ? Number(value) : 0;
      result.count = count >= 1 ? Math.min(count, MAX_COUNT) : invalid(`Invalid _count "${value}"`, name);
    } else if (name === CURSOR) {
      result.cursor = decodeCursor(value);
    }
  }
  if (result.start && result.end && result.start > result.end) {
    invalid('start must not be after end', 'start');
  }
  return result;
}

/** The pieces of SQL every page query shares: which resources are in the compartment, filtered. */
type Scope = { tenantId: string; focal: ResourceKey; compartment: CompartmentType; parameters: EverythingParameters };

class Params {
  readonly values: unknown[] = [];
  add(value: unknown, cast = ''): string {
    this.values.push(value);
    return `$${this.values.length}${cast}`;
  }
}

/**
 * Keys of the compartment's resources past `bound`, in key order. Members are found through the
 * reverse reference index (tenant, target type, target id) restricted to the compartment's
 * (type, parameter) links; each candidate is then checked by primary key (live, `_since`) and by
 * the date index's owner columns (care date), so no query scans a table.
 */
function memberKeysSql(
  scope: Scope,
  params: Params,
  window: { bound: { op: '>' | '<' | '>=' | '<='; key: ResourceKey } | undefined; descending: boolean; limit: number },
): string | undefined {
  const { parameters, compartment } = scope;
  const isAllowed = (type: string) => parameters.types?.has(type) ?? true;
  const types = compartmentResourceTypes(compartment).filter(isAllowed);
  const links = types.flatMap((type) => compartmentParams(compartment, type).map((code) => `${type}:${code}`));
  const [focalType, focalId] = scope.focal;
  const tenant = params.add(scope.tenantId);
  const focalTypeParam = params.add(focalType);
  const focalIdParam = params.add(focalId);
  const sources: string[] = [];
  if (links.length > 0) {
    sources.push(`SELECT DISTINCT sr.resource_type, sr.resource_id AS id FROM search_reference sr
      WHERE sr.tenant_id = ${tenant} AND sr.target_type = ${focalTypeParam} AND sr.target_id = ${focalIdParam}
        AND sr.resource_type || ':' || sr.code = ANY(${params.add(links, '::text[]')})
        AND NOT (sr.resource_type = ${focalTypeParam} AND sr.resource_id = ${focalIdParam})`);
  }
  if (isAllowed(focalType)) {
    sources.push(`SELECT ${focalTypeParam}::text, ${focalIdParam}::text`);
  }
  if (sources.length === 0) {
    return undefined;
  }
  const isFocal = `(m.resource_type = ${focalTypeParam} AND m.id = ${focalIdParam})`;
  const conditions = ['NOT r.deleted'];
  const { bound } = window;
  if (bound) {
    conditions.push(`(m.resource_type, m.id) ${bound.op} (${params.add(bound.key[0])}, ${params.add(bound.key[1])})`);
  }
  if (parameters.since) {
    conditions.push(`(r.last_updated >= ${params.add(parameters.since, '::timestamptz')} OR ${isFocal})`);
  }
  if (parameters.start || parameters.end) {
    const dateKeys = types.flatMap((type) => {
      const code = careDateParam(type);
      return code ? [`${type}:${code}`] : [];
    });
    const ownDates = `FROM search_date d WHERE d.resource_id = m.id AND d.tenant_id = ${tenant}
      AND d.resource_type = m.resource_type AND d.resource_type || ':' || d.code = ANY(${params.add(dateKeys, '::text[]')})`;
    const overlaps = [
      parameters.start ? `d.high >= ${params.add(parameters.start, '::timestamptz')}` : 'true',
      parameters.end ? `d.low <= ${params.add(parameters.end, '::timestamptz')}` : 'true',
    ];
    // Excluded only when the resource has a care date and every one lies outside the window.
    conditions.push(
      `(${isFocal} OR NOT EXISTS (SELECT 1 ${ownDates}) OR EXISTS (SELECT 1 ${ownDates} AND ${overlaps.join(' AND ')}))`,
    );
  }
  const order = window.descending ? 'DESC' : 'ASC';
  return `SELECT m.resource_type, m.id
    FROM (${sources.join(' UNION ALL ')}) m
    JOIN resource r ON r.tenant_id = ${tenant} AND r.resource_type = m.resource_type AND r.id = m.id
    WHERE ${conditions.join(' AND ')}
    ORDER BY m.resource_type ${order}, m.id ${order}
    LIMIT ${params.add(window.limit)}`;
}

type PageResource = { resourceType: string; id: string; text: string };

/** One page of compartment members with their stored JSON, plus whether pages exist either side. */
async function readMembers(
  q: Queryable,
  scope: Scope,
): Promise<{ members: PageResource[]; hasNext: boolean; hasPrevious: boolean }> {
  const { cursor, count } = scope.parameters;
  const descending = cursor.direction === 'before';
  const bound = cursor.key ? { op: descending ? ('<' as const) : ('>' as const), key: cursor.key } : undefined;
  const params = new Params();
  const keys = memberKeysSql(scope, params, { bound, descending, limit: count + 1 });
  if (!keys) {
    return { members: [], hasNext: false, hasPrevious: false };
  }
  // The page's keys are chosen first, so only its own resources are turned into text.
  const { rows } = await q.query<{ resource_type: string; id: string; text: string }>(
    `SELECT k.resource_type, k.id, r.content::text AS text FROM (${keys}) k
     JOIN resource r ON r.tenant_id = $1 AND r.resource_type = k.resource_type AND r.id = k.id
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
  const pageKeys = params.add(
    members.map((member) => `${member.resourceType}/${member.id}`),
    '::text[]',
  );
  const links = compartmentResourceTypes(compartment).flatMap((type) =>
    compartmentParams(compartment, type).map((code) => `${type}:${code}`),
  );
  const typeFilter = parameters.types ? `AND r.resource_type = ANY(${params.add([...parameters.types], '::text[]')})` : '';
  const { rows } = await q.query<{ resource_type: string; id: string; text: string }>(
    `SELECT r.resource_type, r.id, r.content::text AS text FROM resource r
     WHERE r.tenant_id = ${tenant} AND NOT r.deleted
       AND (r.resource_type, r.id) IN (
         SELECT sr.target_type, sr.target_id FROM search_reference sr
         WHERE sr.resource_id = ANY(${params.add(
           members.map((member) => member.id),
           '::text[]',
         )}) AND sr.tenant_id = ${tenant}
           AND sr.resource_type || '/' || sr.resource_id = ANY(${pageKeys}))
       AND r.resource_type || '/' || r.id <> ALL(${pageKeys})
       AND NOT (r.resource_type = ${focalType} AND r.id = ${focalId})
       ${typeFilter}
       AND NOT EXISTS (SELECT 1 FROM search_reference c
         WHERE c.resource_id = r.id AND c.tenant_id = ${tenant} AND c.resource_type = r.resource_type
           AND c.target_type = ${focalType} AND c.target_id = ${focalId}
           AND c.resource_type || ':' || c.code = ANY(${params.add(links, '::text[]')}))
     ORDER BY r.resource_type, r.id`,
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
function buildBundle(repo: FhirRepo, links: Array<{ relation: string; url: string }>, members: PageResource[], supporting: PageResource[]) {
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
  const links = [{ relation: 'self', url: pageUrl(repo, scope, parameters.cursor.key || parameters.cursor.direction === 'before' ? parameters.cursor : undefined) }];
  if (hasNext) {
    links.push({ relation: 'next', url: pageUrl(repo, scope, last ? { direction: 'after', key: [last.resourceType, last.id] } : undefined) });
  }
  if (hasPrevious) {
    links.push({ relation: 'previous', url: pageUrl(repo, scope, { direction: 'before', ...(first ? { key: [first.resourceType, first.id] } : {}) }) });
  }
  return { status: 200, body: buildBundle(repo, links, members, supporting) };
}
