import { badRequest, OutcomeError } from '@caregraph/core/fhir';
import type { CompartmentType } from '../search/compartments.ts';
import { toDateRange } from '../search/date-range.ts';
import { isKnownResourceType } from '../validation/index.ts';

const DEFAULT_COUNT = 100;
const MAX_COUNT = 1000;
/** The paging parameter of `$everything` links. */
export const CURSOR = '_cursor';

/** The IN parameters of Patient-everything and Encounter-everything in R4 (Encounter has no care dates). */
const OPERATION_PARAMETERS: Record<CompartmentType, Set<string>> = {
  Patient: new Set(['start', 'end', '_since', '_type', '_count', CURSOR]),
  Encounter: new Set(['_since', '_type', '_count', CURSOR]),
};
// Accepted everywhere and ignored: the response is always JSON.
const FORMAT_PARAMETERS = new Set(['_format', '_pretty']);

/** A compartment member's place in the paging order. */
export type MemberKey = [resourceType: string, id: string];

/**
 * Where a page starts: after a key (the first page has none) or before one, for `previous`
 * links; `before` without a key is the last page. Keys are (resource_type, id), so a resource
 * created between two page fetches lands on one page or another but never shifts the rest.
 */
export type Cursor = { direction: 'after'; key?: MemberKey } | { direction: 'before'; key?: MemberKey };

/** The validated parameters of one `$everything` call. */
export type EverythingParameters = {
  /** The care-date window as an inclusive instant range; either end may be open. */
  start: string | undefined;
  end: string | undefined;
  since: string | undefined;
  types: Set<string> | undefined;
  count: number;
  /** Where the page starts; undefined for the first page. */
  cursor: Cursor | undefined;
  /** The validated parameters, without `_cursor`, for building links. */
  linkParams: Array<[string, string]>;
};

function invalid(text: string, expression: string): never {
  throw new OutcomeError(badRequest(text, expression));
}

/** The opaque `_cursor` value: base64url JSON, so clients cannot rely on its shape. */
export function encodeCursor(cursor: Cursor): string {
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
  const isKey = (value: unknown): value is MemberKey =>
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
export function readParametersBody(body: unknown): Array<[string, string]> {
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
    cursor: undefined,
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
