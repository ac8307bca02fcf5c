/** A Reference found inside a resource, with the element path that holds it. */
export type FoundReference = {
  /** Element names from the resource root, arrays flattened: `diagnosis.condition`, `context.encounter`. */
  path: string;
  type: string;
  id: string;
};

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A relative literal reference, `Observation/123` (a version suffix is dropped: the journey links
 * resources, not versions). Contained (`#x`), absolute and `urn:` references name no resource of
 * this server and give undefined.
 */
export function parseRelativeReference(reference: string): { type: string; id: string } | undefined {
  const match = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(reference);
  return match?.[1] && match[2] ? { type: match[1], id: match[2] } : undefined;
}

/**
 * Every relative reference in the resource, in document order. Contained resources are skipped:
 * their references belong to resources this server does not store on their own.
 */
export function findReferences(resource: Json): FoundReference[] {
  const found: FoundReference[] = [];
  const visit = (value: unknown, path: string) => {
    if (Array.isArray(value)) {
      for (const item of value) {
        visit(item, path);
      }
      return;
    }
    if (!isObject(value)) {
      return;
    }
    if (typeof value.reference === 'string') {
      const target = parseRelativeReference(value.reference);
      if (target) {
        found.push({ path, ...target });
      }
      // The Reference's own identifier may name an assigner: that is about the identifier, not a link.
      return;
    }
    for (const [name, child] of Object.entries(value)) {
      if (typeof child === 'object' && child !== null) {
        visit(child, path ? `${path}.${name}` : name);
      }
    }
  };
  for (const [name, child] of Object.entries(resource)) {
    if (name !== 'contained' && typeof child === 'object' && child !== null) {
      visit(child, name);
    }
  }
  return found;
}
