import type { TypedValue } from '@medplum/core';
import { spanRange, toDateRange, type DateRange } from './date-range.ts';
import { normalizeString } from '@caregraph/core';

export type TokenRow = { code: string; system: string | null; value: string | null; text: string | null };
export type StringRow = { code: string; value: string; exact: string };
export type ReferenceRow = { code: string; targetType: string | null; targetId: string | null; target: string };
export type DateRow = { code: string; low: string; high: string };
export type NumberRow = { code: string; value: number; system: string | null; unit: string | null };
export type UriRow = { code: string; value: string };
/** One component of one composite value; components of the same value share `group`. */
export type CompositeRow = {
  code: string;
  group: number;
  component: number;
  system: string | null;
  value: string | null;
  number: number | null;
  unit: string | null;
  low: string | null;
  high: string | null;
};
/** The words of a resource for full-text search, accents folded. */
export type TextRow = { narrative: string; content: string };

/** Every search-index row one resource version produces, by table. */
export type IndexRows = {
  token: TokenRow[];
  string: StringRow[];
  reference: ReferenceRow[];
  date: DateRow[];
  number: NumberRow[];
  uri: UriRow[];
  composite: CompositeRow[];
  text: TextRow | undefined;
};

/** Suffixes of token codes under which extra rows answer token and reference modifiers. */
export const OF_TYPE_SUFFIX = ':of-type';
export const IDENTIFIER_SUFFIX = ':identifier';

type Json = Record<string, unknown>;

const asRecord = (value: unknown): Json => (typeof value === 'object' && value !== null ? (value as Json) : {});
const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Splits a literal reference into type and id: `Patient/1`, `https://x/fhir/Patient/1/_history/2`. */
export function parseReference(reference: string): { type: string; id: string } | undefined {
  const match = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(reference);
  return match?.[1] && match[2] ? { type: match[1], id: match[2] } : undefined;
}

export function addToken(rows: IndexRows, code: string, item: TypedValue): void {
  const value = asRecord(item.value);
  switch (item.type) {
    case 'CodeableConcept': {
      const codings = Array.isArray(value.coding) ? value.coding : [];
      const text = asString(value.text);
      for (const coding of codings) {
        addToken(rows, code, {
          type: 'Coding',
          value: { ...asRecord(coding), display: text ?? asRecord(coding).display },
        });
      }
      if (codings.length === 0 && text) {
        rows.token.push({ code, system: null, value: null, text: normalizeString(text) });
      }
      return;
    }
    case 'Coding': {
      const display = asString(value.display);
      rows.token.push({
        code,
        system: asString(value.system) ?? null,
        value: asString(value.code) ?? null,
        text: display ? normalizeString(display) : null,
      });
      return;
    }
    case 'Identifier': {
      const type = asRecord(value.type);
      const typeText = asString(type.text);
      const identifierValue = asString(value.value);
      rows.token.push({
        code,
        system: asString(value.system) ?? null,
        value: identifierValue ?? null,
        text: typeText ? normalizeString(typeText) : null,
      });
      // `:of-type` matches the identifier's type coding and value together: kept as `typeCode|value`.
      for (const coding of Array.isArray(type.coding) ? type.coding : []) {
        const typeCode = asString(asRecord(coding).code);
        if (typeCode && identifierValue) {
          rows.token.push({
            code: `${code}${OF_TYPE_SUFFIX}`,
            system: asString(asRecord(coding).system) ?? null,
            value: `${typeCode}|${identifierValue}`,
            text: null,
          });
        }
      }
      return;
    }
    case 'ContactPoint':
      rows.token.push({
        code,
        system: asString(value.system) ?? null,
        value: asString(value.value) ?? null,
        text: null,
      });
      return;
    default:
      if (typeof item.value === 'string' || typeof item.value === 'boolean' || typeof item.value === 'number') {
        rows.token.push({ code, system: null, value: String(item.value), text: null });
      }
  }
}

export function addString(rows: IndexRows, code: string, item: TypedValue): void {
  if (typeof item.value === 'string') {
    rows.string.push({ code, value: normalizeString(item.value), exact: item.value });
    return;
  }
  const value = asRecord(item.value);
  const parts: unknown[] =
    item.type === 'HumanName'
      ? [value.text, value.family, value.given, value.prefix, value.suffix]
      : item.type === 'Address'
        ? [value.text, value.line, value.city, value.district, value.state, value.postalCode, value.country]
        : [];
  for (const part of parts.flat()) {
    if (typeof part === 'string' && part.trim() !== '') {
      rows.string.push({ code, value: normalizeString(part), exact: part });
    }
  }
}

export function addReference(rows: IndexRows, code: string, item: TypedValue): void {
  const target = typeof item.value === 'string' ? item.value : asString(asRecord(item.value).reference);
  const identifier = asRecord(asRecord(item.value).identifier);
  if (typeof identifier.value === 'string') {
    // A logical reference (Reference.identifier) is found with `:identifier`.
    rows.token.push({
      code: `${code}${IDENTIFIER_SUFFIX}`,
      system: asString(identifier.system) ?? null,
      value: identifier.value,
      text: null,
    });
  }
  if (!target) {
    return;
  }
  const parsed = parseReference(target);
  rows.reference.push({ code, targetType: parsed?.type ?? null, targetId: parsed?.id ?? null, target });
}

export function toRange(item: TypedValue): DateRange | undefined {
  if (typeof item.value === 'string') {
    return toDateRange(item.value);
  }
  const value = asRecord(item.value);
  if (item.type === 'Period') {
    const start = asString(value.start);
    const end = asString(value.end);
    return start || end
      ? spanRange(start ? toDateRange(start) : undefined, end ? toDateRange(end) : undefined)
      : undefined;
  }
  if (item.type === 'Timing') {
    const events = (Array.isArray(value.event) ? value.event : []).flatMap((event) =>
      typeof event === 'string' ? [toDateRange(event)].filter((range) => range !== undefined) : [],
    );
    const first = events.map((range) => range.low).sort()[0];
    const last = events
      .map((range) => range.high)
      .sort()
      .at(-1);
    return first && last ? { low: first, high: last } : undefined;
  }
  return undefined;
}

export function addNumber(rows: IndexRows, code: string, item: TypedValue): void {
  if (typeof item.value === 'number') {
    rows.number.push({ code, value: item.value, system: null, unit: null });
    return;
  }
  const value = asRecord(item.value);
  if (typeof value.value === 'number') {
    rows.number.push({
      code,
      value: value.value,
      system: asString(value.system) ?? null,
      unit: asString(value.code) ?? asString(value.unit) ?? null,
    });
  }
}

/** What a resource's token rows say of the patient it references (see REFERENCED_PATIENT_SEVERAL). */
export const REFERENCED_PATIENT_SEVERAL = '*';

/**
 * Whether a type's token rows carry the patient it references. Not a Patient's: it references other
 * patients only through `link`, which the master patient index rewrites as records are matched, and
 * each new link would rewrite every token row of the Patient.
 */
export const tokensCarryPatient = (resourceType: string): boolean => resourceType !== 'Patient';

/**
 * The id of the one Patient the resource's reference rows point at, `REFERENCED_PATIENT_SEVERAL`
 * when they point at several, null when at none (and for a Patient, see `tokensCarryPatient`).
 * Stored on every token row, so a search pinned to one patient reads that patient's token rows of a
 * code directly (migration 0021).
 */
export function referencedPatient(resourceType: string, rows: IndexRows): string | null {
  if (!tokensCarryPatient(resourceType)) {
    return null;
  }
  const patients = new Set<string>();
  for (const row of rows.reference) {
    if (row.targetType === 'Patient' && row.targetId !== null) {
      patients.add(row.targetId);
    }
  }
  const [only] = patients;
  return patients.size > 1 ? REFERENCED_PATIENT_SEVERAL : (only ?? null);
}

/** Index rows with nothing in them. */
export function emptyIndexRows(): IndexRows {
  return { token: [], string: [], reference: [], date: [], number: [], uri: [], composite: [], text: undefined };
}
