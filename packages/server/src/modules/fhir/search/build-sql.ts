import { normalizeString } from './normalize.ts';
import {
  parseDateValue,
  parseNumberValue,
  splitToken,
  unescapeValue,
  type Criterion,
  type Prefix,
  type SearchQuery,
} from './parse-query.ts';
import type { DateRange } from './date-range.ts';

/** Collects SQL parameters and hands out their placeholders. */
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

const INDEX_TABLE: Record<string, string> = {
  token: 'search_token',
  string: 'search_string',
  reference: 'search_reference',
  date: 'search_date',
  number: 'search_number',
  quantity: 'search_number',
  uri: 'search_uri',
};

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/** The owning resource's tenant and type, as placeholders shared by every index subquery of one search. */
type Owner = { tenant: string; type: string };

/**
 * `r.id IN (…)` over one index table. Uncorrelated on purpose: the planner then drives the search
 * from the selective value index instead of probing every resource of the type.
 */
function inIndex(table: string, owner: Owner, code: string, condition: string, params: SqlParams): string {
  return `r.id IN (SELECT x.resource_id FROM ${table} x WHERE x.tenant_id = ${owner.tenant}
    AND x.resource_type = ${owner.type} AND x.code = ${params.add(code)}${condition ? ` AND (${condition})` : ''})`;
}

function tokenCondition(value: string, params: SqlParams): string {
  const { system, code } = splitToken(value);
  if (system === undefined) {
    return `x.value = ${params.add(code)}`;
  }
  if (system === '') {
    return `x.system IS NULL AND x.value = ${params.add(code)}`;
  }
  return code === undefined
    ? `x.system = ${params.add(system)}`
    : `x.system = ${params.add(system)} AND x.value = ${params.add(code)}`;
}

/**
 * A placeholder added on first use only: PostgreSQL cannot infer the type of a parameter the
 * statement never mentions, and refuses the whole statement.
 */
function lazyParam(params: SqlParams, value: unknown, cast = ''): () => string {
  let placeholder: string | undefined;
  return () => (placeholder ??= `${params.add(value)}${cast}`);
}

/** Date comparison of an indexed range [low, high] against a search range, per R4 §3.1.1.4.2. */
export function dateCondition(prefix: Prefix, range: DateRange, low: string, high: string, params: SqlParams): string {
  const sl = lazyParam(params, range.low, '::timestamptz');
  const sh = lazyParam(params, range.high, '::timestamptz');
  const contained = () => `(${low} >= ${sl()} AND ${high} <= ${sh()})`;
  switch (prefix) {
    case 'eq':
      return contained();
    case 'ne':
      return `NOT ${contained()}`;
    case 'gt':
      return `${high} > ${sh()}`;
    case 'lt':
      return `${low} < ${sl()}`;
    case 'ge':
      return `(${high} > ${sh()} OR ${contained()})`;
    case 'le':
      return `(${low} < ${sl()} OR ${contained()})`;
    case 'sa':
      return `${low} > ${sh()}`;
    case 'eb':
      return `${high} < ${sl()}`;
    case 'ap': {
      // "approximately": overlap with the search range widened by 10% of its distance from now, at least a day.
      const widen = `greatest(interval '1 day', abs(extract(epoch FROM now() - ${sl()})) * 0.1 * interval '1 second')`;
      return `(${low} <= ${sh()} + ${widen} AND ${high} >= ${sl()} - ${widen})`;
    }
  }
}

/**
 * Half the implicit precision of a number as written (R4 §3.1.1.4.3): 100 means [99.5, 100.5),
 * 100.00 means [99.995, 100.005), and in exponent form the exponent scales it: 1e2 is [50, 150).
 */
export function halfPrecision(numberText: string): number {
  const [mantissa = '', exponent = '0'] = numberText.toLowerCase().split('e');
  const decimals = mantissa.split('.')[1]?.length ?? 0;
  return 0.5 * 10 ** (Number(exponent) - decimals);
}

function numberCondition(name: string, value: string, params: SqlParams, isQuantity: boolean): string {
  const { prefix, number, rest } = parseNumberValue(name, value);
  const [numberText = '', system, unit] = rest.split('|');
  const half = halfPrecision(numberText);
  const n = lazyParam(params, number);
  const conditions: string[] = [];
  switch (prefix) {
    case 'eq':
      conditions.push(`x.value >= ${params.add(number - half)} AND x.value < ${params.add(number + half)}`);
      break;
    case 'ne':
      conditions.push(`NOT (x.value >= ${params.add(number - half)} AND x.value < ${params.add(number + half)})`);
      break;
    case 'gt':
    case 'sa':
      conditions.push(`x.value > ${n()}`);
      break;
    case 'lt':
    case 'eb':
      conditions.push(`x.value < ${n()}`);
      break;
    case 'ge':
      conditions.push(`x.value >= ${n()}`);
      break;
    case 'le':
      conditions.push(`x.value <= ${n()}`);
      break;
    case 'ap':
      conditions.push(
        `x.value BETWEEN ${params.add(number - Math.abs(number) * 0.1)} AND ${params.add(number + Math.abs(number) * 0.1)}`,
      );
      break;
  }
  if (isQuantity && system) {
    conditions.push(`x.system = ${params.add(system)}`);
  }
  if (isQuantity && unit) {
    conditions.push(`x.unit = ${params.add(unit)}`);
  }
  return conditions.join(' AND ');
}

function referenceCondition(value: string, modifier: string | undefined, baseUrl: string, params: SqlParams): string {
  let reference = value;
  if (reference.startsWith(`${baseUrl}/`)) {
    reference = reference.slice(baseUrl.length + 1);
  }
  if (modifier && /^[A-Z]/.test(modifier)) {
    return `x.target_type = ${params.add(modifier)} AND x.target_id = ${params.add(reference)}`;
  }
  if (/^[a-z]+:/.test(reference)) {
    return `x.target = ${params.add(reference)}`;
  }
  const parts = reference.split('/');
  if (parts.length === 2) {
    return `x.target_type = ${params.add(parts[0])} AND x.target_id = ${params.add(parts[1])}`;
  }
  return `x.target_id = ${params.add(reference)}`;
}

function valueCondition(criterion: Criterion, value: string, baseUrl: string, params: SqlParams): string {
  const { parameter, modifier, name } = criterion;
  // Token values keep their escapes until `splitToken` has found the system|code bar.
  const plain = unescapeValue(value);
  switch (parameter.type) {
    case 'token':
      if (modifier === 'text') {
        return `x.text_value LIKE ${params.add(`${escapeLike(normalizeString(plain))}%`)}`;
      }
      return tokenCondition(value, params);
    case 'string':
      if (modifier === 'exact') {
        return `x.exact_value = ${params.add(plain)}`;
      }
      if (modifier === 'contains') {
        return `x.value LIKE ${params.add(`%${escapeLike(normalizeString(plain))}%`)}`;
      }
      return `x.value LIKE ${params.add(`${escapeLike(normalizeString(plain))}%`)}`;
    case 'reference':
      return referenceCondition(plain, modifier, baseUrl, params);
    case 'date': {
      const { prefix, range } = parseDateValue(name, value);
      return dateCondition(prefix, range, 'x.low', 'x.high', params);
    }
    case 'number':
    case 'quantity':
      return numberCondition(name, value, params, parameter.type === 'quantity');
    case 'uri':
      if (modifier === 'below') {
        return `x.value LIKE ${params.add(`${escapeLike(plain)}%`)}`;
      }
      if (modifier === 'above') {
        return `${params.add(plain)} LIKE replace(replace(replace(x.value, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%'`;
      }
      return `x.value = ${params.add(plain)}`;
    case 'composite':
    case 'special':
      // Rejected by parseSearchQuery before SQL is built.
      return 'false';
  }
}

function criterionCondition(criterion: Criterion, owner: Owner, baseUrl: string, params: SqlParams): string {
  const { parameter, values, modifier } = criterion;
  if ('column' in parameter) {
    if (parameter.code === '_id') {
      return `r.id = ANY(${params.add(values.map(unescapeValue))}::text[])`;
    }
    return `(${values
      .map((value) => {
        const { prefix, range } = parseDateValue('_lastUpdated', value);
        return dateCondition(prefix, range, 'r.last_updated', 'r.last_updated', params);
      })
      .join(' OR ')})`;
  }
  const table = INDEX_TABLE[parameter.type] ?? 'search_token';
  if (modifier === 'missing') {
    const present = inIndex(table, owner, parameter.code, '', params);
    return values[0] === 'true' ? `NOT ${present}` : present;
  }
  if (modifier === 'not') {
    // :not matches resources with no value equal to any of the given ones (including no value at all).
    const any = values.map((value) => `(${valueCondition(criterion, value, baseUrl, params)})`).join(' OR ');
    return `NOT ${inIndex(table, owner, parameter.code, any, params)}`;
  }
  const any = values.map((value) => `(${valueCondition(criterion, value, baseUrl, params)})`).join(' OR ');
  return inIndex(table, owner, parameter.code, any, params);
}

/** The WHERE clause (without the keyword) matching live resources of the query's type in the tenant. */
export function buildWhere(query: SearchQuery, tenantId: string, baseUrl: string, params: SqlParams): string {
  const owner: Owner = { tenant: params.add(tenantId), type: params.add(query.resourceType) };
  const conditions = [
    `r.tenant_id = ${owner.tenant}`,
    `r.resource_type = ${owner.type}`,
    'r.deleted = false',
    ...query.criteria.map((criterion) => criterionCondition(criterion, owner, baseUrl, params)),
  ];
  return conditions.join('\n  AND ');
}

const SORT_AGGREGATE: Record<string, [string, string]> = {
  string: ['search_string', 'value'],
  token: ['search_token', 'value'],
  date: ['search_date', 'low'],
  number: ['search_number', 'value'],
  quantity: ['search_number', 'value'],
  uri: ['search_uri', 'value'],
  reference: ['search_reference', 'target'],
};

/** ORDER BY for `_sort`, always ending in the id so paging is deterministic. */
export function buildOrderBy(
  query: SearchQuery,
  params: SqlParams,
  typeParams: (code: string) => string | undefined,
): string {
  const keys = query.sort.map(({ name, descending }) => {
    const direction = descending ? 'DESC' : 'ASC';
    if (name === '_id') {
      return `r.id ${direction}`;
    }
    if (name === '_lastUpdated') {
      return `r.last_updated ${direction}`;
    }
    const [table, column] = SORT_AGGREGATE[typeParams(name) ?? ''] ?? ['search_token', 'value'];
    const aggregate = descending ? 'max' : 'min';
    return `(SELECT ${aggregate}(x.${column}) FROM ${table} x WHERE x.tenant_id = r.tenant_id
      AND x.resource_type = r.resource_type AND x.resource_id = r.id AND x.code = ${params.add(name)}) ${direction} NULLS LAST`;
  });
  keys.push('r.id ASC');
  return keys.join(', ');
}
