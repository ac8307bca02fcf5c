import { badRequest, OutcomeError } from '@caregraph/core/fhir';
import { toDateRange, type DateRange } from './date-range.ts';
import { tryGetSearchParam, type SearchParamDefinition } from './definitions.ts';

/** Comparison prefixes for ordered values (R4 §3.1.1.4.2). */
export type Prefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';
const PREFIXES = new Set<string>(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']);

/** One search criterion: a parameter with its modifier and OR-ed values. Repeated criteria are AND-ed. */
export type Criterion = {
  name: string;
  modifier: string | undefined;
  parameter: SearchParamDefinition | ColumnParameter;
  values: string[];
};

/** `_id` and `_lastUpdated` are answered from columns of the resource table. */
export type ColumnParameter = { code: '_id' | '_lastUpdated'; type: 'token' | 'date'; column: true };

/** A parsed search request. */
export type SearchQuery = {
  resourceType: string;
  criteria: Criterion[];
  count: number;
  offset: number;
  sort: Array<{ name: string; descending: boolean }>;
  total: 'none' | 'estimate' | 'accurate';
  summaryCount: boolean;
  /** Parameters ignored under `Prefer: handling=lenient`, reported back to the client. */
  ignored: string[];
};

const RESULT_PARAMETERS = new Set(['_count', '_offset', '_sort', '_total', '_summary', '_format', '_pretty']);
const MAX_COUNT = 1000;
const DEFAULT_COUNT = 20;

/**
 * Splits a parameter value on unescaped commas (R4 §3.1.1.5.7). Escapes stay in each value because
 * what `\|` means depends on the parameter type: see `splitToken` and `unescapeValue`.
 */
export function splitValues(raw: string): string[] {
  const values: string[] = [];
  let current = '';
  for (let index = 0; index < raw.length; index++) {
    const char = raw[index];
    if (char === '\\' && index + 1 < raw.length) {
      current += `${char}${raw[index + 1] ?? ''}`;
      index++;
    } else if (char === ',') {
      values.push(current);
      current = '';
    } else {
      current += char ?? '';
    }
  }
  values.push(current);
  return values;
}

/** Removes the search escapes `\,` `\|` `\$` `\\` from one value. */
export function unescapeValue(value: string): string {
  return value.replace(/\\([,|$\\])/g, '$1');
}

/** The index of the first `|` not escaped by a backslash (`\\|` is an escaped backslash, then a bar), or -1. */
function findUnescapedBar(value: string): number {
  for (let index = 0; index < value.length; index++) {
    if (value[index] === '\\') {
      index++;
    } else if (value[index] === '|') {
      return index;
    }
  }
  return -1;
}

/** Splits a token value `system|code` on its first unescaped bar; undefined system when there is no bar. */
export function splitToken(value: string): { system: string | undefined; code: string | undefined } {
  const bar = findUnescapedBar(value);
  if (bar < 0) {
    return { system: undefined, code: unescapeValue(value) };
  }
  const code = value.slice(bar + 1);
  return { system: unescapeValue(value.slice(0, bar)), code: code === '' ? undefined : unescapeValue(code) };
}

/** Splits an ordered value into its prefix and the rest (`ge2020` → ge, 2020). */
export function splitPrefix(value: string): { prefix: Prefix; rest: string } {
  const head = value.slice(0, 2);
  if (PREFIXES.has(head) && /^[a-z]{2}[-+\d]/.test(value)) {
    return { prefix: head as Prefix, rest: value.slice(2) };
  }
  return { prefix: 'eq', rest: value };
}

/** Parses a date search value or throws a 400 naming it. */
export function parseDateValue(name: string, value: string): { prefix: Prefix; range: DateRange } {
  const { prefix, rest } = splitPrefix(value);
  const range = toDateRange(rest);
  if (!range) {
    throw new OutcomeError(badRequest(`Invalid date value "${value}" for search parameter ${name}`, name));
  }
  return { prefix, range };
}

/** Parses a number search value or throws a 400 naming it. */
export function parseNumberValue(name: string, value: string): { prefix: Prefix; number: number; rest: string } {
  const { prefix, rest } = splitPrefix(value);
  const numberText = rest.split('|')[0] ?? '';
  const number = Number(numberText);
  if (numberText.trim() === '' || !Number.isFinite(number)) {
    throw new OutcomeError(badRequest(`Invalid number value "${value}" for search parameter ${name}`, name));
  }
  return { prefix, number, rest };
}

/** Search parameter types the engine answers, with the modifiers it accepts for each. */
export const SUPPORTED_MODIFIERS_BY_TYPE: Record<string, Set<string | undefined>> = {
  string: new Set([undefined, 'exact', 'contains', 'missing']),
  token: new Set([undefined, 'not', 'text', 'missing']),
  reference: new Set([undefined, 'missing']),
  date: new Set([undefined, 'missing']),
  number: new Set([undefined, 'missing']),
  quantity: new Set([undefined, 'missing']),
  uri: new Set([undefined, 'below', 'above', 'missing']),
};

/** Whether `_sort` can order by the parameter: only indexed parameters of a supported type have values to sort on. */
function isSortable(resourceType: string, code: string): boolean {
  const parameter = tryGetSearchParam(resourceType, code);
  return parameter?.expression !== undefined && parameter.type in SUPPORTED_MODIFIERS_BY_TYPE;
}

function readCount(value: string | undefined): number {
  if (value === undefined) {
    return DEFAULT_COUNT;
  }
  const count = Number(value);
  if (!Number.isInteger(count) || count < 0) {
    throw new OutcomeError(badRequest(`Invalid _count "${value}"`, '_count'));
  }
  return Math.min(count, MAX_COUNT);
}

/**
 * Parses `[type]?name[:modifier]=value&...` into criteria, checking every parameter against the R4
 * definitions. Unknown or unsupported parameters are a 400 naming them, unless `lenient`.
 */
export function parseSearchQuery(resourceType: string, params: Array<[string, string]>, lenient: boolean): SearchQuery {
  const query: SearchQuery = {
    resourceType,
    criteria: [],
    count: DEFAULT_COUNT,
    offset: 0,
    sort: [],
    total: 'none',
    summaryCount: false,
    ignored: [],
  };
  const reject = (name: string, message: string) => {
    if (!lenient) {
      throw new OutcomeError(badRequest(message, name));
    }
    query.ignored.push(name);
  };
  for (const [key, raw] of params) {
    const [name = '', modifier] = key.split(':', 2);
    if (RESULT_PARAMETERS.has(name)) {
      applyResultParameter(query, name, raw);
      continue;
    }
    if (name === '_id' || name === '_lastUpdated') {
      if (modifier !== undefined) {
        reject(key, `Unsupported modifier :${modifier} on ${name}`);
        continue;
      }
      const values = splitValues(raw);
      if (name === '_lastUpdated') {
        for (const value of values) {
          parseDateValue(name, value);
        }
      }
      query.criteria.push({
        name,
        modifier,
        parameter: { code: name, type: name === '_id' ? 'token' : 'date', column: true },
        values,
      });
      continue;
    }
    const parameter = tryGetSearchParam(resourceType, name);
    if (!parameter) {
      reject(key, `Unknown search parameter "${name}" for resource type ${resourceType}`);
      continue;
    }
    const supported = SUPPORTED_MODIFIERS_BY_TYPE[parameter.type];
    if (!parameter.expression || !supported) {
      reject(key, `Search parameter "${name}" (${parameter.type}) is not supported`);
      continue;
    }
    const isTypeModifier = parameter.type === 'reference' && modifier !== undefined && /^[A-Z]/.test(modifier);
    if (!isTypeModifier && !supported.has(modifier)) {
      reject(key, `Unsupported modifier :${modifier} on search parameter ${name}`);
      continue;
    }
    if (modifier === 'missing' && raw !== 'true' && raw !== 'false') {
      throw new OutcomeError(badRequest(`:missing takes true or false, got "${raw}"`, key));
    }
    const values = splitValues(raw);
    // Validate ordered values now so a bad value is a 400 naming it.
    for (const value of values) {
      if (modifier === 'missing') {
        break;
      }
      if (parameter.type === 'date') {
        parseDateValue(name, value);
      } else if (parameter.type === 'number' || parameter.type === 'quantity') {
        parseNumberValue(name, value);
      }
    }
    query.criteria.push({ name, modifier, parameter, values });
  }
  return query;
}

function applyResultParameter(query: SearchQuery, name: string, raw: string): void {
  switch (name) {
    case '_count':
      query.count = readCount(raw);
      break;
    case '_offset': {
      const offset = Number(raw);
      if (!Number.isInteger(offset) || offset < 0) {
        throw new OutcomeError(badRequest(`Invalid _offset "${raw}"`, '_offset'));
      }
      query.offset = offset;
      break;
    }
    case '_sort':
      for (const key of raw.split(',')) {
        const descending = key.startsWith('-');
        const sortName = descending ? key.slice(1) : key;
        if (sortName !== '_id' && sortName !== '_lastUpdated' && !isSortable(query.resourceType, sortName)) {
          throw new OutcomeError(badRequest(`Unknown sort parameter "${sortName}"`, '_sort'));
        }
        query.sort.push({ name: sortName, descending });
      }
      break;
    case '_total':
      if (raw !== 'none' && raw !== 'estimate' && raw !== 'accurate') {
        throw new OutcomeError(badRequest(`Invalid _total "${raw}"`, '_total'));
      }
      query.total = raw;
      break;
    case '_summary':
      query.summaryCount = raw === 'count';
      break;
    default:
      break;
  }
}
