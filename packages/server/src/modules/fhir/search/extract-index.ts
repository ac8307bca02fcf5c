import { evalFhirPathTyped, toTypedValue, type TypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { spanRange, toDateRange, type DateRange } from './date-range.ts';
import { listIndexedParams } from './definitions.ts';
import { normalizeString } from './normalize.ts';

export type TokenRow = { code: string; system: string | null; value: string | null; text: string | null };
export type StringRow = { code: string; value: string; exact: string };
export type ReferenceRow = { code: string; targetType: string | null; targetId: string | null; target: string };
export type DateRow = { code: string; low: string; high: string };
export type NumberRow = { code: string; value: number; system: string | null; unit: string | null };
export type UriRow = { code: string; value: string };

/** Every search-index row one resource version produces, by table. */
export type IndexRows = {
  token: TokenRow[];
  string: StringRow[];
  reference: ReferenceRow[];
  date: DateRow[];
  number: NumberRow[];
  uri: UriRow[];
};

type Json = Record<string, unknown>;

const asRecord = (value: unknown): Json => (typeof value === 'object' && value !== null ? (value as Json) : {});
const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Splits a literal reference into type and id: `Patient/1`, `https://x/fhir/Patient/1/_history/2`. */
export function parseReference(reference: string): { type: string; id: string } | undefined {
  const match = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(reference);
  return match?.[1] && match[2] ? { type: match[1], id: match[2] } : undefined;
}

function addToken(rows: IndexRows, code: string, item: TypedValue): void {
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
      const typeText = asString(asRecord(value.type).text);
      rows.token.push({
        code,
        system: asString(value.system) ?? null,
        value: asString(value.value) ?? null,
        text: typeText ? normalizeString(typeText) : null,
      });
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

function addString(rows: IndexRows, code: string, item: TypedValue): void {
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

function addReference(rows: IndexRows, code: string, item: TypedValue): void {
  const target = typeof item.value === 'string' ? item.value : asString(asRecord(item.value).reference);
  if (!target) {
    return;
  }
  const parsed = parseReference(target);
  rows.reference.push({ code, targetType: parsed?.type ?? null, targetId: parsed?.id ?? null, target });
}

function toRange(item: TypedValue): DateRange | undefined {
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

function addNumber(rows: IndexRows, code: string, item: TypedValue): void {
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

/** Evaluates every indexed search parameter of the resource's type and returns the rows to store. */
export function extractIndexRows(resource: Resource): IndexRows {
  const rows: IndexRows = { token: [], string: [], reference: [], date: [], number: [], uri: [] };
  const input = [toTypedValue(resource)];
  for (const parameter of listIndexedParams(resource.resourceType)) {
    if (!parameter.expression) {
      continue;
    }
    const values = evalFhirPathTyped(parameter.expression, input);
    for (const item of values) {
      switch (parameter.type) {
        case 'token':
          addToken(rows, parameter.code, item);
          break;
        case 'string':
          addString(rows, parameter.code, item);
          break;
        case 'reference':
          addReference(rows, parameter.code, item);
          break;
        case 'date': {
          const range = toRange(item);
          if (range) {
            rows.date.push({ code: parameter.code, ...range });
          }
          break;
        }
        case 'number':
        case 'quantity':
          addNumber(rows, parameter.code, item);
          break;
        case 'uri':
          if (typeof item.value === 'string') {
            rows.uri.push({ code: parameter.code, value: item.value });
          }
          break;
        case 'composite':
        case 'special':
          break;
      }
    }
  }
  return rows;
}
