import type { BlindIndex } from '../../encryption/index.ts';
import { ancestorsSql, descendantsSql } from '../../terminology/store/index.ts';
import type { DateRange } from './date-range.ts';
import type { SearchParamType } from './definitions.ts';
import { normalizeString } from '@caregraph/core';
import {
  parseDateValue,
  parseNumberValue,
  splitToken,
  splitUnescaped,
  unescapeValue,
  type Prefix,
} from './search-values.ts';

/**
 * Collects SQL parameters and hands out their placeholders. With a blind index (field encryption
 * on), identifier values of sealed systems are compared as their blind-index tokens.
 */
export class SqlParams {
  readonly values: unknown[] = [];
  readonly blindIndex: BlindIndex | undefined;
  constructor(blindIndex?: BlindIndex) {
    this.blindIndex = blindIndex;
  }
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** What a value condition needs besides the value: where its parameters go and the FHIR base URL. */
export type ConditionContext = { params: SqlParams; baseUrl: string };

/**
 * The columns a value is compared with. Stand-alone index tables name the numeric column `value`;
 * the composite table keeps text and numbers side by side, so it is `number` there.
 */
export type ValueColumns = { row: string; number: string };

export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/**
 * A placeholder added on first use only: PostgreSQL cannot infer the type of a parameter the
 * statement never mentions, and refuses the whole statement.
 */
function lazyParam(params: SqlParams, value: unknown, cast = ''): () => string {
  let placeholder: string | undefined;
  return () => (placeholder ??= `${params.add(value)}${cast}`);
}

/** `isIdentifier`: the parameter holds identifiers, so a value without system may be a sealed one. */
function tokenCondition(x: string, value: string, params: SqlParams, isIdentifier = false): string {
  const { system, code } = splitToken(value);
  const blind = params.blindIndex;
  if (system === undefined) {
    if (blind && isIdentifier && code !== undefined) {
      // Any system: the value itself, or its token under any sealed system.
      const tokens = [...blind.systems].map((sealed) => blind.hash(sealed, code));
      return `${x}.value = ANY(${params.add([code, ...tokens])}::text[])`;
    }
    return `${x}.value = ${params.add(code)}`;
  }
  if (blind && code !== undefined && blind.systems.has(system)) {
    return `${x}.system = ${params.add(system)} AND ${x}.value = ${params.add(blind.hash(system, code))}`;
  }
  if (system === '') {
    return `${x}.system IS NULL AND ${x}.value = ${params.add(code)}`;
  }
  return code === undefined
    ? `${x}.system = ${params.add(system)}`
    : `${x}.system = ${params.add(system)} AND ${x}.value = ${params.add(code)}`;
}

/**
 * `:below` / `:above` on tokens: the code and every code under (or over) it in the is-a hierarchy
 * of the code system's current release. A code system that is not loaded has no hierarchy, so only
 * the code itself matches then.
 */
function hierarchyCondition(x: string, value: string, direction: 'below' | 'above', params: SqlParams): string {
  const { system, code } = splitToken(value);
  const systemParam = params.add(system ?? '');
  const codeParam = params.add(code ?? '');
  const release = `(SELECT s.id FROM term_system s WHERE s.url = ${systemParam} AND s.is_current)`;
  const codes = direction === 'below' ? descendantsSql(release, codeParam) : ancestorsSql(release, codeParam);
  if (direction === 'below' && system && PREFIX_HIERARCHIES.has(system)) {
    // ICD-10 codes extend their category's code (E11 → E11.9), so a category covers its codes even
    // when only the categories are loaded.
    return `${x}.system = ${systemParam} AND (${x}.value IN (${codes}) OR ${x}.value LIKE ${params.add(`${escapeLike(code ?? '')}%`)})`;
  }
  return `${x}.system = ${systemParam} AND ${x}.value IN (${codes})`;
}

/** Code systems whose codes start with the code of their parent. */
const PREFIX_HIERARCHIES = new Set(['http://hl7.org/fhir/sid/icd-10-cm', 'http://hl7.org/fhir/sid/icd-10']);

/** `:of-type` on identifiers: `typeSystem|typeCode|value`, indexed as system + `typeCode|value`. */
function ofTypeCondition(x: string, value: string, params: SqlParams): string {
  const [system = '', code = '', identifier = ''] = splitUnescaped(value, '|').map(unescapeValue);
  const blind = params.blindIndex;
  if (blind) {
    // A sealed identifier's `:of-type` row holds its token (keyed by no system: the row has none).
    const values = [`${code}|${identifier}`, `${code}|${blind.hash('', identifier)}`];
    return `${x}.system = ${params.add(system)} AND ${x}.value = ANY(${params.add(values)}::text[])`;
  }
  return `${x}.system = ${params.add(system)} AND ${x}.value = ${params.add(`${code}|${identifier}`)}`;
}

/** Date comparison of an indexed range [low, high] against a search range, per R4 §3.1.1.4.2. */
export function dateCondition(prefix: Prefix, range: DateRange, low: string, high: string, params: SqlParams): string {
  const sl = lazyParam(params, range.low, '::timestamptz');
  const sh = lazyParam(params, range.high, '::timestamptz');
  // `low <= sh` follows from `high <= sh`, as a range never ends before it starts (a Period whose
  // start is after its end breaks R4's per-1, and no longer counts as contained). Stated, it bounds
  // the range index on `low` from both sides, where `low >= sl` alone read every later row of the
  // code: for `birthdate=1933-11-02`, every patient born after that day.
  const contained = () => `(${low} >= ${sl()} AND ${low} <= ${sh()} AND ${high} <= ${sh()})`;
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

function numberCondition(name: string, value: string, columns: ValueColumns, params: SqlParams): string {
  const { prefix, number, rest } = parseNumberValue(name, value);
  const [numberText = '', system, unit] = rest.split('|');
  const half = halfPrecision(numberText);
  const v = columns.number;
  const n = lazyParam(params, number);
  const conditions: string[] = [];
  switch (prefix) {
    case 'eq':
      conditions.push(`${v} >= ${params.add(number - half)} AND ${v} < ${params.add(number + half)}`);
      break;
    case 'ne':
      conditions.push(`NOT (${v} >= ${params.add(number - half)} AND ${v} < ${params.add(number + half)})`);
      break;
    case 'gt':
    case 'sa':
      conditions.push(`${v} > ${n()}`);
      break;
    case 'lt':
    case 'eb':
      conditions.push(`${v} < ${n()}`);
      break;
    case 'ge':
      conditions.push(`${v} >= ${n()}`);
      break;
    case 'le':
      conditions.push(`${v} <= ${n()}`);
      break;
    case 'ap':
      conditions.push(
        `${v} BETWEEN ${params.add(number - Math.abs(number) * 0.1)} AND ${params.add(number + Math.abs(number) * 0.1)}`,
      );
      break;
  }
  if (system) {
    conditions.push(`${columns.row}.system = ${params.add(system)}`);
  }
  if (unit) {
    conditions.push(`${columns.row}.unit = ${params.add(unit)}`);
  }
  return conditions.join(' AND ');
}

/** The reference without this server's base URL: absolute references to ourselves are local ones. */
function localReference(value: string, baseUrl: string): string {
  return value.startsWith(`${baseUrl}/`) ? value.slice(baseUrl.length + 1) : value;
}

function referenceCondition(x: string, value: string, modifier: string | undefined, ctx: ConditionContext): string {
  const { params } = ctx;
  const reference = localReference(value, ctx.baseUrl);
  if (modifier && /^[A-Z]/.test(modifier)) {
    return `${x}.target_type = ${params.add(modifier)} AND ${x}.target_id = ${params.add(reference)}`;
  }
  if (/^[a-z]+:/.test(reference)) {
    return `${x}.target = ${params.add(reference)}`;
  }
  const parts = reference.split('/');
  if (parts.length === 2) {
    return `${x}.target_type = ${params.add(parts[0])} AND ${x}.target_id = ${params.add(parts[1])}`;
  }
  return `${x}.target_id = ${params.add(reference)}`;
}

/** A reference component of a composite, stored as `Type/id`. */
function compositeReferenceCondition(x: string, value: string, ctx: ConditionContext): string {
  const reference = localReference(value, ctx.baseUrl);
  return reference.includes('/')
    ? `${x}.value = ${ctx.params.add(reference)}`
    : `${x}.value LIKE ${ctx.params.add(`%/${escapeLike(reference)}`)}`;
}

function stringCondition(x: string, modifier: string | undefined, plain: string, params: SqlParams): string {
  if (modifier === 'exact') {
    return `${x}.exact_value = ${params.add(plain)}`;
  }
  const pattern = escapeLike(normalizeString(plain));
  return `${x}.value LIKE ${params.add(modifier === 'contains' ? `%${pattern}%` : `${pattern}%`)}`;
}

function uriCondition(x: string, modifier: string | undefined, plain: string, params: SqlParams): string {
  if (modifier === 'below') {
    return `${x}.value LIKE ${params.add(`${escapeLike(plain)}%`)}`;
  }
  if (modifier === 'above') {
    return `${params.add(plain)} LIKE replace(replace(replace(${x}.value, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%'`;
  }
  return `${x}.value = ${params.add(plain)}`;
}

/**
 * The condition one search value puts on an index row aliased `columns.row`, for a parameter of
 * `type` (or a composite component of that type when `composite`).
 */
export function valueCondition(
  input: { type: SearchParamType; name: string; modifier: string | undefined; value: string; composite?: boolean },
  columns: ValueColumns,
  ctx: ConditionContext,
): string {
  const { type, name, modifier, value } = input;
  const x = columns.row;
  // Token values keep their escapes until `splitToken` has found the system|code bar.
  const plain = unescapeValue(value);
  switch (type) {
    case 'token':
      if (modifier === 'text') {
        return `${x}.text_value LIKE ${ctx.params.add(`${escapeLike(normalizeString(plain))}%`)}`;
      }
      if (modifier === 'below' || modifier === 'above') {
        return hierarchyCondition(x, value, modifier, ctx.params);
      }
      return modifier === 'of-type'
        ? ofTypeCondition(x, value, ctx.params)
        : tokenCondition(x, value, ctx.params, name === 'identifier');
    case 'string':
      return input.composite
        ? `${x}.value LIKE ${ctx.params.add(`${escapeLike(normalizeString(plain))}%`)}`
        : stringCondition(x, modifier, plain, ctx.params);
    case 'reference':
      if (modifier === 'identifier') {
        return tokenCondition(x, value, ctx.params, true);
      }
      return input.composite ? compositeReferenceCondition(x, plain, ctx) : referenceCondition(x, plain, modifier, ctx);
    case 'date': {
      const { prefix, range } = parseDateValue(name, value);
      return dateCondition(prefix, range, `${x}.low`, `${x}.high`, ctx.params);
    }
    case 'number':
    case 'quantity':
      return numberCondition(name, value, columns, ctx.params);
    case 'uri':
      return uriCondition(x, modifier, plain, ctx.params);
    case 'composite':
    case 'special':
      // Composites are split into their components by the caller; specials have dedicated criteria.
      return 'false';
  }
}
