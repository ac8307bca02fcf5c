import { badRequest, OutcomeError } from '@caregraph/core/fhir';
import type { Queryable } from '../../../platform/db/index.ts';
import type { AccessFilter } from '../../access/index.ts';
import { isKnownResourceType, listResourceTypes } from '../validation/index.ts';
import { buildAccessCondition } from './access-condition.ts';
import { SqlParams } from './value-conditions.ts';
import { getSearchParams, tryGetSearchParam } from './definitions.ts';
import { searchStatement } from './statement-names.ts';

/**
 * One `_include` or `_revinclude` (R4 §3.1.1.5.4). `_include=MedicationRequest:medication` has
 * sourceType MedicationRequest and code medication; `_revinclude=Provenance:target` has sourceType
 * Provenance. `*` as sourceType (the bare value `*`) means any type, `*` as code every reference
 * parameter of the source type.
 */
export type IncludeSpec = {
  reverse: boolean;
  sourceType: string;
  code: string;
  targetType: string | undefined;
  iterate: boolean;
};

/** A resource by type and id. */
export type ResourceKey = { resourceType: string; id: string };

/** An included resource with its stored JSON text. */
export type IncludedResource = ResourceKey & { text: string };

const WILDCARD = '*';

function invalidInclude(name: string, value: string, reason: string): never {
  throw new OutcomeError(badRequest(`Invalid ${name} "${value}": ${reason}`, name));
}

function referenceParams(resourceType: string) {
  return [...getSearchParams(resourceType).values()].filter((parameter) => parameter.type === 'reference');
}

/**
 * Parses an `_include` / `_revinclude` value: `Source:param`, `Source:param:Target`, `Source:*`
 * or `*`. The `iterate` modifier (and `recurse`, its name before R4) makes it apply to included
 * resources too. Throws a 400 naming the value when a type or parameter is unknown, the parameter
 * is not a reference, or it cannot point at the target type.
 */
export function parseInclude(
  name: '_include' | '_revinclude',
  modifier: string | undefined,
  value: string,
): IncludeSpec {
  const fail = (reason: string) => invalidInclude(name, value, reason);
  if (modifier !== undefined && modifier !== 'iterate' && modifier !== 'recurse') {
    fail(`unknown modifier ":${modifier}"`);
  }
  const iterate = modifier !== undefined;
  const reverse = name === '_revinclude';
  if (value === WILDCARD) {
    return { reverse, sourceType: WILDCARD, code: WILDCARD, targetType: undefined, iterate };
  }
  const parts = value.split(':');
  const [sourceType = '', code = '', targetType] = parts;
  if (parts.length < 2 || parts.length > 3 || code === '' || targetType === '') {
    fail('expected SourceType:parameter or SourceType:parameter:TargetType');
  }
  if (!isKnownResourceType(sourceType)) {
    fail(`unknown resource type "${sourceType}"`);
  }
  let targets: string[];
  if (code === WILDCARD) {
    targets = referenceParams(sourceType).flatMap((parameter) => parameter.targets);
  } else {
    const parameter = tryGetSearchParam(sourceType, code) ?? fail(`${sourceType} has no search parameter "${code}"`);
    if (parameter.type !== 'reference') {
      fail(`${sourceType}:${code} is not a reference parameter`);
    }
    targets = parameter.targets;
  }
  if (targetType !== undefined) {
    if (!isKnownResourceType(targetType)) {
      fail(`unknown resource type "${targetType}"`);
    }
    if (targets.length > 0 && !targets.includes(targetType)) {
      fail(`${sourceType}:${code} cannot refer to ${targetType}`);
    }
  }
  return { reverse, sourceType, code, targetType, iterate };
}

const keyOf = (resource: ResourceKey) => `${resource.resourceType}/${resource.id}`;

/** The parameter codes and target types a spec follows; undefined means "any". */
function specScope(spec: IncludeSpec): { codes: string[] | undefined; targetTypes: string[] | undefined } {
  if (spec.sourceType === WILDCARD) {
    return { codes: undefined, targetTypes: spec.targetType ? [spec.targetType] : undefined };
  }
  const parameters =
    spec.code === WILDCARD
      ? referenceParams(spec.sourceType)
      : [tryGetSearchParam(spec.sourceType, spec.code)].filter((parameter) => parameter !== undefined);
  const targets = parameters.flatMap((parameter) => parameter.targets);
  const anyTarget = targets.length === 0 || parameters.some((parameter) => parameter.targets.length === 0);
  return {
    codes: parameters.map((parameter) => parameter.code),
    targetTypes: spec.targetType ? [spec.targetType] : anyTarget ? undefined : [...new Set(targets)],
  };
}

/** Collects SQL parameters and hands out their `$n` placeholders. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown, cast = ''): string {
    this.values.push(value);
    return `$${this.values.length}${cast}`;
  }
}

/**
 * Reads the live resources whose keys `keysSql` selects (columns resource_type, id), leaving out
 * those already seen, in key order, at most `limit`. Each key is probed by primary key: the
 * `OFFSET 0` keeps the lateral subquery from being flattened into a join the planner could turn
 * into a hash join over the tenant's whole resource table when it misjudges the key count.
 */
export function readByKeysSql(
  keysSql: string,
  tenant: string,
  seen: string,
  limit: string,
  order = 'k.resource_type, k.id',
  accessCondition = '',
): string {
  return `SELECT r.resource_type, r.id, r.content::text AS text
    FROM (${keysSql}) k
    CROSS JOIN LATERAL (SELECT r.resource_type, r.id, r.content FROM resource r
      WHERE r.tenant_id = ${tenant} AND r.resource_type = k.resource_type AND r.id = k.id AND NOT r.deleted
      ${accessCondition ? `AND ${accessCondition}` : ''} OFFSET 0) r
    WHERE k.resource_type || '/' || k.id <> ALL(${seen})
    ORDER BY ${order} LIMIT ${limit}`;
}

/**
 * The keys (resource_type, id) one spec reaches from the frontier, as SQL. Forward specs follow
 * `search_reference` from the sources through the owner index (resource_id first); reverse specs
 * find referrers through the target index (tenant, type, code, target_id), or for `*` the reverse
 * index (tenant, target type, target id). Undefined when no frontier resource can take part.
 */
function specKeysSql(
  spec: IncludeSpec,
  options: { tenant: string; frontier: ResourceKey[]; params: Params },
): string | undefined {
  const { codes, targetTypes } = specScope(spec);
  const { params, frontier } = options;
  const conditions = [`sr.tenant_id = ${options.tenant}`];
  if (!spec.reverse) {
    const sources =
      spec.sourceType === WILDCARD
        ? frontier
        : frontier.filter((resource) => resource.resourceType === spec.sourceType);
    if (sources.length === 0) {
      return undefined;
    }
    conditions.unshift(
      `sr.resource_id = ANY(${params.add(
        sources.map((source) => source.id),
        '::text[]',
      )})`,
    );
    conditions.push(`sr.resource_type || '/' || sr.resource_id = ANY(${params.add(sources.map(keyOf), '::text[]')})`);
    if (codes) {
      conditions.push(`sr.code = ANY(${params.add(codes, '::text[]')})`);
    }
    if (targetTypes) {
      conditions.push(`sr.target_type = ANY(${params.add(targetTypes, '::text[]')})`);
    }
    return `SELECT DISTINCT sr.target_type AS resource_type, sr.target_id AS id FROM search_reference sr
      WHERE ${conditions.join(' AND ')}`;
  }
  const targets = targetTypes ? frontier.filter((resource) => targetTypes.includes(resource.resourceType)) : frontier;
  if (targets.length === 0) {
    return undefined;
  }
  if (spec.sourceType === WILDCARD) {
    const types = [...new Set(targets.map((target) => target.resourceType))];
    conditions.push(`sr.target_type = ANY(${params.add(types, '::text[]')})`);
  } else {
    conditions.push(
      `sr.resource_type = ${params.add(spec.sourceType)}`,
      `sr.code = ANY(${params.add(codes, '::text[]')})`,
    );
  }
  conditions.push(
    `sr.target_id = ANY(${params.add(
      targets.map((target) => target.id),
      '::text[]',
    )})`,
    `sr.target_type || '/' || sr.target_id = ANY(${params.add(targets.map(keyOf), '::text[]')})`,
  );
  return `SELECT DISTINCT sr.resource_type, sr.resource_id AS id FROM search_reference sr
      WHERE ${conditions.join(' AND ')}`;
}

/**
 * One query for a round of specs over the same frontier: the union of their keys (so a resource
 * two specs reach comes once), read in one round trip instead of one per spec. Resources already seen are left out in SQL
 * so LIMIT counts new ones.
 */
/** The types a round of specs can include: what forward specs point at, the sources of reverse ones. */
function includableTypes(specs: IncludeSpec[]): string[] {
  const types = new Set<string>();
  for (const spec of specs) {
    const candidates = spec.reverse
      ? spec.sourceType === WILDCARD
        ? undefined
        : [spec.sourceType]
      : specScope(spec).targetTypes;
    (candidates ?? listResourceTypes()).forEach((type) => types.add(type));
  }
  return [...types];
}

function buildRoundQuery(
  specs: IncludeSpec[],
  options: {
    tenantId: string;
    frontier: ResourceKey[];
    seen: string[];
    limit: number;
    access?: AccessFilter | undefined;
  },
): { sql: string; values: unknown[] } | undefined {
  const params = new Params();
  const tenant = params.add(options.tenantId);
  const keys = specs
    .map((spec) => specKeysSql(spec, { tenant, frontier: options.frontier, params }))
    .filter((sql) => sql !== undefined);
  if (keys.length === 0) {
    return undefined;
  }
  const seen = params.add(options.seen, '::text[]');
  const limit = params.add(options.limit);
  // --- access filter hook (modules/access): included resources are filtered like matches.
  // The condition's placeholders continue this query's numbering; its values join this query's.
  let access = '';
  if (options.access) {
    const accessParams = new SqlParams();
    accessParams.values.push(...params.values);
    const scope = { row: 'r', tenant, resourceTypes: includableTypes(specs) };
    access = buildAccessCondition(options.access, scope, 's', accessParams);
    params.values.push(...accessParams.values.slice(params.values.length));
  }
  const accessCondition = access === 'true' ? '' : access;
  // --- end of access filter hook
  if (keys.length === 1) {
    return {
      sql: readByKeysSql(keys[0] ?? '', tenant, seen, limit, undefined, accessCondition),
      values: params.values,
    };
  }
  // Earlier specs come first, so a result cut at the limit keeps what was asked for first.
  const union = keys
    .map((sql, index) => `SELECT ${index} AS spec, u${index}.* FROM (${sql}) u${index}`)
    .join(' UNION ALL ');
  const keysSql = `SELECT resource_type, id, min(spec) AS spec FROM (${union}) u GROUP BY resource_type, id`;
  const sql = readByKeysSql(keysSql, tenant, seen, limit, 'k.spec, k.resource_type, k.id', accessCondition);
  return { sql, values: params.values };
}

/**
 * Resolves `_include` and `_revinclude` for a page of matches. Every spec applies to the matches;
 * `iterate` specs then apply again to each round of newly included resources until a round finds
 * nothing new, so reference cycles end. No match is returned, nor any resource twice. At most
 * `limit` resources are returned; `truncated` tells that more would have been.
 */
export async function findIncludes(
  q: Queryable,
  options: {
    tenantId: string;
    matches: ResourceKey[];
    includes: IncludeSpec[];
    limit: number;
    /** The caller's access filter (modules/access): only resources it lets through are included. */
    access?: AccessFilter | undefined;
  },
): Promise<{ resources: IncludedResource[]; truncated: boolean }> {
  const seen = new Set(options.matches.map(keyOf));
  const resources: IncludedResource[] = [];
  let frontier: ResourceKey[] = options.matches;
  let specs = options.includes;
  while (frontier.length > 0 && specs.length > 0) {
    const remaining = options.limit - resources.length;
    // One row past the remaining room tells whether the result is cut short.
    const query = buildRoundQuery(specs, {
      tenantId: options.tenantId,
      frontier,
      seen: [...seen],
      limit: remaining + 1,
      access: options.access,
    });
    if (!query) {
      break;
    }
    // Prepared: the keys are arrays of ids, probed one by one whatever their values, so the search
    // runs the rounds with their generic plan (generic-plans.ts).
    const { rows } = await q.query<{ resource_type: string; id: string; text: string }>(
      query.sql,
      query.values,
      searchStatement(query.sql),
    );
    const found: ResourceKey[] = [];
    for (const row of rows.slice(0, remaining)) {
      const resource = { resourceType: row.resource_type, id: row.id, text: row.text };
      seen.add(keyOf(resource));
      resources.push(resource);
      found.push(resource);
    }
    if (rows.length > remaining) {
      return { resources, truncated: true };
    }
    frontier = found;
    specs = specs.filter((spec) => spec.iterate);
  }
  return { resources, truncated: false };
}
