// A value set's definition (R4 ValueSet.compose, §4.9.5) as rules that say whether a code is in it.
// Pure: what the rules need to know about codes (known, active, ancestors) comes from the caller.

/** Why a value set cannot be used; the message is safe to show. */
export class ValueSetResolutionError extends Error {
  override readonly name = 'ValueSetResolutionError';
}

/** A filter of ValueSet.compose.include.filter on the `concept` property. */
export type ConceptFilter =
  { op: 'is-a' | 'descendent-of' | 'is-not-a'; value: string } | { op: 'in' | 'not-in'; values: Set<string> };

/** One `include` or `exclude`: a system (whole, listed concepts, or filtered) and/or other value sets. */
export type ComposeRule = {
  system: string | undefined;
  /** Listed concepts with the display the value set gives them, when it lists any. */
  concepts: Map<string, string | undefined> | undefined;
  filters: ConceptFilter[];
  /** Imported value sets: a code must be in every one of them (and in the system part, if any). */
  valueSets: CompiledValueSet[];
};

export type CompiledValueSet = { url: string; includes: ComposeRule[]; excludes: ComposeRule[] };

/** A value set's compose before its imports are resolved. */
export type ParsedCompose = {
  includes: ParsedRule[];
  excludes: ParsedRule[];
};
export type ParsedRule = Omit<ComposeRule, 'valueSets'> & { valueSetUrls: string[] };

/** What the code system store says about one code; undefined when the system has no current release. */
export type ConceptFacts = {
  known: boolean;
  active: boolean;
  display: string | undefined;
  /** The filter codes (of any filter in the value set) the code is, or is below, in the is-a hierarchy. */
  ancestors: ReadonlySet<string>;
};

/** Looks up the facts of `code` in `system`; undefined means the system is not loaded. */
export type FactsOf = (system: string, code: string) => ConceptFacts | undefined;

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Reads a ValueSet's compose, or — for a value set that only carries an expansion — its
 * `expansion.contains` as listed concepts.
 * @throws ValueSetResolutionError when a part cannot be evaluated (unsupported filter, empty include)
 */
export function parseCompose(url: string, valueSet: unknown): ParsedCompose {
  if (!isObject(valueSet)) {
    throw new ValueSetResolutionError(`Value set ${url} is not a ValueSet resource`);
  }
  const compose = valueSet.compose;
  if (isObject(compose)) {
    return {
      includes: arrayOf(compose.include).map((include) => parseRule(url, include)),
      excludes: arrayOf(compose.exclude).map((exclude) => parseRule(url, exclude)),
    };
  }
  const expansion = valueSet.expansion;
  if (isObject(expansion)) {
    return { includes: expansionRules(expansion.contains), excludes: [] };
  }
  throw new ValueSetResolutionError(`Value set ${url} has neither a compose nor an expansion`);
}

function parseRule(url: string, part: unknown): ParsedRule {
  if (!isObject(part)) {
    throw new ValueSetResolutionError(`Value set ${url} has a malformed compose`);
  }
  const system = stringOf(part.system);
  const valueSetUrls = arrayOf(part.valueSet).flatMap((item) => stringOf(item) ?? []);
  if (!system && valueSetUrls.length === 0) {
    throw new ValueSetResolutionError(`Value set ${url} has an include or exclude with neither system nor valueSet`);
  }
  const listed = arrayOf(part.concept).filter(isObject);
  const concepts =
    listed.length > 0
      ? new Map(
          listed.flatMap((concept) => {
            const code = stringOf(concept.code);
            return code ? [[code, stringOf(concept.display)] as const] : [];
          }),
        )
      : undefined;
  const filters = arrayOf(part.filter).map((filter) => parseFilter(url, system, filter));
  return { system, concepts, filters, valueSetUrls };
}

function parseFilter(url: string, system: string | undefined, filter: unknown): ConceptFilter {
  const property = isObject(filter) ? stringOf(filter.property) : undefined;
  const op = (isObject(filter) ? stringOf(filter.op) : undefined) ?? '';
  const value = isObject(filter) ? stringOf(filter.value) : undefined;
  if (!system || property !== 'concept' || value === undefined) {
    throw new ValueSetResolutionError(
      `Value set ${url} has a filter the server cannot evaluate (only filters on property "concept" of a system)`,
    );
  }
  switch (op) {
    case 'is-a':
    case 'descendent-of':
    case 'is-not-a':
      return { op, value };
    case 'in':
    case 'not-in':
      return { op, values: new Set(value.split(',').map((code) => code.trim())) };
    default:
      throw new ValueSetResolutionError(
        `Value set ${url} uses filter op "${op}"; supported: is-a, descendent-of, is-not-a, in, not-in`,
      );
  }
}

/** `expansion.contains` (nested) as one listed-concepts rule per system. */
function expansionRules(contains: unknown): ParsedRule[] {
  const bySystem = new Map<string, Map<string, string | undefined>>();
  const visit = (items: unknown): void => {
    for (const item of arrayOf(items).filter(isObject)) {
      const system = stringOf(item.system);
      const code = stringOf(item.code);
      if (system && code) {
        const concepts = bySystem.get(system) ?? new Map<string, string | undefined>();
        concepts.set(code, stringOf(item.display));
        bySystem.set(system, concepts);
      }
      visit(item.contains);
    }
  };
  visit(contains);
  return [...bySystem].map(([system, concepts]) => ({ system, concepts, filters: [], valueSetUrls: [] }));
}

/** Every code system a value set draws on, imports included. */
export function systemsOf(valueSet: CompiledValueSet, into = new Set<string>()): Set<string> {
  for (const rule of [...valueSet.includes, ...valueSet.excludes]) {
    if (rule.system) {
      into.add(rule.system);
    }
    rule.valueSets.forEach((imported) => systemsOf(imported, into));
  }
  return into;
}

/** Every code named by an is-a style filter, imports included: the ancestors worth looking up. */
export function hierarchyFilterCodes(valueSet: CompiledValueSet, into = new Set<string>()): Set<string> {
  for (const rule of [...valueSet.includes, ...valueSet.excludes]) {
    for (const filter of rule.filters) {
      if (filter.op === 'is-a' || filter.op === 'descendent-of' || filter.op === 'is-not-a') {
        into.add(filter.value);
      }
    }
    rule.valueSets.forEach((imported) => hierarchyFilterCodes(imported, into));
  }
  return into;
}

/** The outcome for one code: in the set (with the display to fill in) or why not. */
export type Membership =
  | { isMember: true; display: string | undefined }
  | { isMember: false; reason: 'system-not-loaded' | 'unknown-code' | 'inactive' | 'not-in-value-set' };

/** Whether `code` of `system` is in the value set: in some include and in no exclude. */
export function checkMembership(
  valueSet: CompiledValueSet,
  system: string,
  code: string,
  factsOf: FactsOf,
): Membership {
  const facts = factsOf(system, code);
  const included = valueSet.includes.find((rule) => matchesInclude(rule, system, code, factsOf));
  if (included && !valueSet.excludes.some((rule) => matchesExclude(rule, system, code, factsOf))) {
    return { isMember: true, display: facts?.display ?? included.concepts?.get(code) };
  }
  if (!facts) {
    return { isMember: false, reason: 'system-not-loaded' };
  }
  if (!facts.known) {
    return { isMember: false, reason: 'unknown-code' };
  }
  return { isMember: false, reason: facts.active ? 'not-in-value-set' : 'inactive' };
}

function isMember(valueSet: CompiledValueSet, system: string, code: string, factsOf: FactsOf): boolean {
  return checkMembership(valueSet, system, code, factsOf).isMember;
}

function matchesInclude(rule: ComposeRule, system: string, code: string, factsOf: FactsOf): boolean {
  if (rule.system !== undefined) {
    if (rule.system !== system || (rule.concepts && !rule.concepts.has(code))) {
      return false;
    }
    const facts = factsOf(system, code);
    // A code system that is not loaded can only be checked against a list the value set spells out.
    if (facts ? !facts.known || !facts.active : !rule.concepts || rule.filters.length > 0) {
      return false;
    }
    if (!rule.filters.every((filter) => passesFilter(filter, code, facts))) {
      return false;
    }
  }
  return rule.valueSets.every((imported) => isMember(imported, system, code, factsOf));
}

function matchesExclude(rule: ComposeRule, system: string, code: string, factsOf: FactsOf): boolean {
  if (rule.system !== undefined) {
    if (rule.system !== system || (rule.concepts && !rule.concepts.has(code))) {
      return false;
    }
    const facts = factsOf(system, code);
    if (!rule.filters.every((filter) => passesFilter(filter, code, facts))) {
      return false;
    }
  }
  return rule.valueSets.every((imported) => isMember(imported, system, code, factsOf));
}

function passesFilter(filter: ConceptFilter, code: string, facts: ConceptFacts | undefined): boolean {
  switch (filter.op) {
    case 'is-a':
      return facts?.ancestors.has(filter.value) ?? false;
    case 'descendent-of':
      return code !== filter.value && (facts?.ancestors.has(filter.value) ?? false);
    case 'is-not-a':
      return !(facts?.ancestors.has(filter.value) ?? false);
    case 'in':
      return filter.values.has(code);
    case 'not-in':
      return !filter.values.has(code);
  }
}
