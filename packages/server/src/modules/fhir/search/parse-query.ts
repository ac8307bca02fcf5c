import { badRequest, OutcomeError } from '@caregraph/core/fhir';
import type { Criterion } from './criteria.ts';
import { tryGetSearchParam } from './definitions.ts';
import { parseInclude, type IncludeSpec } from './includes.ts';
import { decodeCursor, type Cursor } from './paging.ts';
import { isSearchable, parseCriterion, UnsupportedParameterError } from './parse-criterion.ts';
import { parseElements, parseSummary, type SummaryMode } from './summary.ts';

/** A parsed search request over one resource type, or several for system-level search. */
export type SearchQuery = {
  resourceTypes: string[];
  criteria: Criterion[];
  count: number;
  offset: number;
  cursor: Cursor | undefined;
  sort: Array<{ name: string; descending: boolean }>;
  total: 'none' | 'estimate' | 'accurate';
  summary: SummaryMode;
  elements: string[] | undefined;
  includes: IncludeSpec[];
  /** Parameters ignored under `Prefer: handling=lenient`, reported back to the client. */
  ignored: string[];
};

/** Parameters that shape the result rather than select resources (`_type` is read by system search). */
const RESULT_PARAMETERS = new Set([
  '_type',
  '_count',
  '_offset',
  '_cursor',
  '_sort',
  '_total',
  '_summary',
  '_elements',
  '_include',
  '_revinclude',
  '_format',
  '_pretty',
]);
export const MAX_COUNT = 1000;
const DEFAULT_COUNT = 20;

/** Whether `_sort` can order by the parameter: only indexed parameters have values to sort on. */
function isSortable(resourceTypes: string[], code: string): boolean {
  return resourceTypes.every((type) => {
    const parameter = tryGetSearchParam(type, code);
    return parameter !== undefined && isSearchable(parameter) && parameter.type !== 'composite';
  });
}

function readCount(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 0) {
    throw new OutcomeError(badRequest(`Invalid _count "${value}"`, '_count'));
  }
  return Math.min(count, MAX_COUNT);
}

/**
 * Parses `name[:modifier]=value&...` into criteria, checking every parameter against the R4
 * definitions of `resourceTypes`. Unknown or unsupported parameters are a 400 naming them, unless
 * `lenient`; malformed values always are. Empty values are ignored (R4 §3.1.1.5).
 */
export function parseSearchQuery(
  resourceTypes: string | string[],
  params: Array<[string, string]>,
  lenient: boolean,
): SearchQuery {
  const types = typeof resourceTypes === 'string' ? [resourceTypes] : resourceTypes;
  const query: SearchQuery = {
    resourceTypes: types,
    criteria: [],
    count: DEFAULT_COUNT,
    offset: 0,
    cursor: undefined,
    sort: [],
    total: 'none',
    summary: 'false',
    elements: undefined,
    includes: [],
    ignored: [],
  };
  for (const [key, raw] of params) {
    const name = key.split(':', 1)[0] ?? '';
    if (raw === '' && !RESULT_PARAMETERS.has(name)) {
      continue;
    }
    try {
      if (RESULT_PARAMETERS.has(name)) {
        applyResultParameter(query, key, raw);
      } else {
        query.criteria.push(parseCriterion(types, key, raw));
      }
    } catch (error) {
      if (!(error instanceof UnsupportedParameterError) || !lenient) {
        throw error;
      }
      query.ignored.push(key);
    }
  }
  return query;
}

function applyResultParameter(query: SearchQuery, key: string, raw: string): void {
  const [name = '', modifier] = key.split(':', 2);
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
    case '_cursor':
      query.cursor = decodeCursor(raw);
      break;
    case '_sort':
      for (const sortKey of raw.split(',')) {
        const descending = sortKey.startsWith('-');
        const sortName = descending ? sortKey.slice(1) : sortKey;
        if (sortName !== '_id' && sortName !== '_lastUpdated' && !isSortable(query.resourceTypes, sortName)) {
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
      query.summary = parseSummary(raw);
      break;
    case '_elements':
      query.elements = parseElements(raw, query.resourceTypes);
      break;
    case '_include':
    case '_revinclude':
      for (const value of raw.split(',')) {
        query.includes.push(parseInclude(name, modifier, value));
      }
      break;
    default:
      break;
  }
}
