import { badRequest, OutcomeError, type Parameters, type ParametersParameter } from '@caregraph/core/fhir';
import type { StoredConcept } from '../store/index.ts';
import { requireCoding, propertyValueOf } from './codings.ts';
import {
  findConcept,
  notFoundAt,
  resolveCodeSystem,
  resolveCodeSystemInstance,
  type ConceptSource,
} from './code-systems.ts';
import type { TerminologyContext } from './context.ts';
import { toParameters, type OperationInput } from './parameters.ts';

function designationParts(concept: StoredConcept): ParametersParameter[] {
  return concept.designations.map((designation) => ({
    name: 'designation',
    part: [
      ...(designation.language ? [{ name: 'language', valueCode: designation.language }] : []),
      ...(designation.useSystem || designation.useCode
        ? [{ name: 'use', valueCoding: { system: designation.useSystem, code: designation.useCode } }]
        : []),
      { name: 'value', valueString: designation.value },
    ],
  }));
}

function property(code: string, value: Record<string, unknown>): ParametersParameter {
  return {
    name: 'property',
    part: [
      { name: 'code', valueCode: code },
      { name: 'value', ...value },
    ],
  };
}

/**
 * The `property` groups of a concept: its hierarchy (`parent`, `child`), status (`inactive`),
 * `definition`, then every property its release stored, repeated values one group each.
 */
function propertyParts(concept: StoredConcept, wants: (code: string) => boolean): ParametersParameter[] {
  const parts: ParametersParameter[] = [];
  if (wants('parent')) {
    parts.push(...concept.parents.map((parent) => property('parent', { valueCode: parent })));
  }
  if (wants('child')) {
    parts.push(...concept.children.map((child) => property('child', { valueCode: child })));
  }
  if (wants('inactive')) {
    parts.push(property('inactive', { valueBoolean: !concept.active }));
  }
  if (concept.definition && wants('definition')) {
    parts.push(property('definition', { valueString: concept.definition }));
  }
  for (const [code, value] of Object.entries(concept.properties ?? {})) {
    if (wants(code)) {
      const values = Array.isArray(value) ? (value as unknown[]) : [value];
      parts.push(...values.map((item) => property(code, propertyValueOf(item))));
    }
  }
  return parts;
}

/** The answer of `$lookup` for one concept, with the properties asked for (all when none are). */
export function lookupResult(source: ConceptSource, concept: StoredConcept, requested: string[]): Parameters {
  const wants = (code: string) => requested.length === 0 || requested.includes(code);
  return toParameters([
    { name: 'name', valueString: source.name },
    ...(source.version === undefined ? [] : [{ name: 'version', valueString: source.version }]),
    { name: 'display', valueString: concept.display ?? concept.code },
    ...(wants('designation') ? designationParts(concept) : []),
    ...propertyParts(concept, wants),
  ]);
}

/**
 * `CodeSystem/$lookup` (and, beyond R4, `CodeSystem/{id}/$lookup` on the tenant's own code
 * systems): the display, designations and properties of a code. An unknown system or code is a
 * 404 naming it.
 */
export async function lookupOperation(
  ctx: TerminologyContext,
  input: OperationInput,
  instanceId?: string,
): Promise<Parameters> {
  const coding = requireCoding(input, { code: 'code', coding: 'coding', system: 'system', version: 'version' });
  const where = input.has('coding') ? 'coding' : 'code';
  let source: ConceptSource;
  if (instanceId !== undefined) {
    source = await resolveCodeSystemInstance(ctx, instanceId);
    if (coding.system && coding.system !== source.url) {
      throw new OutcomeError(badRequest(`CodeSystem/${instanceId} is ${source.url}, not ${coding.system}`, 'system'));
    }
  } else {
    if (!coding.system) {
      throw new OutcomeError(badRequest('system is required with code', 'system'));
    }
    source = await resolveCodeSystem(ctx, coding.system, coding.version, input.has('coding') ? 'coding' : 'system');
  }
  const concept = await findConcept(ctx, source, coding.code);
  if (!concept) {
    throw new OutcomeError(notFoundAt(`Code "${coding.code}" is not in ${source.url}`, where));
  }
  return lookupResult(source, concept, input.texts('property'));
}
