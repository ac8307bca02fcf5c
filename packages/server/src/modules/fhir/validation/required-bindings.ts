import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { getValueSetIndex, isKnownResourceType } from './load-definitions.ts';
import { getTypeGraph, pruneTypeGraph } from './type-graph.ts';
import type { PropertyInfo } from './type-graph.ts';
import { stripVersion } from './value-sets.ts';
import type { CodeSet } from './value-sets.ts';

/** Which required value sets are enforced and which are skipped because the spec data cannot enumerate them. */
export interface RequiredBindingSummary {
  /** Value set URLs whose codes are fully known and therefore checked. */
  readonly checked: readonly string[];
  /** Value set URLs that rely on filters, external code systems or fragments, so their bindings are not checked. */
  readonly skipped: readonly string[];
}

interface BindingRule {
  readonly valueSet: string;
  readonly allowed: CodeSet;
}

// What to do with one JSON property of an object of a given type.
interface PropertyPlan {
  readonly step: string;
  readonly type: string;
  readonly rule: BindingRule | undefined;
  /** The plan for the property's own children; RESOURCE when the value is a nested resource. */
  readonly child: TypePlan | typeof RESOURCE | undefined;
}

type TypePlan = Map<string, PropertyPlan>;

interface Plans {
  readonly byType: ReadonlyMap<string, TypePlan>;
  readonly summary: RequiredBindingSummary;
}

// Marks properties typed `Resource` (contained, Bundle.entry.resource): the plan depends on the value's resourceType.
const RESOURCE = Symbol('resource');

// Types whose values can be compared against a code set. The R4 core only binds `code` and CodeableConcept
// elements as required; the others are handled so that bindings on them are not silently ignored.
const CHECKABLE_TYPES = new Set(['code', 'string', 'uri', 'canonical', 'Coding', 'CodeableConcept']);

let plans: Plans | undefined;

/** Reports every value of a required-bound element that is not in its value set, as `code-invalid` errors. */
// Value sets that cannot be enumerated from the specification data (filters, external code systems such as
// SNOMED CT, BCP-13 mime types or ISO 4217 currencies) are skipped: accepting unknown codes beats rejecting valid data.
export function checkRequiredBindings(resource: unknown): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  if (isObject(resource) && typeof resource.resourceType === 'string') {
    walkResource(resource, resource.resourceType, getPlans().byType, issues);
  }
  return issues;
}

/** Lists the required value sets that are checked and those that are skipped. */
export function summarizeRequiredBindings(): RequiredBindingSummary {
  return getPlans().summary;
}

function walkResource(
  resource: Record<string, unknown>,
  path: string,
  byType: ReadonlyMap<string, TypePlan>,
  issues: OperationOutcomeIssue[],
): void {
  const type = resource.resourceType;
  // Unknown nested resource types are reported by validateResource, not here.
  if (typeof type !== 'string' || !isKnownResourceType(type)) {
    return;
  }
  const plan = byType.get(type);
  if (plan) {
    walkObject(resource, plan, path, byType, issues);
  }
}

function walkObject(
  value: Record<string, unknown>,
  plan: TypePlan,
  path: string,
  byType: ReadonlyMap<string, TypePlan>,
  issues: OperationOutcomeIssue[],
): void {
  // Iterating the instance's keys (usually few) is cheaper than iterating every property a type allows.
  for (const key in value) {
    const property = plan.get(key);
    if (!property) {
      continue;
    }
    const item = value[key];
    if (Array.isArray(item)) {
      for (let i = 0; i < item.length; i++) {
        visitValue(item[i], property, `${path}.${property.step}[${i}]`, byType, issues);
      }
    } else {
      visitValue(item, property, `${path}.${property.step}`, byType, issues);
    }
  }
}

function visitValue(
  value: unknown,
  property: PropertyPlan,
  path: string,
  byType: ReadonlyMap<string, TypePlan>,
  issues: OperationOutcomeIssue[],
): void {
  if (property.rule) {
    checkValue(value, property.type, property.rule, path, issues);
  }
  const child = property.child;
  if (!child || !isObject(value)) {
    return;
  }
  if (child === RESOURCE) {
    walkResource(value, path, byType, issues);
  } else {
    walkObject(value, child, path, byType, issues);
  }
}

function checkValue(
  value: unknown,
  type: string,
  rule: BindingRule,
  path: string,
  issues: OperationOutcomeIssue[],
): void {
  // Values of the wrong JSON type are reported by the structural validator, so they are ignored here.
  if (type === 'CodeableConcept') {
    if (!isObject(value)) {
      return;
    }
    const codings = Array.isArray(value.coding) ? value.coding.filter(isObject) : [];
    if (codings.length === 0) {
      issues.push(codeIssue(`CodeableConcept has no coding from the required value set ${rule.valueSet}`, path));
    } else if (!codings.some((coding) => codingAllowed(coding, rule.allowed))) {
      issues.push(notInValueSet(codings.map(describeCoding).join(', '), rule, path));
    }
  } else if (type === 'Coding') {
    if (isObject(value) && !codingAllowed(value, rule.allowed)) {
      issues.push(notInValueSet(describeCoding(value), rule, path));
    }
  } else if (typeof value === 'string' && !rule.allowed.codes.has(value)) {
    issues.push(notInValueSet(value, rule, path));
  }
}

function codingAllowed(coding: Record<string, unknown>, allowed: CodeSet): boolean {
  const { system, code } = coding;
  if (typeof code !== 'string') {
    return false;
  }
  // Without a system the coding cannot be placed in a code system, so the code alone decides.
  return typeof system === 'string' ? allowed.pairs.has(`${system}|${code}`) : allowed.codes.has(code);
}

function describeCoding(coding: Record<string, unknown>): string {
  const code = typeof coding.code === 'string' ? coding.code : '';
  return typeof coding.system === 'string' ? `${coding.system}|${code}` : code;
}

function notInValueSet(shown: string, rule: BindingRule, path: string): OperationOutcomeIssue {
  return codeIssue(`Value "${shown}" is not in the required value set ${rule.valueSet}`, path);
}

function codeIssue(text: string, path: string): OperationOutcomeIssue {
  return { severity: 'error', code: 'code-invalid', details: { text }, expression: [path] };
}

function getPlans(): Plans {
  plans ??= buildPlans();
  return plans;
}

// Builds one plan per type, pruned to the properties that are bound or lead to a bound property.
function buildPlans(): Plans {
  const valueSets = getValueSetIndex();
  const checked = new Set<string>();
  const skipped = new Set<string>();
  const rules = new Map<PropertyInfo, BindingRule | undefined>();

  function ruleFor(property: PropertyInfo): BindingRule | undefined {
    if (rules.has(property)) {
      return rules.get(property);
    }
    const binding = property.element.binding;
    let rule: BindingRule | undefined;
    if (binding?.strength === 'required' && binding.valueSet && CHECKABLE_TYPES.has(property.type)) {
      const valueSet = stripVersion(binding.valueSet);
      const allowed = valueSets.expand(valueSet);
      (allowed ? checked : skipped).add(valueSet);
      rule = allowed && { valueSet, allowed };
    }
    rules.set(property, rule);
    return rule;
  }

  const pruned = pruneTypeGraph(getTypeGraph(), (property) => ruleFor(property) !== undefined);
  const byType = new Map<string, TypePlan>();
  for (const type of pruned.keys()) {
    byType.set(type, new Map());
  }
  for (const [type, properties] of pruned) {
    const plan = byType.get(type);
    for (const [key, property] of properties) {
      const { step, childType } = property;
      const child = childType === 'Resource' ? RESOURCE : childType === undefined ? undefined : byType.get(childType);
      plan?.set(key, { step, type: property.type, rule: ruleFor(property), child });
    }
  }

  return { byType, summary: { checked: [...checked].sort(), skipped: [...skipped].sort() } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
