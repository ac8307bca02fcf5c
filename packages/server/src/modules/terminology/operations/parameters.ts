import {
  badRequest,
  OutcomeError,
  type CodeableConcept,
  type Coding,
  type Parameters,
  type ParametersParameter,
  type Resource,
} from '@caregraph/core/fhir';
import type { OperationDeclaration, ParameterDeclaration, ParameterType } from './definitions.ts';

/** One parsed input value, tagged with the kind of value it holds. */
type InputValue =
  | { kind: 'text'; value: string }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'integer'; value: number }
  | { kind: 'Coding'; value: Coding }
  | { kind: 'CodeableConcept'; value: CodeableConcept }
  | { kind: 'resource'; value: Resource };

/** Parameters every FHIR interaction accepts that do not concern the operation itself. */
const GENERAL_PARAMETERS = new Set(['_format', '_pretty']);

/**
 * The inputs of one operation call, checked against its declaration: only declared parameters,
 * each at most as often as declared and of its declared type. Accessors return typed values.
 */
export class OperationInput {
  readonly #declaration: OperationDeclaration;
  readonly #values = new Map<string, InputValue[]>();

  constructor(declaration: OperationDeclaration) {
    this.#declaration = declaration;
  }

  /** Adds a parsed value; rejects repeats of a 0..1 parameter. */
  add(name: string, value: InputValue, expression: string): void {
    const list = this.#values.get(name) ?? [];
    const declared = this.#declared(name);
    if (declared.max === '1' && list.length > 0) {
      throw new OutcomeError(
        badRequest(`Parameter "${name}" of $${this.#declaration.name} may appear once`, expression),
      );
    }
    list.push(value);
    this.#values.set(name, list);
  }

  /** Whether the parameter was given. */
  has(name: string): boolean {
    return (this.#values.get(name)?.length ?? 0) > 0;
  }

  /** A uri, code, string, canonical or dateTime parameter. */
  text(name: string): string | undefined {
    return this.texts(name)[0];
  }

  /** Every value of a repeating text parameter. */
  texts(name: string): string[] {
    return this.#of(name, 'text').map((value) => value.value);
  }

  boolean(name: string): boolean | undefined {
    return this.#of(name, 'boolean')[0]?.value;
  }

  integer(name: string): number | undefined {
    return this.#of(name, 'integer')[0]?.value;
  }

  coding(name: string): Coding | undefined {
    return this.#of(name, 'Coding')[0]?.value;
  }

  codeableConcept(name: string): CodeableConcept | undefined {
    return this.#of(name, 'CodeableConcept')[0]?.value;
  }

  /** A resource parameter (`valueSet`, `codeSystem`, `conceptMap`). */
  resource(name: string): Resource | undefined {
    return this.#of(name, 'resource')[0]?.value;
  }

  #declared(name: string): ParameterDeclaration {
    const declared = this.#declaration.parameters.find((parameter) => parameter.name === name);
    if (!declared) {
      throw new Error(`$${this.#declaration.name} declares no parameter "${name}"`);
    }
    return declared;
  }

  #of<K extends InputValue['kind']>(name: string, kind: K): Array<Extract<InputValue, { kind: K }>> {
    this.#declared(name);
    return (this.#values.get(name) ?? []).filter(
      (value): value is Extract<InputValue, { kind: K }> => value.kind === kind,
    );
  }
}

function declarationOf(declaration: OperationDeclaration, name: string, expression: string): ParameterDeclaration {
  const declared = declaration.parameters.find((parameter) => parameter.name === name);
  if (!declared) {
    throw new OutcomeError(badRequest(`Unknown parameter "${name}" for $${declaration.name}`, expression));
  }
  if (declared.support === 'unsupported') {
    throw new OutcomeError(badRequest(`Parameter "${name}" of $${declaration.name} is not supported`, expression));
  }
  return declared;
}

function invalid(name: string, type: ParameterType, expression: string): never {
  throw new OutcomeError(badRequest(`Parameter "${name}" must be a valid ${type}`, expression));
}

/** A query-string value as its declared type; Codings are written `system|code` as search tokens are. */
function parseQueryValue(declared: ParameterDeclaration, text: string): InputValue {
  const { name, type } = declared;
  switch (type) {
    case 'uri':
    case 'code':
    case 'string':
    case 'canonical':
    case 'dateTime':
      return text === '' ? invalid(name, type, name) : { kind: 'text', value: text };
    case 'boolean':
      return text === 'true' || text === 'false'
        ? { kind: 'boolean', value: text === 'true' }
        : invalid(name, type, name);
    case 'integer':
      return /^-?\d{1,9}$/.test(text) ? { kind: 'integer', value: Number(text) } : invalid(name, type, name);
    case 'Coding': {
      const bar = text.lastIndexOf('|');
      const code = text.slice(bar + 1);
      if (bar <= 0 || code === '') {
        throw new OutcomeError(badRequest(`Parameter "${name}" must be written system|code`, name));
      }
      return { kind: 'Coding', value: { system: text.slice(0, bar), code } };
    }
    case 'CodeableConcept':
    case 'ValueSet':
    case 'CodeSystem':
    case 'ConceptMap':
    case 'parts':
      throw new OutcomeError(badRequest(`Parameter "${name}" (${type}) can only be sent in a POSTed Parameters`, name));
  }
}

/** The value of a Parameters entry as its declared type. */
function parseBodyValue(declared: ParameterDeclaration, entry: ParametersParameter, expression: string): InputValue {
  const { name, type } = declared;
  const record: Record<string, unknown> = { ...entry };
  const valueKey = Object.keys(record).find((key) => key.startsWith('value'));
  const value = valueKey === undefined ? undefined : record[valueKey];
  switch (type) {
    case 'uri':
    case 'code':
    case 'string':
    case 'canonical':
    case 'dateTime':
      // Clients send uris as valueString and codes as valueUri often enough that any text value is taken.
      return typeof value === 'string' && value !== '' ? { kind: 'text', value } : invalid(name, type, expression);
    case 'boolean':
      return typeof entry.valueBoolean === 'boolean'
        ? { kind: 'boolean', value: entry.valueBoolean }
        : invalid(name, type, expression);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value)
        ? { kind: 'integer', value }
        : invalid(name, type, expression);
    case 'Coding':
      return entry.valueCoding ? { kind: 'Coding', value: entry.valueCoding } : invalid(name, type, expression);
    case 'CodeableConcept':
      return entry.valueCodeableConcept
        ? { kind: 'CodeableConcept', value: entry.valueCodeableConcept }
        : invalid(name, type, expression);
    case 'ValueSet':
    case 'CodeSystem':
    case 'ConceptMap':
      return entry.resource?.resourceType === type
        ? { kind: 'resource', value: entry.resource }
        : invalid(name, type, expression);
    case 'parts':
      return invalid(name, type, expression);
  }
}

function isParameters(body: unknown): body is Parameters {
  return (
    typeof body === 'object' && body !== null && (body as { resourceType?: unknown }).resourceType === 'Parameters'
  );
}

/**
 * Reads an operation's inputs from the query string and, for POST, a `Parameters` body, checked
 * against the operation's declaration. Unknown and refused parameters are 400s naming them.
 */
export function parseOperationInput(
  declaration: OperationDeclaration,
  request: { query: Array<[string, string]>; body?: unknown },
): OperationInput {
  const input = new OperationInput(declaration);
  for (const [name, text] of request.query) {
    if (GENERAL_PARAMETERS.has(name)) {
      continue;
    }
    const declared = declarationOf(declaration, name, name);
    input.add(name, parseQueryValue(declared, text), name);
  }
  const { body } = request;
  if (body !== undefined) {
    if (!isParameters(body)) {
      throw new OutcomeError(badRequest(`$${declaration.name} takes a Parameters resource as its body`));
    }
    (body.parameter ?? []).forEach((entry, index) => {
      const expression = `Parameters.parameter[${index}]`;
      if (typeof entry.name !== 'string') {
        throw new OutcomeError(badRequest('Every parameter needs a name', expression));
      }
      const declared = declarationOf(declaration, entry.name, expression);
      input.add(entry.name, parseBodyValue(declared, entry, expression), expression);
    });
  }
  return input;
}

/** The Parameters resource answered by an operation. */
export function toParameters(parameter: ParametersParameter[]): Parameters {
  return { resourceType: 'Parameters', parameter };
}
