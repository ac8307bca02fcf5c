import type { AccessFilter } from '../../access/index.ts';
import { buildAccessCondition } from './access-condition.ts';
import type { Criterion, ValueCriterion } from './criteria.ts';
import type { SearchParamDefinition } from './definitions.ts';
import { tryGetSearchParam } from './definitions.ts';
import { normalizeString } from '@caregraph/core';
import { IDENTIFIER_SUFFIX, OF_TYPE_SUFFIX, REFERENCED_PATIENT_SEVERAL, tokensCarryPatient } from './index-values.ts';
import type { SortKey } from './paging.ts';
import type { SearchQuery } from './parse-query.ts';
import { parseDateValue, splitUnescaped, unescapeValue } from './search-values.ts';
import { dateCondition, valueCondition, type ConditionContext, type SqlParams } from './value-conditions.ts';

export { dateCondition, halfPrecision, SqlParams } from './value-conditions.ts';

const INDEX_TABLE: Record<string, string> = {
  token: 'search_token',
  string: 'search_string',
  reference: 'search_reference',
  date: 'search_date',
  number: 'search_number',
  quantity: 'search_number',
  uri: 'search_uri',
  composite: 'search_composite',
};

/**
 * The resources a condition is about: alias `row` of the resource table, in one tenant, of one
 * type (`type`) or of several (`types`, an array placeholder, for system-level search).
 */
type Scope = { row: string; tenant: string; type: string } | { row: string; tenant: string; types: string };

type Ctx = ConditionContext & { depth: number };

/**
 * `row.id IN (SELECT … FROM table)` for an index table. Uncorrelated on purpose: the planner then
 * drives the search from the selective value index instead of probing every resource of the type.
 */
function inIndex(scope: Scope, table: string, code: string, condition: string, ctx: Ctx, x = 'x'): string {
  return `${ownedBy(scope, '', '').match} IN (${indexIds(scope, table, code, condition, ctx, x)})`;
}

/** The owners (ids, or type and id pairs) of the rows of an index table with one code and a condition. */
function indexIds(scope: Scope, table: string, code: string, condition: string, ctx: Ctx, x = 'x'): string {
  const { select, typeMatch } = ownedBy(scope, `${x}.resource_type`, `${x}.resource_id`);
  return `SELECT ${select} FROM ${table} ${x} WHERE ${typeMatch} AND ${x}.tenant_id = ${scope.tenant}
    AND ${x}.code = ${ctx.params.add(code)}${condition ? ` AND (${condition})` : ''}`;
}

/**
 * How rows of another table that name a resource by `(typeColumn, idColumn)` are matched to the
 * scope: `row.id IN (SELECT id …)` for one type, `(row.resource_type, row.id) IN (SELECT type, id …)`
 * for several, with the condition restricting those rows to the scope's type(s).
 */
function ownedBy(scope: Scope, typeColumn: string, idColumn: string) {
  return 'type' in scope
    ? { match: `${scope.row}.id`, select: idColumn, typeMatch: `${typeColumn} = ${scope.type}` }
    : {
        match: `(${scope.row}.resource_type, ${scope.row}.id)`,
        select: `${typeColumn}, ${idColumn}`,
        typeMatch: `${typeColumn} = ANY(${scope.types})`,
      };
}

/** Index table and code that answer a value criterion: some modifiers have rows of their own. */
function indexOf(criterion: ValueCriterion): { table: string; code: string } {
  const { parameter, modifier } = criterion;
  if (modifier === 'of-type') {
    return { table: 'search_token', code: `${parameter.code}${OF_TYPE_SUFFIX}` };
  }
  if (modifier === 'identifier') {
    return { table: 'search_token', code: `${parameter.code}${IDENTIFIER_SUFFIX}` };
  }
  return { table: INDEX_TABLE[parameter.type] ?? 'search_token', code: parameter.code };
}

/**
 * A composite value `a$b`: all components must hold for one indexed value, so the component rows are
 * joined on their shared group.
 */
function compositeCondition(scope: Scope, parameter: SearchParamDefinition, values: string[], ctx: Ctx): string {
  const alternatives = values.map((value) => {
    const parts = splitUnescaped(value, '$');
    const joins: string[] = [];
    const conditions = parts.map((part, index) => {
      const alias = `c${index}`;
      if (index > 0) {
        joins.push(`JOIN search_composite ${alias} ON ${alias}.resource_id = c0.resource_id
          AND ${alias}.tenant_id = c0.tenant_id AND ${alias}.resource_type = c0.resource_type
          AND ${alias}.code = c0.code AND ${alias}.grp = c0.grp AND ${alias}.component = ${index}`);
      }
      const type = parameter.components[index]?.type ?? 'token';
      const input = { type, name: parameter.code, modifier: undefined, value: part, composite: true };
      return valueCondition(input, { row: alias, number: `${alias}.number` }, ctx);
    });
    const owner = ownedBy(scope, 'c0.resource_type', 'c0.resource_id');
    return `${owner.match} IN (SELECT ${owner.select} FROM search_composite c0 ${joins.join(' ')}
      WHERE c0.tenant_id = ${scope.tenant} AND ${owner.typeMatch} AND c0.code = ${ctx.params.add(parameter.code)}
      AND c0.component = 0 AND ${conditions.map((condition) => `(${condition})`).join(' AND ')})`;
  });
  return `(${alternatives.join(' OR ')})`;
}

/** The value condition on index rows `x` for any of a criterion's values. */
function anyValueCondition(criterion: ValueCriterion, ctx: Ctx): string {
  const { parameter, values, modifier, name } = criterion;
  return values
    .map(
      (value) =>
        `(${valueCondition({ type: parameter.type, name, modifier, value }, { row: 'x', number: 'x.value' }, ctx)})`,
    )
    .join(' OR ');
}

function valueCriterionCondition(scope: Scope, criterion: ValueCriterion, ctx: Ctx): string {
  const { parameter, values, modifier } = criterion;
  if (parameter.type === 'composite') {
    return compositeCondition(scope, parameter, values, ctx);
  }
  const { table, code } = indexOf(criterion);
  if (modifier === 'missing') {
    const present = inIndex(scope, table, code, '', ctx);
    return values[0] === 'true' ? `NOT ${present}` : present;
  }
  const any = anyValueCondition(criterion, ctx);
  // :not matches resources with no value equal to any of the given ones (including no value at all).
  return modifier === 'not' ? `NOT ${inIndex(scope, table, code, any, ctx)}` : inIndex(scope, table, code, any, ctx);
}

/** Live resources of one type matching a criterion: the inside of chained and reverse-chained searches. */
function matchingIds(resourceType: string, tenant: string, criterion: Criterion, ctx: Ctx): string {
  const depth = ctx.depth + 1;
  const row = `r${depth}`;
  const scope: Scope = { row, tenant, type: ctx.params.add(resourceType) };
  // Only live resources have index rows (a new version, deletion included, replaces them), so a
  // criterion that names its matches needs no visit to the resource table.
  return (
    criterionIds(scope, criterion, { ...ctx, depth }) ??
    `SELECT ${row}.id FROM resource ${row} WHERE ${row}.tenant_id = ${tenant} AND ${row}.resource_type = ${scope.type}
    AND ${row}.deleted = false AND ${criterionCondition(scope, criterion, { ...ctx, depth })}`
  );
}

/** Whether `criterionIds` has a subquery for the criterion: it selects its matches outright. */
function namesItsMatches(criterion: Criterion): boolean {
  switch (criterion.kind) {
    case 'value': {
      const { parameter, modifier, values } = criterion;
      return !(
        parameter.type === 'composite' ||
        modifier === 'not' ||
        (modifier === 'missing' && values[0] === 'true')
      );
    }
    case 'column':
      return false;
    case 'chain':
    case 'has':
    case 'list':
    case 'text':
    case 'compartment':
      return true;
  }
}

/**
 * The subquery selecting exactly the resources (ids, or type and id pairs) a criterion matches, for
 * criteria that name their matches outright; undefined for negations, composites and columns of
 * the resource table, which can only filter resources found otherwise.
 */
function criterionIds(scope: Scope, criterion: Criterion, ctx: Ctx): string | undefined {
  const { params } = ctx;
  const x = `x${ctx.depth}`;
  if (!namesItsMatches(criterion)) {
    return undefined;
  }
  switch (criterion.kind) {
    case 'value': {
      const { table, code } = indexOf(criterion);
      const condition = criterion.modifier === 'missing' ? '' : anyValueCondition(criterion, ctx);
      return indexIds(scope, table, code, condition, ctx);
    }
    case 'column':
      return undefined;
    case 'chain': {
      const targets = [...criterion.next].map(
        ([type, next]) =>
          `(${x}.target_type = ${params.add(type)} AND ${x}.target_id IN (${matchingIds(type, scope.tenant, next, ctx)}))`,
      );
      return indexIds(scope, 'search_reference', criterion.parameter.code, targets.join(' OR '), ctx, x);
    }
    case 'has': {
      const { select, typeMatch } = ownedBy(scope, `${x}.target_type`, `${x}.target_id`);
      return `SELECT ${select} FROM search_reference ${x} WHERE ${x}.tenant_id = ${scope.tenant}
        AND ${x}.resource_type = ${params.add(criterion.sourceType)} AND ${x}.code = ${params.add(criterion.referenceCode)}
        AND ${typeMatch} AND ${x}.resource_id IN (${matchingIds(criterion.sourceType, scope.tenant, criterion.next, ctx)})`;
    }
    case 'list': {
      const { select, typeMatch } = ownedBy(scope, `${x}.target_type`, `${x}.target_id`);
      return `SELECT ${select} FROM search_reference ${x} WHERE ${x}.resource_id = ANY(${params.add(criterion.listIds)}::text[])
        AND ${x}.tenant_id = ${scope.tenant} AND ${x}.resource_type = 'List' AND ${x}.code = 'item' AND ${typeMatch}`;
    }
    case 'text': {
      const column = criterion.name === '_text' ? 'narrative' : 'content';
      const any = criterion.values
        .map(
          (value) =>
            `${x}.${column} @@ websearch_to_tsquery('english', ${params.add(normalizeString(unescapeValue(value)))})`,
        )
        .join(' OR ');
      const { select, typeMatch } = ownedBy(scope, `${x}.resource_type`, `${x}.resource_id`);
      return `SELECT ${select} FROM search_text ${x} WHERE ${x}.tenant_id = ${scope.tenant} AND ${typeMatch} AND (${any})`;
    }
    case 'compartment': {
      // Driven from the reverse index (target first): one probe finds the whole compartment.
      const links = [...criterion.codesByType].map(
        ([type, codes]) =>
          `(${x}.resource_type = ${params.add(type)} AND ${x}.code = ANY(${params.add(codes)}::text[]))`,
      );
      const { select } = ownedBy(scope, `${x}.resource_type`, `${x}.resource_id`);
      return `SELECT ${select} FROM search_reference ${x} WHERE ${x}.tenant_id = ${scope.tenant}
        AND ${x}.target_type = ${params.add(criterion.targetType)} AND ${x}.target_id = ${params.add(criterion.targetId)}
        AND (${links.join(' OR ')})`;
    }
  }
}

/** The condition one criterion puts on the resources of `scope`. */
export function criterionCondition(scope: Scope, criterion: Criterion, ctx: Ctx): string {
  const { params } = ctx;
  if (criterion.kind === 'column') {
    if (criterion.name === '_id') {
      return `${scope.row}.id = ANY(${params.add(criterion.values.map(unescapeValue))}::text[])`;
    }
    return `(${criterion.values
      .map((value) => {
        const { prefix, range } = parseDateValue('_lastUpdated', value);
        return dateCondition(prefix, range, `${scope.row}.last_updated`, `${scope.row}.last_updated`, params);
      })
      .join(' OR ')})`;
  }
  const ids = criterionIds(scope, criterion, ctx);
  return ids === undefined
    ? valueCriterionCondition(scope, criterion as ValueCriterion, ctx)
    : `${ownedBy(scope, '', '').match} IN (${ids})`;
}

/** The WHERE clause (without the keyword) matching live resources of the query's type(s) in the tenant. */
export function buildWhere(
  query: SearchQuery,
  tenantId: string,
  baseUrl: string,
  params: SqlParams,
  access?: AccessFilter,
): string {
  const tenant = params.add(tenantId);
  const [onlyType] = query.resourceTypes;
  const scope: Scope =
    query.resourceTypes.length === 1 && onlyType
      ? { row: 'r', tenant, type: params.add(onlyType) }
      : { row: 'r', tenant, types: `${params.add(query.resourceTypes)}::text[]` };
  const ctx: Ctx = { params, baseUrl, depth: 0 };
  const conditions = [
    `r.tenant_id = ${tenant}`,
    'type' in scope ? `r.resource_type = ${scope.type}` : `r.resource_type = ANY(${scope.types})`,
    'r.deleted = false',
    ...query.criteria.map((criterion) => criterionCondition(scope, criterion, ctx)),
  ];
  // --- access filter hook (modules/access): only what the caller's policy and patients' consent allow.
  if (access) {
    const accessScope =
      'type' in scope && onlyType
        ? { row: 'r', tenant, resourceType: onlyType, type: scope.type }
        : { row: 'r', tenant, resourceTypes: query.resourceTypes };
    const condition = buildAccessCondition(access, accessScope, 's', params);
    if (condition !== 'true') {
      conditions.push(condition);
    }
  }
  // --- end of access filter hook
  return conditions.join('\n  AND ');
}

const SORT_COLUMN: Record<string, [table: string, column: string, sqlType: string]> = {
  string: ['search_string', 'value', 'text'],
  token: ['search_token', 'value', 'text'],
  date: ['search_date', 'low', 'timestamptz'],
  number: ['search_number', 'value', 'numeric'],
  quantity: ['search_number', 'value', 'numeric'],
  uri: ['search_uri', 'value', 'text'],
  reference: ['search_reference', 'target', 'text'],
};

/** The columns that identify the resource a sort key is read for. */
export type SortOwner = { id: string; tenant: string; type: string };

const RESOURCE_ROW: SortOwner = { id: 'r.id', tenant: 'r.tenant_id', type: 'r.resource_type' };

/**
 * The `_sort` keys as SQL over alias `r` (or `owner`). A parameter with several values sorts by its
 * lowest value ascending and its highest descending; resources without one sort last either way.
 */
export function buildSortKeys(query: SearchQuery, params: SqlParams, owner: SortOwner = RESOURCE_ROW): SortKey[] {
  return query.sort.map(({ name, descending }) => {
    if (name === '_id') {
      return { expression: owner.id, sqlType: 'text', descending };
    }
    if (name === '_lastUpdated') {
      return { expression: 'r.last_updated', sqlType: 'timestamptz', descending };
    }
    const type = query.resourceTypes.map((resourceType) => tryGetSearchParam(resourceType, name)?.type)[0] ?? '';
    const [table, column, sqlType] = SORT_COLUMN[type] ?? ['search_token', 'value', 'text'];
    const aggregate = descending ? 'max' : 'min';
    const expression = `(SELECT ${aggregate}(x.${column}) FROM ${table} x WHERE x.resource_id = ${owner.id}
      AND x.tenant_id = ${owner.tenant} AND x.resource_type = ${owner.type} AND x.code = ${params.add(name)})`;
    return { expression, sqlType, descending };
  });
}

/** ORDER BY for the sort keys, always ending in the id so paging is deterministic. */
export function orderByClause(keys: SortKey[], reverse = false, idExpression = 'r.id'): string {
  const direction = (descending: boolean) => (descending !== reverse ? 'DESC' : 'ASC');
  const nulls = reverse ? 'NULLS FIRST' : 'NULLS LAST';
  return [
    ...keys.map((key) => `${key.expression} ${direction(key.descending)} ${nulls}`),
    `${idExpression} ${direction(false)}`,
  ].join(', ');
}

/** Compartment owners: a reference to one of them pins a search to one patient's or encounter's record. */
const RECORD_TYPES = new Set(['Patient', 'Encounter']);

/**
 * The resource a reference value names by type and id: `Type/id`, or `id` under a type modifier
 * (`subject:Patient=1`). Undefined for other modifiers and for values of any other shape.
 */
function referencedResource(value: string, modifier: string | undefined): { type: string; id: string } | undefined {
  const parts = unescapeValue(value).split('/');
  if (modifier === undefined) {
    const [type, id] = parts;
    return parts.length === 2 && type !== undefined && id !== undefined ? { type, id } : undefined;
  }
  const [id] = parts;
  return /^[A-Z]/.test(modifier) && parts.length === 1 && id !== undefined ? { type: modifier, id } : undefined;
}

/**
 * Whether a criterion confines the matches to the records of a few patients or encounters, whatever
 * its values: `subject=Patient/1`, `subject:Patient=1`, a compartment, or a chain to a Patient or
 * Encounter by identifier (`subject:Patient.identifier=…`).
 */
function pinsRecord(criterion: Criterion): boolean {
  switch (criterion.kind) {
    case 'compartment':
      return RECORD_TYPES.has(criterion.targetType);
    case 'value': {
      const { parameter, modifier, values } = criterion;
      return (
        parameter.type === 'reference' &&
        values.every((value) => RECORD_TYPES.has(referencedResource(value, modifier)?.type ?? ''))
      );
    }
    case 'chain':
      return [...criterion.next].every(
        ([type, next]) =>
          RECORD_TYPES.has(type) &&
          next.kind === 'value' &&
          next.parameter.code === 'identifier' &&
          next.parameter.type === 'token' &&
          next.modifier === undefined,
      );
    case 'column':
    case 'has':
    case 'list':
    case 'text':
      return false;
  }
}

/**
 * The patients a pinning criterion confines the matches to, when it names them: a compartment
 * `Patient/1/…`, or a reference parameter whose every value is a Patient (`subject=Patient/1`,
 * `subject:Patient=1,2`). A match references one of them, so its token rows' `referenced_patient`
 * is that id or '*'.
 */
function pinnedPatients(criterion: Criterion): string[] | undefined {
  if (criterion.kind === 'compartment') {
    return criterion.targetType === 'Patient' ? [criterion.targetId] : undefined;
  }
  if (criterion.kind !== 'value' || criterion.parameter.type !== 'reference') {
    return undefined;
  }
  const targets = criterion.values.map((value) => referencedResource(value, criterion.modifier));
  const ids = targets.map((target) => (target?.type === 'Patient' ? target.id : undefined));
  return ids.every((id) => id !== undefined) ? ids : undefined;
}

/**
 * The matches of a plain token criterion among the token rows of a few patients' resources: one
 * range of the `search_token_patient` index per patient instead of a check of every resource of
 * their records (migration 0021). A superset only where a resource references several patients
 * ('*'); the pinning criterion is still checked per id.
 *
 * The value is compared as an expression (`value || ''`), so only the patient's rows of the code
 * bound the scan. Bound by the value too, the value index (tenant, type, code, value, id) ties
 * with the patient index in a prepared statement's generic plan, which cannot tell the patient is
 * rarer than the code; PostgreSQL then picked the value index and read every row of a common code
 * (3,400 rows a call at 100k resources, 172 ms cold against 4 ms).
 */
function patientTokenIds(scope: Scope, criterion: ValueCriterion, patients: string[], ctx: Ctx): string {
  const ids = [...patients.map((id) => ctx.params.add(id)), `'${REFERENCED_PATIENT_SEVERAL}'`];
  const rows = `(SELECT t.tenant_id, t.resource_type, t.resource_id, t.code, t.system, t.value || '' AS value
    FROM search_token t WHERE t.referenced_patient = ANY(ARRAY[${ids.join(', ')}]))`;
  return indexIds(scope, rows, criterion.parameter.code, anyValueCondition(criterion, ctx), ctx);
}

/** A plain token criterion (`code=…`, `system|code`): one the patient token index answers. */
const isPlainToken = (criterion: Criterion): criterion is ValueCriterion =>
  criterion.kind === 'value' && criterion.parameter.type === 'token' && criterion.modifier === undefined;

/**
 * A search of one type pinned to a few patients' or encounters' records (see `pinsRecord`), answered
 * from the index tables: the ids of the matches, alias `m`, come from the pinning criterion
 * (`from`); every other criterion is checked per id through the owner indexes (`where`); the sort
 * keys are read per id the same way; only then are the resource rows of the page read. The work is
 * bounded by the size of those records whatever the values, so one plan suits every execution and
 * the statement can be prepared. Undefined for any other search, and for one with a criterion that
 * cannot be checked per id that way (`:not`, `:missing=true`, composites, `_lastUpdated`).
 */
export function buildRecordSearch(
  query: SearchQuery,
  tenantId: string,
  baseUrl: string,
  params: SqlParams,
  access?: AccessFilter,
): { tenant: string; type: string; from: string; where: string; keys: SortKey[] } | undefined {
  const [onlyType] = query.resourceTypes;
  const pinning = query.criteria.findIndex(pinsRecord);
  const first = query.criteria[pinning];
  const checkable = query.criteria.every(
    (criterion) => namesItsMatches(criterion) || (criterion.kind === 'column' && criterion.name === '_id'),
  );
  if (query.resourceTypes.length !== 1 || !onlyType || !first || !checkable) {
    return undefined;
  }
  if (query.sort.some((key) => key.name === '_lastUpdated')) {
    return undefined;
  }
  const tenant = params.add(tenantId);
  const scope: Scope = { row: 'm', tenant, type: params.add(onlyType) };
  const ctx: Ctx = { params, baseUrl, depth: 0 };
  // Pinned to patients and with a plain token criterion, the ids come from that patient's token
  // rows of the code, and the pinning criterion is checked per id like the others.
  const patients = tokensCarryPatient(onlyType) ? pinnedPatients(first) : undefined;
  const token = patients ? query.criteria.find(isPlainToken) : undefined;
  const driving = token ? query.criteria.indexOf(token) : pinning;
  const pinned = token && patients ? patientTokenIds(scope, token, patients, ctx) : criterionIds(scope, first, ctx);
  if (pinned === undefined) {
    return undefined;
  }
  const from = `(${pinned}) m (id)`;
  const where = query.criteria
    .filter((_criterion, index) => index !== driving)
    .map((criterion) => {
      const ids = criterionIds(scope, criterion, ctx);
      // OFFSET 0 keeps the subquery a per-id probe: flattened into a join, a prepared statement's
      // generic plan (which cannot know how many rows a value has) may read every row of the value.
      return ids === undefined
        ? criterionCondition(scope, criterion, ctx)
        : `EXISTS (SELECT 1 FROM (${ids}) p (id) WHERE p.id = m.id OFFSET 0)`;
    });
  // --- access filter hook (modules/access): the same condition as buildWhere's, on the ids of `m`.
  if (access) {
    const condition = buildAccessCondition(
      access,
      { row: 'm', tenant, resourceType: onlyType, type: scope.type },
      's',
      params,
    );
    if (condition !== 'true') {
      where.push(condition);
    }
  }
  // --- end of access filter hook
  const keys = buildSortKeys(query, params, { id: 'm.id', tenant, type: scope.type });
  return { tenant, type: scope.type, from, where: where.join('\n  AND ') || 'true', keys };
}
