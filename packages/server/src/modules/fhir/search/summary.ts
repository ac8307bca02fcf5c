import { tryGetDataType } from '@medplum/core';
import { badRequest, OutcomeError } from '@caregraph/core/fhir';
import { initFhirDefinitions, isKnownResourceType } from '../validation/index.ts';

/** The values of `_summary` (R4 search.html#summary). */
export type SummaryMode = 'true' | 'text' | 'data' | 'count' | 'false';

const SUMMARY_MODES = new Set<string>(['true', 'text', 'data', 'count', 'false']);

/** The tag a server puts on a resource it returns with elements left out, so nobody writes it back as complete. */
const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' } as const;

/** Elements every subset keeps: the resource stays identifiable and its metadata (with the tag) stays with it. */
const ALWAYS_KEPT = new Set(['resourceType', 'id', 'meta']);

/** The top-level elements of one resource type, by base name (`value` for `value[x]`). */
type TypeElements = {
  /** Every JSON key the type allows (`valueQuantity`, `_birthDate`), mapped to its element's base name. */
  elementOfKey: ReadonlyMap<string, string>;
  /** Elements marked isSummary in the base StructureDefinition. */
  summary: ReadonlySet<string>;
  /** Elements with min ≥ 1. */
  mandatory: ReadonlySet<string>;
};

const elementsByType = new Map<string, TypeElements>();

/** Parses `_summary`, or throws a 400 naming the value. */
export function parseSummary(raw: string): SummaryMode {
  if (!SUMMARY_MODES.has(raw)) {
    throw new OutcomeError(
      badRequest(`Invalid _summary value "${raw}": expected true, text, data, count or false`, '_summary'),
    );
  }
  return raw as SummaryMode;
}

/**
 * Parses `_elements` for a search over `resourceTypes`: a comma list of top-level element names,
 * each optionally qualified by its type (`Patient.name`). A name may be an element's base name
 * (`value`, covering every `value[x]` form) or one JSON form of a choice (`valueQuantity`). An
 * element that none of the types has is a 400 naming it. Blank items are skipped.
 */
export function parseElements(raw: string, resourceTypes: string[]): string[] {
  const parsed: string[] = [];
  for (const item of raw.split(',').map((part) => part.trim())) {
    if (item === '' || parsed.includes(item)) {
      continue;
    }
    const { type, element } = splitQualified(item);
    const candidates = type === undefined ? resourceTypes : resourceTypes.filter((candidate) => candidate === type);
    const isKnown =
      !element.startsWith('_') && candidates.some((candidate) => getTypeElements(candidate).elementOfKey.has(element));
    if (!isKnown) {
      const scope = type ?? resourceTypes.join(', ');
      throw new OutcomeError(badRequest(`Unknown element "${item}" in _elements for ${scope}`, '_elements'));
    }
    parsed.push(item);
  }
  return parsed;
}

/**
 * Returns the subset of `resource` that `_summary` asks for (R4 search.html#summary):
 * - `true`: elements marked isSummary in the base definition, plus id, meta and mandatory elements;
 * - `text`: text, id, meta and mandatory top-level elements;
 * - `data`: everything but text;
 * - `false` and `count`: the resource unchanged (`count` returns no resources at all).
 * The input is not modified; a resource that lost any element is tagged SUBSETTED.
 */
export function applySummary(resource: Record<string, unknown>, mode: SummaryMode): Record<string, unknown> {
  switch (mode) {
    case 'false':
    case 'count':
      return resource;
    case 'data':
      return keepElements(resource, (element) => element !== 'text');
    case 'text': {
      const { mandatory } = getTypeElements(resourceTypeOf(resource));
      return keepElements(resource, (element) => element === 'text' || mandatory.has(element));
    }
    case 'true': {
      // Only top-level elements are filtered: the schema registry records isSummary for the root
      // elements of a resource, not for the elements inside its backbone elements.
      const { summary, mandatory } = getTypeElements(resourceTypeOf(resource));
      return keepElements(resource, (element) => summary.has(element) || mandatory.has(element));
    }
  }
}

/**
 * Returns the subset of `resource` that `_elements` asks for (R4 search.html#elements): the listed
 * top-level elements plus resourceType, id, meta and the mandatory elements, which the spec says a
 * server should always return. Entries qualified by another type (`Observation.code` on a Patient)
 * do not apply. A resource that lost any element is tagged SUBSETTED.
 */
export function applyElements(resource: Record<string, unknown>, elements: string[]): Record<string, unknown> {
  const type = resourceTypeOf(resource);
  const requested = new Set<string>();
  for (const item of elements) {
    const { type: qualifier, element } = splitQualified(item);
    if (qualifier === undefined || qualifier === type) {
      requested.add(element);
    }
  }
  const { mandatory } = getTypeElements(type);
  return keepElements(
    resource,
    (element, key) => requested.has(element) || requested.has(key) || mandatory.has(element),
  );
}

/**
 * Copies the top-level keys of `resource` whose element passes `isKept` (or is always kept), and
 * tags the copy SUBSETTED when anything was left out. `isKept` gets the element's base name and
 * the JSON key without its `_` prefix, so a primitive's extensions (`_birthDate`) follow it.
 */
function keepElements(
  resource: Record<string, unknown>,
  isKept: (element: string, key: string) => boolean,
): Record<string, unknown> {
  const { elementOfKey } = getTypeElements(resourceTypeOf(resource));
  const kept: Record<string, unknown> = {};
  let isSubsetted = false;
  for (const [key, value] of Object.entries(resource)) {
    const plainKey = key.startsWith('_') ? key.slice(1) : key;
    const element = elementOfKey.get(plainKey) ?? plainKey;
    if (ALWAYS_KEPT.has(element) || isKept(element, plainKey)) {
      kept[key] = value;
    } else {
      isSubsetted = true;
    }
  }
  if (isSubsetted) {
    kept.meta = withSubsettedTag(kept.meta);
  }
  return kept;
}

function withSubsettedTag(meta: unknown): Record<string, unknown> {
  const base = isRecord(meta) ? meta : {};
  const tags = Array.isArray(base.tag) ? (base.tag as unknown[]) : [];
  const isTagged = tags.some((tag) => isRecord(tag) && tag.system === SUBSETTED.system && tag.code === SUBSETTED.code);
  return isTagged ? base : { ...base, tag: [...tags, { ...SUBSETTED }] };
}

function splitQualified(item: string): { type: string | undefined; element: string } {
  const dot = item.indexOf('.');
  return dot < 0 ? { type: undefined, element: item } : { type: item.slice(0, dot), element: item.slice(dot + 1) };
}

function resourceTypeOf(resource: Record<string, unknown>): string {
  const type = resource.resourceType;
  if (typeof type !== 'string') {
    throw new TypeError('A resource without a resourceType cannot be subsetted');
  }
  return type;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The element lists of a resource type, built once per type from the R4 StructureDefinitions. */
function getTypeElements(resourceType: string): TypeElements {
  const cached = elementsByType.get(resourceType);
  if (cached) {
    return cached;
  }
  initFhirDefinitions();
  const schema = isKnownResourceType(resourceType) ? tryGetDataType(resourceType) : undefined;
  if (!schema) {
    throw new OutcomeError(badRequest(`Unknown resource type "${resourceType}"`));
  }
  const elementOfKey = new Map<string, string>();
  const mandatory = new Set<string>();
  for (const [name, definition] of Object.entries(schema.elements)) {
    const isChoice = name.endsWith('[x]');
    const base = isChoice ? name.slice(0, -3) : name;
    elementOfKey.set(base, base);
    if (isChoice) {
      // A choice is stored under one key per type: value[x] as valueQuantity, valueString, ...
      for (const { code } of definition.type) {
        elementOfKey.set(base + code.charAt(0).toUpperCase() + code.slice(1), base);
      }
    }
    if (definition.min >= 1) {
      mandatory.add(base);
    }
  }
  const elements: TypeElements = { elementOfKey, summary: new Set(schema.summaryProperties), mandatory };
  elementsByType.set(resourceType, elements);
  return elements;
}
