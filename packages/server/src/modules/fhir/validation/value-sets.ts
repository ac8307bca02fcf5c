import type { CodeSystem, CodeSystemConcept, ValueSet, ValueSetComposeInclude } from '@medplum/fhirtypes';

/** The codes a value set allows, both as bare codes and as `system|code` pairs. */
export interface CodeSet {
  /** Bare codes, for `code`/`string`/`uri` elements and for codings without a system. */
  readonly codes: ReadonlySet<string>;
  /** `system|code` pairs, for codings that carry a system. */
  readonly pairs: ReadonlySet<string>;
}

/** Expands value sets that can be enumerated from the bundled specification data alone. */
export interface ValueSetIndex {
  /** Returns the allowed codes, or undefined when the value set cannot be enumerated offline. */
  expand(url: string): CodeSet | undefined;
}

// Marks a value set whose expansion is in progress, so that include cycles resolve to "not enumerable".
const IN_PROGRESS = Symbol('in-progress');

/** Builds an index over the ValueSet and CodeSystem resources of the specification. */
export function buildValueSetIndex(resources: Iterable<ValueSet | CodeSystem>): ValueSetIndex {
  const valueSets = new Map<string, ValueSet>();
  const codeSystems = new Map<string, CodeSystem>();
  for (const resource of resources) {
    // The first definition wins: the core spec file is read before the v3 terminology file.
    if (!resource.url) {
      continue;
    }
    const byUrl: Map<string, ValueSet | CodeSystem> = resource.resourceType === 'ValueSet' ? valueSets : codeSystems;
    if (!byUrl.has(resource.url)) {
      byUrl.set(resource.url, resource);
    }
  }

  const systemCache = new Map<string, ReadonlySet<string> | undefined>();
  const pairCache = new Map<string, ReadonlySet<string> | undefined | typeof IN_PROGRESS>();
  const codeSetCache = new Map<string, CodeSet | undefined>();

  // All codes of a CodeSystem, but only when the spec ships its complete content.
  function systemCodes(system: string): ReadonlySet<string> | undefined {
    if (systemCache.has(system)) {
      return systemCache.get(system);
    }
    const codeSystem = codeSystems.get(system);
    let codes: Set<string> | undefined;
    if (codeSystem?.content === 'complete') {
      codes = new Set();
      collectConcepts(codeSystem.concept, codes);
    }
    systemCache.set(system, codes);
    return codes;
  }

  // One include/exclude clause as `system|code` pairs; its system part and value sets intersect (FHIR semantics).
  function clausePairs(clause: ValueSetComposeInclude): Set<string> | undefined {
    if (clause.filter?.length) {
      return undefined;
    }
    let result: Set<string> | undefined;
    if (clause.system) {
      const system = clause.system;
      const codes = clause.concept ? clause.concept.map((c) => c.code) : systemCodes(system);
      if (!codes) {
        return undefined;
      }
      result = new Set();
      for (const code of codes) {
        if (code) {
          result.add(`${system}|${code}`);
        }
      }
    }
    for (const url of clause.valueSet ?? []) {
      const other = valueSetPairs(stripVersion(url));
      if (!other) {
        return undefined;
      }
      result = result ? intersect(result, other) : new Set(other);
    }
    return result;
  }

  function valueSetPairs(url: string): ReadonlySet<string> | undefined {
    const cached = pairCache.get(url);
    if (cached === IN_PROGRESS) {
      return undefined;
    }
    if (cached || pairCache.has(url)) {
      return cached;
    }
    pairCache.set(url, IN_PROGRESS);
    const pairs = composePairs(valueSets.get(url));
    pairCache.set(url, pairs);
    return pairs;
  }

  function composePairs(valueSet: ValueSet | undefined): Set<string> | undefined {
    const compose = valueSet?.compose;
    if (!compose?.include.length) {
      return undefined;
    }
    const pairs = new Set<string>();
    for (const include of compose.include) {
      const part = clausePairs(include);
      if (!part) {
        return undefined;
      }
      for (const pair of part) {
        pairs.add(pair);
      }
    }
    for (const exclude of compose.exclude ?? []) {
      // An exclusion we cannot enumerate makes the whole set unknown, so the check is skipped rather than wrong.
      const part = clausePairs(exclude);
      if (!part) {
        return undefined;
      }
      for (const pair of part) {
        pairs.delete(pair);
      }
    }
    return pairs;
  }

  return {
    expand(url: string): CodeSet | undefined {
      const key = stripVersion(url);
      if (codeSetCache.has(key)) {
        return codeSetCache.get(key);
      }
      const pairs = valueSetPairs(key);
      const codeSet = pairs
        ? { pairs, codes: new Set([...pairs].map((pair) => pair.slice(pair.indexOf('|') + 1))) }
        : undefined;
      codeSetCache.set(key, codeSet);
      return codeSet;
    },
  };
}

/** Drops the `|version` suffix of a canonical URL. */
export function stripVersion(canonical: string): string {
  const bar = canonical.indexOf('|');
  return bar === -1 ? canonical : canonical.slice(0, bar);
}

function collectConcepts(concepts: CodeSystemConcept[] | undefined, into: Set<string>): void {
  // Hierarchical code systems nest child codes; every level is a valid code.
  for (const concept of concepts ?? []) {
    into.add(concept.code);
    collectConcepts(concept.concept, into);
  }
}

function intersect(a: ReadonlySet<string>, b: ReadonlySet<string>): Set<string> {
  const result = new Set<string>();
  for (const item of a) {
    if (b.has(item)) {
      result.add(item);
    }
  }
  return result;
}
