import type { OperationOutcomeIssue, Resource } from '@caregraph/core/fhir';
import type { Queryable } from '../../../platform/db/index.ts';
import { BindingPathError, findBoundElements, resolveBindingPath, type BindingPath } from './binding-path.ts';
import { codeKey, readConceptFacts, type CodeKey } from './concept-facts.ts';
import { listBindings, type TerminologyBinding } from './binding-store.ts';
import { resolveValueSet, type ResolvedValueSets } from './resolve-value-set.ts';
import {
  checkMembership,
  hierarchyFilterCodes,
  systemsOf,
  ValueSetResolutionError,
  type CompiledValueSet,
  type Membership,
} from './value-set-rules.ts';

/** The resource to store (displays filled in) and what is wrong with it; nothing may be stored when there are issues. */
export type BindingCheck = { resource: Resource; issues: OperationOutcomeIssue[] };

/** What one transaction has learned about one tenant's bindings; never shared across transactions or tenants. */
type TransactionCache = {
  /** The tenant's bindings by resource type: one read per transaction, whatever the types written. */
  bindingsByType: Promise<Map<string, TerminologyBinding[]>> | undefined;
  valueSets: ResolvedValueSets;
  /** Membership by value set url, system and code. */
  memberships: Map<string, Membership>;
};

// Keyed by the transaction object, which lives exactly as long as the transaction: a Bundle of a
// thousand Conditions reads the bindings and resolves each value set once, and nothing outlives it.
const caches = new WeakMap<Queryable, Map<string, TransactionCache>>();

function cacheFor(tx: Queryable, tenantId: string): TransactionCache {
  let byTenant = caches.get(tx);
  if (!byTenant) {
    byTenant = new Map();
    caches.set(tx, byTenant);
  }
  let cache = byTenant.get(tenantId);
  if (!cache) {
    cache = { bindingsByType: undefined, valueSets: new Map(), memberships: new Map() };
    byTenant.set(tenantId, cache);
  }
  return cache;
}

async function readBindingsByType(tx: Queryable, tenantId: string): Promise<Map<string, TerminologyBinding[]>> {
  const byType = new Map<string, TerminologyBinding[]>();
  for (const binding of await listBindings(tx, tenantId)) {
    byType.set(binding.resourceType, [...(byType.get(binding.resourceType) ?? []), binding]);
  }
  return byType;
}

// Paths depend only on the R4 definitions, so their resolution is shared by every tenant.
const resolvedPaths = new Map<string, BindingPath>();

function resolveStoredPath(resourceType: string, stored: string): BindingPath {
  const key = `${resourceType}\u0000${stored}`;
  let path = resolvedPaths.get(key);
  if (!path) {
    path = resolveBindingPath(resourceType, stored);
    resolvedPaths.set(key, path);
  }
  return path;
}

/** A coded value found in the resource: a Coding (object, filled in place) or a bare code. */
type FoundCode = {
  system: string | undefined;
  code: string | undefined;
  coding: Record<string, unknown> | undefined;
  expression: string;
};

/** One bound element and the codes it holds; a CodeableConcept passes when any of them is in the value set. */
type FoundElement = { expression: string; codes: FoundCode[] };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function toFoundCode(coding: unknown, expression: string): FoundCode {
  return isObject(coding)
    ? { system: stringOf(coding.system), code: stringOf(coding.code), coding, expression }
    : { system: undefined, code: undefined, coding: undefined, expression };
}

/** The codes of each element at the path, with a bare `code` read in every system the value set draws on. */
function findElements(resource: Resource, path: BindingPath, valueSet: CompiledValueSet): FoundElement[] {
  return findBoundElements(resource as unknown as Record<string, unknown>, path).map(({ value, expression }) => {
    switch (path.type) {
      case 'CodeableConcept': {
        const codings = isObject(value) && Array.isArray(value.coding) ? (value.coding as unknown[]) : [];
        return {
          expression,
          codes: codings.map((coding, index) => toFoundCode(coding, `${expression}.coding[${index}]`)),
        };
      }
      case 'Coding':
        return { expression, codes: [toFoundCode(value, expression)] };
      case 'code': {
        const code = stringOf(value);
        const systems = [...systemsOf(valueSet)];
        return { expression, codes: systems.map((system) => ({ system, code, coding: undefined, expression })) };
      }
    }
  });
}

function membershipKey(valueSetUrl: string, system: string, code: string): string {
  return `${valueSetUrl}\u0000${codeKey(system, code)}`;
}

type PendingBinding = { binding: TerminologyBinding; valueSet: CompiledValueSet; elements: FoundElement[] };

/**
 * Checks a resource against the tenant's required bindings for its type. Every Coding (or bare
 * code) at a bound path must be an active code of the current release of its system and in the
 * value set; a CodeableConcept passes when one of its codings is. Matching codings without a
 * display get the code system's. Returns one `code-invalid` issue per failing element.
 * @param tx - the write's transaction: bindings and value sets are read once per transaction
 */
export async function checkTerminologyBindings(
  tx: Queryable,
  tenantId: string,
  resource: Resource,
): Promise<BindingCheck> {
  const cache = cacheFor(tx, tenantId);
  if (resource.resourceType === 'ValueSet') {
    // A ValueSet written in this transaction may redefine one the cache resolved.
    cache.valueSets.clear();
    cache.memberships.clear();
  }
  cache.bindingsByType ??= readBindingsByType(tx, tenantId);
  const bindings = (await cache.bindingsByType).get(resource.resourceType);
  if (!bindings) {
    return { resource, issues: [] };
  }
  // Displays are filled into a copy: the caller's body stays as it was sent.
  const checked = structuredClone(resource);
  const issues: OperationOutcomeIssue[] = [];
  const pending: PendingBinding[] = [];
  for (const binding of bindings) {
    try {
      const path = resolveStoredPath(binding.resourceType, binding.path);
      const valueSet = await resolveValueSet(tx, tenantId, binding.valueSet, cache.valueSets);
      pending.push({ binding, valueSet, elements: findElements(checked, path, valueSet) });
    } catch (error) {
      if (!(error instanceof ValueSetResolutionError || error instanceof BindingPathError)) {
        throw error;
      }
      issues.push({
        severity: 'error',
        code: 'processing',
        details: {
          text: `The binding of ${binding.path} to value set ${binding.valueSet} cannot be checked: ${error.message}`,
        },
        expression: [binding.path],
      });
    }
  }
  await learnMemberships(tx, pending, cache.memberships);
  for (const { binding, elements } of pending) {
    for (const element of elements) {
      const issue = checkElement(binding, element, cache.memberships);
      if (issue) {
        issues.push(issue);
      }
    }
  }
  return { resource: checked, issues };
}

/** Looks up, in one query, every code not yet known to be in or out of its value set. */
async function learnMemberships(tx: Queryable, pending: PendingBinding[], memberships: Map<string, Membership>) {
  const wanted = new Map<string, CodeKey>();
  const filterCodes = new Set<string>();
  for (const { binding, valueSet, elements } of pending) {
    for (const { system, code } of elements.flatMap((element) => element.codes)) {
      if (system && code && !memberships.has(membershipKey(binding.valueSet, system, code))) {
        wanted.set(codeKey(system, code), { system, code });
        hierarchyFilterCodes(valueSet, filterCodes);
      }
    }
  }
  if (wanted.size === 0) {
    return;
  }
  const facts = await readConceptFacts(tx, [...wanted.values()], [...filterCodes]);
  const factsOf = (system: string, code: string) => facts.get(codeKey(system, code));
  for (const { binding, valueSet, elements } of pending) {
    for (const { system, code } of elements.flatMap((element) => element.codes)) {
      if (system && code) {
        const key = membershipKey(binding.valueSet, system, code);
        if (!memberships.has(key)) {
          memberships.set(key, checkMembership(valueSet, system, code, factsOf));
        }
      }
    }
  }
}

const REASONS: Record<Exclude<Membership, { isMember: true }>['reason'] | 'incomplete', string> = {
  'system-not-loaded': 'code system not loaded',
  'unknown-code': 'unknown code',
  inactive: 'inactive code',
  'not-in-value-set': 'not in the value set',
  incomplete: 'a coding needs a system and a code',
};

function describeCode(found: FoundCode): string {
  if (!found.code) {
    return 'a coding without a code';
  }
  return found.system ? `code "${found.code}" of system ${found.system}` : `code "${found.code}" without a system`;
}

/** Fills missing displays of the element's matching codes, or reports why none matches. */
function checkElement(
  binding: TerminologyBinding,
  element: FoundElement,
  memberships: Map<string, Membership>,
): OperationOutcomeIssue | undefined {
  const failures: string[] = [];
  let matched = false;
  for (const found of element.codes) {
    const membership =
      found.system && found.code
        ? memberships.get(membershipKey(binding.valueSet, found.system, found.code))
        : undefined;
    if (membership?.isMember) {
      matched = true;
      if (found.coding && found.coding.display === undefined && membership.display !== undefined) {
        found.coding.display = membership.display;
      }
    } else {
      failures.push(`${describeCode(found)} (${REASONS[membership ? membership.reason : 'incomplete']})`);
    }
  }
  if (matched) {
    return undefined;
  }
  const requirement = `value set ${binding.valueSet}, which ${binding.path} requires`;
  const [only] = failures;
  let text: string;
  if (only === undefined) {
    text = `${element.expression} has no coding from ${requirement}`;
  } else if (failures.length === 1) {
    text = `The ${only} is not in ${requirement}`;
  } else {
    text = `No coding of ${element.expression} is in ${requirement}: ${failures.join('; ')}`;
  }
  const expressions = [...new Set(element.codes.map((found) => found.expression))];
  return {
    severity: 'error',
    code: 'code-invalid',
    details: { text },
    expression: expressions.length > 0 ? expressions : [element.expression],
  };
}
