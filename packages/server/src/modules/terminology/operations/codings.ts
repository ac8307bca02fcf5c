import { badRequest, OutcomeError, type Coding } from '@caregraph/core/fhir';
import type { OperationInput } from './parameters.ts';

/**
 * The coding an operation is about, from `coding` or from `code` with `system` and `version`
 * (their names differ per operation). Exactly one of the two forms must be given.
 */
export function codingOf(
  input: OperationInput,
  names: { code: string; coding: string; system?: string; version?: string },
): Coding | undefined {
  const code = input.text(names.code);
  const coding = input.coding(names.coding);
  if (code !== undefined && coding) {
    throw new OutcomeError(badRequest(`Give either ${names.code} or ${names.coding}, not both`, names.coding));
  }
  if (coding) {
    if (!coding.code) {
      throw new OutcomeError(badRequest(`${names.coding} needs a code`, `${names.coding}.code`));
    }
    return coding;
  }
  if (code === undefined) {
    return undefined;
  }
  const system = names.system ? input.text(names.system) : undefined;
  const version = names.version ? input.text(names.version) : undefined;
  return { code, ...(system ? { system } : {}), ...(version ? { version } : {}) };
}

/** Like `codingOf`, but a 400 naming both forms when neither is given. */
export function requireCoding(
  input: OperationInput,
  names: { code: string; coding: string; system?: string; version?: string },
): Coding & { code: string } {
  const coding = codingOf(input, names);
  if (!coding?.code) {
    throw new OutcomeError(badRequest(`${names.code} or ${names.coding} is required`, names.code));
  }
  return { ...coding, code: coding.code };
}

/** The `value[x]` of a Parameters part for a stored property value. */
export function propertyValueOf(value: unknown): Record<string, unknown> {
  if (typeof value === 'boolean') {
    return { valueBoolean: value };
  }
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { valueInteger: value } : { valueDecimal: value };
  }
  if (typeof value === 'string') {
    return { valueString: value };
  }
  if (value !== null && typeof value === 'object' && 'code' in value) {
    return { valueCoding: value };
  }
  return { valueString: JSON.stringify(value) };
}
