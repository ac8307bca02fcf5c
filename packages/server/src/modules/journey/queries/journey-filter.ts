import { badParameter } from '../journey-error.ts';

/** Which nodes of a journey a read keeps; every part is optional and they combine with AND. */
export type JourneyFilter = {
  /** Nodes whose time span reaches into [start, end): start inclusive, end exclusive. */
  start?: Date;
  end?: Date;
  types?: string[];
  /** Codes as 'system|code' (matched exactly) and bare codes (matched in any system); OR. */
  codes?: { qualified: string[]; bare: string[] };
  /** An Encounter id: the encounter itself and the resources recorded during it. */
  encounterId?: string;
  /** A Practitioner, PractitionerRole or Organization reference among the node's providers. */
  provider?: string;
};

/** The raw filter parameters, as they arrive in the query string. */
export type JourneyFilterParameters = {
  start?: string;
  end?: string;
  type?: string;
  code?: string;
  encounter?: string;
  provider?: string;
};

const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const PROVIDER_TYPES = new Set(['Practitioner', 'PractitionerRole', 'Organization']);
const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?)?)?$/;
const MAX_LIST = 50;

/**
 * The instant a FHIR date or dateTime begins (`bound` 'start') or the instant after it ends
 * ('end'): `2024` ends at 2025-01-01, `2024-03-01` at 2024-03-02, an instant one millisecond later.
 * Dates without a time zone are read as UTC.
 */
export function parseDateBound(value: string, bound: 'start' | 'end', name: string): Date {
  const match = DATE.exec(value);
  if (!match) {
    throw badParameter(name, 'expected a FHIR date or dateTime such as 2024, 2024-03 or 2024-03-01T10:00:00Z');
  }
  const [, year, month, day, time] = match;
  if (time !== undefined) {
    const instant = new Date(value);
    if (Number.isNaN(instant.getTime())) {
      throw badParameter(name, 'not a valid dateTime');
    }
    return bound === 'start' ? instant : new Date(instant.getTime() + 1);
  }
  const y = Number(year);
  const m = month === undefined ? 0 : Number(month) - 1;
  const d = day === undefined ? 1 : Number(day);
  const start = new Date(Date.UTC(y, m, d));
  if (start.getUTCMonth() !== m || start.getUTCDate() !== d) {
    throw badParameter(name, 'not a valid date');
  }
  if (bound === 'start') {
    return start;
  }
  if (day !== undefined) {
    return new Date(Date.UTC(y, m, d + 1));
  }
  return month !== undefined ? new Date(Date.UTC(y, m + 1, 1)) : new Date(Date.UTC(y + 1, 0, 1));
}

/** A comma-separated list: trimmed, no empty items, at most a few dozen. */
export function splitList(value: string, name: string): string[] {
  const items = value.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) {
    throw badParameter(name, 'an empty item in the comma-separated list');
  }
  if (items.length > MAX_LIST) {
    throw badParameter(name, `at most ${MAX_LIST} items`);
  }
  return items;
}

/** A code parameter: 'system|code' or a bare 'code'; a leading '|' (no system) is refused. */
export function parseCodes(value: string, name: string): { qualified: string[]; bare: string[] } {
  const qualified: string[] = [];
  const bare: string[] = [];
  for (const item of splitList(value, name)) {
    const bar = item.indexOf('|');
    if (bar < 0) {
      bare.push(item);
    } else if (bar === 0 || bar === item.length - 1) {
      throw badParameter(name, 'expected system|code or code');
    } else {
      qualified.push(item);
    }
  }
  return { qualified, bare };
}

/** An id or a 'Type/id' reference whose type must be one of `types`. */
export function parseReference(value: string, types: ReadonlySet<string>, name: string): { type?: string; id: string } {
  const slash = value.indexOf('/');
  const type = slash < 0 ? undefined : value.slice(0, slash);
  const id = slash < 0 ? value : value.slice(slash + 1);
  if ((type !== undefined && !types.has(type)) || !FHIR_ID.test(id)) {
    throw badParameter(name, `expected ${[...types].join(' or ')} reference (Type/id)`);
  }
  return { ...(type === undefined ? {} : { type }), id };
}

/** A 'Type/id' reference to a resource of any type. */
export function parseAnyReference(value: string, name: string): string {
  const slash = value.indexOf('/');
  if (slash < 0 || !RESOURCE_TYPE.test(value.slice(0, slash)) || !FHIR_ID.test(value.slice(slash + 1))) {
    throw badParameter(name, 'expected a reference such as Condition/123');
  }
  return value;
}

/** Reads and checks the filter parameters; throws a 400 naming the first bad one. */
export function parseJourneyFilter(parameters: JourneyFilterParameters): JourneyFilter {
  const filter: JourneyFilter = {};
  if (parameters.start !== undefined) {
    filter.start = parseDateBound(parameters.start, 'start', 'start');
  }
  if (parameters.end !== undefined) {
    filter.end = parseDateBound(parameters.end, 'end', 'end');
  }
  if (filter.start && filter.end && filter.start >= filter.end) {
    throw badParameter('end', 'the window ends before it starts');
  }
  if (parameters.type !== undefined) {
    filter.types = splitList(parameters.type, 'type');
    if (filter.types.some((type) => !RESOURCE_TYPE.test(type))) {
      throw badParameter('type', 'expected resource type names such as Condition,Procedure');
    }
  }
  if (parameters.code !== undefined) {
    filter.codes = parseCodes(parameters.code, 'code');
  }
  if (parameters.encounter !== undefined) {
    filter.encounterId = parseReference(parameters.encounter, new Set(['Encounter']), 'encounter').id;
  }
  if (parameters.provider !== undefined) {
    const provider = parseReference(parameters.provider, PROVIDER_TYPES, 'provider');
    if (provider.type === undefined) {
      throw badParameter('provider', 'expected Practitioner, PractitionerRole or Organization reference (Type/id)');
    }
    filter.provider = `${provider.type}/${provider.id}`;
  }
  return filter;
}

/**
 * SQL conditions on the journey_node alias `n` for `filter`; `addParam` binds a value and returns
 * its placeholder. A node without a time is outside any time window.
 */
export function journeyFilterConditions(filter: JourneyFilter, addParam: (value: unknown) => string): string[] {
  const conditions: string[] = [];
  if (filter.end) {
    conditions.push(`n.start_time < ${addParam(filter.end)}`);
  }
  if (filter.start) {
    const start = addParam(filter.start);
    conditions.push(`(n.start_time >= ${start} OR n.end_time >= ${start})`);
  }
  if (filter.types) {
    conditions.push(`n.resource_type = ANY(${addParam(filter.types)}::text[])`);
  }
  if (filter.codes) {
    conditions.push(codeCondition('n', filter.codes, addParam));
  }
  if (filter.encounterId !== undefined) {
    const id = addParam(filter.encounterId);
    conditions.push(`(n.encounter_id = ${id} OR (n.resource_type = 'Encounter' AND n.resource_id = ${id}))`);
  }
  if (filter.provider !== undefined) {
    conditions.push(`n.providers @> ARRAY[${addParam(filter.provider)}::text]`);
  }
  return conditions;
}

/** Whether the journey_node alias `alias` has any of `codes` ('system|code' exactly, bare codes in any system). */
export function codeCondition(
  alias: string,
  codes: { qualified: string[]; bare: string[] },
  addParam: (value: unknown) => string,
): string {
  const alternatives: string[] = [];
  if (codes.qualified.length > 0) {
    alternatives.push(`${alias}.codes && ${addParam(codes.qualified)}::text[]`);
  }
  if (codes.bare.length > 0) {
    alternatives.push(
      `EXISTS (SELECT 1 FROM unnest(${alias}.codes) AS c(code) WHERE substr(c.code, strpos(c.code, '|') + 1) = ANY(${addParam(codes.bare)}::text[]))`,
    );
  }
  return alternatives.length === 0 ? 'false' : `(${alternatives.join(' OR ')})`;
}
