import { badRequest, OutcomeError } from '@caregraph/core/fhir';
import { toDateRange, type DateRange } from './date-range.ts';

/** Comparison prefixes for ordered values (R4 §3.1.1.4.2). */
export type Prefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';
const PREFIXES = new Set<string>(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']);

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

/** The index of the first `char` not escaped by a backslash (`\\|` is an escaped backslash, then a bar), or -1. */
function findUnescaped(value: string, char: '|' | '$'): number {
  for (let index = 0; index < value.length; index++) {
    if (value[index] === '\\') {
      index++;
    } else if (value[index] === char) {
      return index;
    }
  }
  return -1;
}

/** Splits a value on every unescaped `char`, keeping escapes in the parts. */
export function splitUnescaped(value: string, char: '|' | '$'): string[] {
  const parts: string[] = [];
  let rest = value;
  for (let at = findUnescaped(rest, char); at >= 0; at = findUnescaped(rest, char)) {
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  parts.push(rest);
  return parts;
}

/** Splits a token value `system|code` on its first unescaped bar; undefined system when there is no bar. */
export function splitToken(value: string): { system: string | undefined; code: string | undefined } {
  const bar = findUnescaped(value, '|');
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
