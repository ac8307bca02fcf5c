import { isKnownResourceType } from './load-definitions.ts';
import { getTypeGraph, pruneTypeGraph } from './type-graph.ts';
import type { PropertyInfo } from './type-graph.ts';

/** Receives each value found where a resource is expected, with its FHIRPath; the value may not be a resource at all. */
export type NestedResourceVisitor = (value: unknown, path: string) => void;

let slots: ReadonlyMap<string, ReadonlyMap<string, PropertyInfo>> | undefined;

/** Visits every value held by a Resource-typed element (`contained`, `Bundle.entry.resource`, ...), depth first. */
// Only values that are known resources are descended into, since only those have a schema to follow.
export function forEachNestedResource(
  resource: Record<string, unknown>,
  path: string,
  visit: NestedResourceVisitor,
): void {
  // Only the few paths that can hold a resource are followed, instead of scanning the whole document.
  slots ??= pruneTypeGraph(getTypeGraph(), (property) => property.childType === 'Resource');
  const type = resource.resourceType;
  const plan = typeof type === 'string' && isKnownResourceType(type) ? slots.get(type) : undefined;
  if (plan) {
    walk(resource, plan, path, slots, visit);
  }
}

function walk(
  value: Record<string, unknown>,
  plan: ReadonlyMap<string, PropertyInfo>,
  path: string,
  all: ReadonlyMap<string, ReadonlyMap<string, PropertyInfo>>,
  visit: NestedResourceVisitor,
): void {
  for (const key in value) {
    const property = plan.get(key);
    if (!property) {
      continue;
    }
    const item = value[key];
    if (Array.isArray(item)) {
      for (let i = 0; i < item.length; i++) {
        step(item[i], property, `${path}.${property.step}[${i}]`, all, visit);
      }
    } else {
      step(item, property, `${path}.${property.step}`, all, visit);
    }
  }
}

function step(
  value: unknown,
  property: PropertyInfo,
  path: string,
  all: ReadonlyMap<string, ReadonlyMap<string, PropertyInfo>>,
  visit: NestedResourceVisitor,
): void {
  if (property.childType === 'Resource') {
    visit(value, path);
    const type = isObject(value) ? value.resourceType : undefined;
    const plan = typeof type === 'string' && isKnownResourceType(type) ? all.get(type) : undefined;
    if (plan && isObject(value)) {
      walk(value, plan, path, all, visit);
    }
    return;
  }
  const plan = property.childType === undefined ? undefined : all.get(property.childType);
  if (plan && isObject(value)) {
    walk(value, plan, path, all, visit);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
