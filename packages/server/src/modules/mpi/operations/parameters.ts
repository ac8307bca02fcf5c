import type { Identifier, Parameters, ParametersParameter, Patient, Reference } from '@medplum/fhirtypes';
import { badRequest, OutcomeError } from '@caregraph/core/fhir';
import type { MpiOperationDeclaration, MpiParameterType } from './definitions.ts';

type InputValue =
  | { type: 'Reference'; value: Reference }
  | { type: 'Identifier'; value: Identifier }
  | { type: 'boolean'; value: boolean }
  | { type: 'integer'; value: number }
  | { type: 'string'; value: string }
  | { type: 'Patient'; value: Patient };

/** An operation's inputs, checked against its declaration. */
export type OperationInputs = {
  get: <T extends MpiParameterType>(name: string, type: T) => Array<Extract<InputValue, { type: T }>['value']>;
};

function invalid(text: string, expression: string): never {
  throw new OutcomeError(badRequest(text, expression));
}

function parseValue(type: MpiParameterType, entry: ParametersParameter, expression: string): InputValue {
  const name = entry.name;
  switch (type) {
    case 'Reference':
      return entry.valueReference?.reference
        ? { type, value: entry.valueReference }
        : invalid(`Parameter "${name}" must be a Reference with a reference`, `${expression}.valueReference`);
    case 'Identifier':
      return entry.valueIdentifier?.value
        ? { type, value: entry.valueIdentifier }
        : invalid(`Parameter "${name}" must be an Identifier with a value`, `${expression}.valueIdentifier`);
    case 'boolean':
      return typeof entry.valueBoolean === 'boolean'
        ? { type, value: entry.valueBoolean }
        : invalid(`Parameter "${name}" must be a boolean`, `${expression}.valueBoolean`);
    case 'integer':
      return Number.isInteger(entry.valueInteger)
        ? { type, value: entry.valueInteger as number }
        : invalid(`Parameter "${name}" must be an integer`, `${expression}.valueInteger`);
    case 'string': {
      const value = entry.valueString ?? entry.valueId;
      return typeof value === 'string' && value !== ''
        ? { type, value }
        : invalid(`Parameter "${name}" must be a string`, `${expression}.valueString`);
    }
    case 'Patient':
      return entry.resource?.resourceType === 'Patient'
        ? { type, value: entry.resource }
        : invalid(`Parameter "${name}" must be a Patient resource`, `${expression}.resource`);
    case 'Parameters':
      return invalid(`Parameter "${name}" cannot be an input`, expression);
  }
}

/**
 * Parses a POSTed Parameters resource against an operation's declaration: only declared
 * parameters, each of its declared type and at most as often as declared. Errors name the
 * offending `Parameters.parameter[n]`.
 */
export function parseOperationInputs(declaration: MpiOperationDeclaration, body: unknown): OperationInputs {
  if (typeof body !== 'object' || body === null || (body as { resourceType?: unknown }).resourceType !== 'Parameters') {
    invalid(`$${declaration.name} takes a Parameters resource`, 'Parameters');
  }
  const values = new Map<string, InputValue[]>();
  ((body as Parameters).parameter ?? []).forEach((entry, index) => {
    const expression = `Parameters.parameter[${index}]`;
    const declared = declaration.parameters.find((parameter) => parameter.name === entry.name);
    if (!declared) {
      invalid(`Unknown parameter "${entry.name}" for $${declaration.name}`, expression);
    }
    const list = values.get(declared.name) ?? [];
    if (declared.max === '1' && list.length > 0) {
      invalid(`Parameter "${declared.name}" of $${declaration.name} may appear once`, expression);
    }
    list.push(parseValue(declared.type, entry, expression));
    values.set(declared.name, list);
  });
  return {
    get: (name, type) =>
      (values.get(name) ?? []).filter((value) => value.type === type).map((value) => value.value) as never,
  };
}

/** The id of a `Patient/{id}` reference (relative, or absolute under this server's base). */
export function patientIdOf(reference: Reference, baseUrl: string, expression: string): string {
  const text = reference.reference ?? '';
  const relative = text.startsWith(`${baseUrl}/`) ? text.slice(baseUrl.length + 1) : text;
  const match = /^Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/\d+)?$/.exec(relative);
  return match?.[1] ?? invalid(`"${text}" is not a reference to a Patient on this server`, expression);
}
