import { tryGetDataType } from '@medplum/core';
import type { InternalSchemaElement } from '@medplum/core';
import { getPrimitiveTypes, listComplexTypes, listResourceTypes } from './load-definitions.ts';

/** One JSON property of a FHIR type: `gender`, or one typed form of a choice such as `valueQuantity`. */
export interface PropertyInfo {
  /** FHIRPath step for the property, e.g. `gender` or `value.ofType(Quantity)`. */
  readonly step: string;
  /** The FHIR type of the value stored under this JSON key. */
  readonly type: string;
  readonly element: InternalSchemaElement;
  /** The type whose properties lie beneath the value (`Resource` for nested resources); undefined for primitives. */
  readonly childType: string | undefined;
}

/** Properties of every resource, data type and backbone type, keyed by type name and then by JSON key. */
export type TypeGraph = ReadonlyMap<string, ReadonlyMap<string, PropertyInfo>>;

let graph: TypeGraph | undefined;

/** Returns the JSON-level property graph of all R4 types, built once from medplum's indexed schemas. */
export function getTypeGraph(): TypeGraph {
  graph ??= buildTypeGraph();
  return graph;
}

/** Keeps, per type, only the properties that are targets or lead to one; types without any are dropped. */
// Walkers then skip subtrees where nothing can be found.
export function pruneTypeGraph(
  typeGraph: TypeGraph,
  isTarget: (property: PropertyInfo) => boolean,
): Map<string, Map<string, PropertyInfo>> {
  const resourceTypes = listResourceTypes();
  const relevant = new Set<string>();
  const leadsToTarget = (property: PropertyInfo): boolean =>
    isTarget(property) ||
    (property.childType === 'Resource'
      ? resourceTypes.some((type) => relevant.has(type))
      : property.childType !== undefined && relevant.has(property.childType));

  // The type graph has cycles (Identifier -> Reference -> Identifier), so iterate to a fixed point.
  for (let changed = true; changed;) {
    changed = false;
    for (const [type, properties] of typeGraph) {
      if (relevant.has(type)) {
        continue;
      }
      for (const property of properties.values()) {
        if (leadsToTarget(property)) {
          relevant.add(type);
          changed = true;
          break;
        }
      }
    }
  }

  const pruned = new Map<string, Map<string, PropertyInfo>>();
  for (const type of relevant) {
    const kept = new Map<string, PropertyInfo>();
    for (const [key, property] of typeGraph.get(type) ?? []) {
      if (leadsToTarget(property)) {
        kept.set(key, property);
      }
    }
    pruned.set(type, kept);
  }
  return pruned;
}

function buildTypeGraph(): TypeGraph {
  const primitives = getPrimitiveTypes();
  const result = new Map<string, Map<string, PropertyInfo>>();
  const pending = [...listResourceTypes(), ...listComplexTypes()];
  for (let type = pending.pop(); type !== undefined; type = pending.pop()) {
    if (result.has(type)) {
      continue;
    }
    const properties = new Map<string, PropertyInfo>();
    result.set(type, properties);
    for (const [name, element] of Object.entries(tryGetDataType(type)?.elements ?? {})) {
      const isChoice = name.endsWith('[x]');
      const base = isChoice ? name.slice(0, -3) : name;
      for (const { code } of element.type) {
        const key = isChoice ? base + code.charAt(0).toUpperCase() + code.slice(1) : base;
        const step = isChoice ? `${base}.ofType(${code})` : base;
        // FHIRPath system types (`http://hl7.org/fhirpath/System.String`) are primitives too.
        if (primitives.has(code) || code.includes('/')) {
          properties.set(key, { step, type: code, element, childType: undefined });
          // A primitive's id and extensions live in a sibling `_name` object shaped like Element.
          properties.set(`_${key}`, { step, type: 'Element', element, childType: 'Element' });
          pending.push('Element');
        } else {
          properties.set(key, { step, type: code, element, childType: code });
          // Nested resources are resolved per value from their resourceType, so `Resource` itself is not expanded.
          if (code !== 'Resource') {
            pending.push(code);
          }
        }
      }
    }
  }
  return result;
}
