/**
 * Replaces reference strings found in `replacements` everywhere in a resource: every `reference`
 * property (Reference.reference) at any depth, as R4 §3.1.0.11.2 requires for `urn:uuid:` and
 * `urn:oid:` full URLs and for resolved conditional references. Returns a new object.
 */
export function rewriteReferences<T>(value: T, replacements: ReadonlyMap<string, string>): T {
  if (Array.isArray(value)) {
    return value.map((item: unknown) => rewriteReferences(item, replacements)) as T;
  }
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  const result: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === 'reference' && typeof child === 'string') {
      result[key] = replacements.get(child) ?? child;
    } else {
      result[key] = typeof child === 'object' && child !== null ? rewriteReferences(child, replacements) : child;
    }
  }
  return result as T;
}

/** Every `reference` string in a resource that is a conditional reference (`Type?criteria`). */
export function collectConditionalReferences(value: unknown, found: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) {
      collectConditionalReferences(item, found);
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      if (key === 'reference' && typeof child === 'string' && /^[A-Z][A-Za-z]+\?/.test(child)) {
        found.add(child);
      } else if (typeof child === 'object' && child !== null) {
        collectConditionalReferences(child, found);
      }
    }
  }
  return found;
}
