import { OutcomeError, type OperationOutcomeIssue, type Resource, type ValueSet } from '@caregraph/core/fhir';
import type { Queryable } from '../../../platform/db/index.ts';
import { resolveOnce, type TerminologyContext } from '../operations/context.ts';
import {
  checkCodesInValueSet,
  systemsOfValueSet,
  type CodeKey,
  type CodeMembership,
} from '../operations/membership.ts';
import { resolveValueSet } from '../operations/value-sets.ts';
import { bindingContext } from './binding-context.ts';
import { BindingPathError, findBoundElements, resolveBindingPath, type BindingPath } from './binding-path.ts';
import { listBindings, type TerminologyBinding } from './binding-store.ts';

/** The resource to store (displays filled in) and what is wrong with it; nothing may be stored when there are issues. */
export type BindingCheck = { resource: Resource; issues: OperationOutcomeIssue[] };

/**
 * What one transaction has learned about one tenant's bindings; never shared across transactions
 * or tenants, except the current releases of code systems the context remembers and re-checks.
 */
type TransactionCache = {
  /** The tenant's bindings by resource type: one read per transaction, whatever the types written. */
  bindingsByType: Promise<Map<string, TerminologyBinding[]>> | undefined;
  /** Resolves value sets and code systems once, reading the tenant's resources in the transaction. */
  ctx: TerminologyContext;
  /** Membership by value set url, system and code. */
  memberships: Map<string, CodeMembership>;
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
    cache = { bindingsByType: undefined, ctx: bindingContext(tx, tenantId), memberships: new Map() };
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
function findElements(resource: Resource, path: BindingPath, systems: readonly string[]): FoundElement[] {
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
        return { expression, codes: systems.map((system) => ({ system, code, coding: undefined, expression })) };
      }
    }
  });
}

function membershipKey(valueSetUrl: string, system: string, code: string): string {
  return `${valueSetUrl}\u0000${system}\u0000${code}`;
}

/** The systems a bare `code` is read in: every one the value set draws on, found once per transaction. */
function systemsForBareCode(ctx: TerminologyContext, url: string, valueSet: ValueSet): Promise<string[]> {
  return resolveOnce(ctx, `BareCodeSystems\u0000${url}`, async () => [...(await systemsOfValueSet(ctx, valueSet)).all]);
}

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
  if (resource.resourceType === 'ValueSet' || resource.resourceType === 'CodeSystem') {
    // A ValueSet or CodeSystem written in this transaction may redefine one the cache resolved.
    cache.ctx.resolved?.clear();
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
  const checkedElements: Array<{ binding: TerminologyBinding; elements: FoundElement[] }> = [];
  for (const binding of bindings) {
    try {
      const path = resolveStoredPath(binding.resourceType, binding.path);
      const valueSet = await resolveValueSet(cache.ctx, binding.valueSet);
      const systems = path.type === 'code' ? await systemsForBareCode(cache.ctx, binding.valueSet, valueSet) : [];
      const elements = findElements(checked, path, systems);
      await learnMemberships(cache, binding, valueSet, elements);
      checkedElements.push({ binding, elements });
    } catch (error) {
      if (!(error instanceof OutcomeError || error instanceof BindingPathError)) {
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
  for (const { binding, elements } of checkedElements) {
    for (const element of elements) {
      const issue = checkElement(binding, element, cache.memberships);
      if (issue) {
        issues.push(issue);
      }
    }
  }
  return { resource: checked, issues };
}

/** Looks up, in one query, the element codes not yet known to be in or out of the binding's value set. */
async function learnMemberships(
  cache: TransactionCache,
  binding: TerminologyBinding,
  valueSet: ValueSet,
  elements: FoundElement[],
): Promise<void> {
  const wanted = new Map<string, CodeKey>();
  for (const { system, code } of elements.flatMap((element) => element.codes)) {
    if (system && code) {
      const key = membershipKey(binding.valueSet, system, code);
      if (!cache.memberships.has(key)) {
        wanted.set(key, { system, code });
      }
    }
  }
  if (wanted.size === 0) {
    return;
  }
  const answers = await checkCodesInValueSet(cache.ctx, valueSet, [...wanted.values()], {
    listsOfUnknownSystems: true,
  });
  [...wanted.keys()].forEach((key, index) => {
    const answer = answers[index];
    if (answer) {
      cache.memberships.set(key, answer);
    }
  });
}

const REASONS: Record<Exclude<CodeMembership, { isMember: true }>['reason'] | 'incomplete', string> = {
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
  memberships: Map<string, CodeMembership>,
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
