import { badRequest, OutcomeError } from '@caregraph/core/fhir';
import { isKnownResourceType } from '../validation/index.ts';
import type { Criterion } from './criteria.ts';
import { tryGetSearchParam, type SearchParamDefinition } from './definitions.ts';
import { parseDateValue, parseNumberValue, splitToken, splitUnescaped, splitValues } from './search-values.ts';

/** Search parameter types the engine answers, with the modifiers it accepts for each. */
export const SUPPORTED_MODIFIERS_BY_TYPE: Record<string, Set<string | undefined>> = {
  string: new Set([undefined, 'exact', 'contains', 'missing']),
  token: new Set([undefined, 'not', 'text', 'missing', 'of-type', 'below', 'above']),
  reference: new Set([undefined, 'missing', 'identifier']),
  date: new Set([undefined, 'missing']),
  number: new Set([undefined, 'missing']),
  quantity: new Set([undefined, 'missing']),
  uri: new Set([undefined, 'below', 'above', 'missing']),
  composite: new Set([undefined]),
};

/** Thrown for a parameter the server does not know or support; lenient handling ignores it. */
export class UnsupportedParameterError extends OutcomeError {}

const unsupported = (name: string, message: string) => new UnsupportedParameterError(badRequest(message, name));
const invalid = (name: string, message: string) => new OutcomeError(badRequest(message, name));

/** Whether the parameter has an index the engine can search. */
export function isSearchable(parameter: SearchParamDefinition): boolean {
  return parameter.expression !== undefined && parameter.type in SUPPORTED_MODIFIERS_BY_TYPE;
}

/** The parameter on every one of `resourceTypes`, or an error naming it. All must agree on its type. */
function findParameter(resourceTypes: string[], name: string, key: string): SearchParamDefinition {
  const found = resourceTypes.map((type) => tryGetSearchParam(type, name));
  const [first] = found;
  if (!first || found.some((parameter) => parameter === undefined)) {
    throw unsupported(key, `Unknown search parameter "${name}" for resource type ${resourceTypes.join(', ')}`);
  }
  if (!isSearchable(first) || found.some((parameter) => parameter?.type !== first.type)) {
    throw unsupported(key, `Search parameter "${name}" (${first.type}) is not supported`);
  }
  return first;
}

/** Checks ordered and composite values now, so a malformed one is a 400 naming it. */
function checkValues(parameter: SearchParamDefinition, name: string, values: string[]): void {
  for (const value of values) {
    if (parameter.type === 'date') {
      parseDateValue(name, value);
    } else if (parameter.type === 'number' || parameter.type === 'quantity') {
      parseNumberValue(name, value);
    } else if (parameter.type === 'composite') {
      const parts = splitUnescaped(value, '$');
      if (parts.length !== parameter.components.length) {
        throw invalid(
          name,
          `Composite parameter ${name} takes ${parameter.components.length} values joined by "$", got "${value}"`,
        );
      }
      parts.forEach((part, index) => {
        const type = parameter.components[index]?.type;
        if (type === 'date') {
          parseDateValue(name, part);
        } else if (type === 'number' || type === 'quantity') {
          parseNumberValue(name, part);
        }
      });
    }
  }
}

/** `subject:Patient.name`: the first link's parameter and type, and the rest of the chain. */
function splitChain(key: string): { head: string; typeName: string | undefined; rest: string } | undefined {
  const dot = key.indexOf('.');
  if (dot < 0) {
    return undefined;
  }
  const [head = '', typeName] = key.slice(0, dot).split(':', 2);
  return { head, typeName, rest: key.slice(dot + 1) };
}

function parseChain(resourceTypes: string[], key: string, raw: string): Criterion {
  const chain = splitChain(key);
  if (!chain) {
    throw unsupported(key, `Invalid chained parameter "${key}"`);
  }
  const parameter = findParameter(resourceTypes, chain.head, key);
  if (parameter.type !== 'reference') {
    throw invalid(key, `Chaining needs a reference parameter; "${chain.head}" is ${parameter.type}`);
  }
  if (chain.typeName && !parameter.targets.includes(chain.typeName)) {
    throw invalid(key, `Search parameter ${chain.head} cannot reference ${chain.typeName}`);
  }
  const nextName = chain.rest.split(/[.:]/, 1)[0] ?? '';
  const candidates = chain.typeName ? [chain.typeName] : parameter.targets;
  const targets = candidates.filter((type) => nextName.startsWith('_') || tryGetSearchParam(type, nextName));
  if (targets.length === 0) {
    throw unsupported(key, `No resource type referenced by ${chain.head} has a search parameter "${nextName}"`);
  }
  const next = new Map(targets.map((type) => [type, parseCriterion([type], chain.rest, raw)]));
  return { kind: 'chain', name: key, parameter, next };
}

/** `_has:Observation:patient:code=x`, possibly nested (`_has:A:b:_has:C:d:e=x`). */
function parseHas(resourceTypes: string[], key: string, raw: string): Criterion {
  const [, sourceType = '', referenceCode = '', ...rest] = key.split(':');
  const nextKey = rest.join(':');
  if (!isKnownResourceType(sourceType) || !referenceCode || !nextKey) {
    throw invalid(key, `Invalid _has parameter "${key}": expected _has:Type:reference:parameter`);
  }
  const reference = tryGetSearchParam(sourceType, referenceCode);
  if (reference?.type !== 'reference') {
    throw invalid(key, `"${referenceCode}" is not a reference search parameter of ${sourceType}`);
  }
  if (!resourceTypes.every((type) => reference.targets.includes(type))) {
    throw invalid(key, `${sourceType}.${referenceCode} cannot reference ${resourceTypes.join(', ')}`);
  }
  return { kind: 'has', name: key, sourceType, referenceCode, next: parseCriterion([sourceType], nextKey, raw) };
}

/**
 * Parses one `name[:modifier]=value` pair into a criterion on `resourceTypes`, or throws: an
 * `UnsupportedParameterError` for unknown parameters and modifiers, a plain 400 for bad values.
 */
export function parseCriterion(resourceTypes: string[], key: string, raw: string): Criterion {
  if (key.startsWith('_has:')) {
    return parseHas(resourceTypes, key, raw);
  }
  if (key.includes('.')) {
    return parseChain(resourceTypes, key, raw);
  }
  const [name = '', modifier] = key.split(':', 2);
  const values = splitValues(raw);
  if (name === '_id' || name === '_lastUpdated') {
    if (modifier !== undefined) {
      throw unsupported(key, `Unsupported modifier :${modifier} on ${name}`);
    }
    if (name === '_lastUpdated') {
      values.forEach((value) => parseDateValue(name, value));
    }
    return { kind: 'column', name, values };
  }
  if (name === '_text' || name === '_content') {
    if (modifier !== undefined) {
      throw unsupported(key, `Unsupported modifier :${modifier} on ${name}`);
    }
    return { kind: 'text', name, values };
  }
  if (name === '_list') {
    if (modifier !== undefined || values.some((value) => !/^[A-Za-z0-9\-.]{1,64}$/.test(value))) {
      throw unsupported(key, `_list takes List ids (functional lists such as $current-problems are not supported)`);
    }
    return { kind: 'list', listIds: values };
  }
  const parameter = findParameter(resourceTypes, name, key);
  const supported = SUPPORTED_MODIFIERS_BY_TYPE[parameter.type];
  const isTypeModifier = parameter.type === 'reference' && modifier !== undefined && isKnownResourceType(modifier);
  if (!isTypeModifier && !supported?.has(modifier)) {
    throw unsupported(key, `Unsupported modifier :${modifier ?? ''} on search parameter ${name}`);
  }
  if (modifier === 'missing') {
    if (raw !== 'true' && raw !== 'false') {
      throw invalid(key, `:missing takes true or false, got "${raw}"`);
    }
  } else if (modifier === 'of-type') {
    if (values.some((value) => splitUnescaped(value, '|').length !== 3)) {
      throw invalid(key, `:of-type takes system|code|value, got "${raw}"`);
    }
  } else if (modifier === 'below' || modifier === 'above') {
    if (parameter.type === 'token' && values.some((value) => !splitToken(value).system || !splitToken(value).code)) {
      throw invalid(key, `:${modifier} takes system|code, got "${raw}"`);
    }
  } else if (modifier !== 'identifier' && modifier !== 'text') {
    checkValues(parameter, name, values);
  }
  return { kind: 'value', name, modifier, parameter, values };
}
