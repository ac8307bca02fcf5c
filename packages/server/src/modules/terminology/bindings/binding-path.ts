import { tryGetDataType } from '@medplum/core';
import { initFhirDefinitions, isKnownResourceType } from '../../fhir/validation/index.ts';

/** The FHIR types a terminology binding can constrain. */
export type CodedType = 'code' | 'Coding' | 'CodeableConcept';

const CODED_TYPES = new Set<string>(['code', 'Coding', 'CodeableConcept']);

/** One step of a resolved path: the JSON key to read and how the step reads in FHIRPath. */
export type PathStep = { key: string; fhirPath: string };

/** An element path checked against the R4 StructureDefinitions, ready to walk. */
export type BindingPath = {
  resourceType: string;
  /** The path as stored: `Condition.code`, `Observation.component.code`, `Observation.valueCodeableConcept`. */
  path: string;
  steps: PathStep[];
  type: CodedType;
};

/** Why a path cannot carry a binding; the message is safe to show to an administrator. */
export class BindingPathError extends Error {
  override readonly name = 'BindingPathError';
  /** Which part of the binding is wrong. */
  readonly field: 'resourceType' | 'path';

  constructor(field: 'resourceType' | 'path', message: string) {
    super(message);
    this.field = field;
  }
}

const ELEMENT_NAME = /^[a-z][A-Za-z0-9]*$/;

/**
 * Resolves a dotted element path (`Condition.code`, or `code` with the resource type implied)
 * against the R4 StructureDefinitions. Choice elements are named by their JSON key
 * (`Observation.valueCodeableConcept`). The element must be a code, Coding or CodeableConcept.
 * @throws BindingPathError naming what does not exist or has the wrong type
 */
export function resolveBindingPath(resourceType: string, path: string): BindingPath {
  initFhirDefinitions();
  if (!isKnownResourceType(resourceType)) {
    throw new BindingPathError('resourceType', `Unknown resource type "${resourceType}"`);
  }
  const names = path.split('.');
  if (names[0] === resourceType) {
    names.shift();
  }
  if (names.length === 0 || names.some((name) => !ELEMENT_NAME.test(name))) {
    throw new BindingPathError(
      'path',
      `"${path}" is not a dotted element path of ${resourceType} such as ${resourceType}.code`,
    );
  }
  const steps: PathStep[] = [];
  let type = resourceType;
  let where = resourceType;
  for (const name of names) {
    if (CODED_TYPES.has(type) && type !== 'CodeableConcept') {
      throw new BindingPathError('path', `${where} is a ${type}; a binding applies to the whole element`);
    }
    const step = resolveStep(type, name);
    if (!step) {
      throw new BindingPathError('path', `${where} has no element "${name}"`);
    }
    steps.push({ key: name, fhirPath: step.fhirPath });
    where = `${where}.${name}`;
    type = step.type;
  }
  if (!isCodedType(type)) {
    throw new BindingPathError('path', `${where} is a ${type}; a binding needs a code, Coding or CodeableConcept`);
  }
  return { resourceType, path: `${resourceType}.${names.join('.')}`, steps, type };
}

function isCodedType(type: string): type is CodedType {
  return CODED_TYPES.has(type);
}

/** The type under JSON key `name` of `type`; a choice element answers to each of its typed keys. */
function resolveStep(type: string, name: string): { type: string; fhirPath: string } | undefined {
  const elements = tryGetDataType(type)?.elements ?? {};
  const element = elements[name];
  if (element) {
    const only = element.type.length === 1 ? element.type[0]?.code : undefined;
    return only && only !== 'Resource' ? { type: only, fhirPath: name } : undefined;
  }
  for (const [elementName, choice] of Object.entries(elements)) {
    if (!elementName.endsWith('[x]')) {
      continue;
    }
    const base = elementName.slice(0, -3);
    const typed = choice.type.find((candidate) => base + upperFirst(candidate.code) === name);
    if (typed) {
      return { type: typed.code, fhirPath: `${base}.ofType(${typed.code})` };
    }
  }
  return undefined;
}

function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** One value found at a binding path, with its FHIRPath (array indexes included). */
export type BoundElement = { value: unknown; expression: string };

/**
 * Every value a resource holds at a resolved path, repeating elements expanded:
 * `Observation.component.code` yields `Observation.component[0].code`, `Observation.component[1].code`, ….
 * Values are the resource's own objects, so callers can fill them in place.
 */
export function findBoundElements(resource: Record<string, unknown>, path: BindingPath): BoundElement[] {
  let current: BoundElement[] = [{ value: resource, expression: path.resourceType }];
  for (const step of path.steps) {
    const next: BoundElement[] = [];
    for (const { value, expression } of current) {
      if (typeof value !== 'object' || value === null) {
        continue;
      }
      const child = (value as Record<string, unknown>)[step.key];
      const at = `${expression}.${step.fhirPath}`;
      if (Array.isArray(child)) {
        child.forEach((item: unknown, index) => next.push({ value: item, expression: `${at}[${index}]` }));
      } else if (child !== undefined && child !== null) {
        next.push({ value: child, expression: at });
      }
    }
    current = next;
  }
  return current;
}
