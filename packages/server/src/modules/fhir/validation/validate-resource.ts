import { OperationOutcomeError, validateResource as validateWithMedplum } from '@medplum/core';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { initFhirDefinitions, isKnownResourceType } from './load-definitions.ts';
import { forEachNestedResource } from './nested-resources.ts';
import { checkRequiredBindings } from './required-bindings.ts';

// The FHIR R4 `id` datatype.
const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;

// `Type/id` or `Type/id/_history/version`: the only form whose target type is known without resolving anything.
const LITERAL_REFERENCE = /^([A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** Validates a FHIR R4 resource and returns every issue, warnings included; see {@link hasErrors}. */
export function validateResource(resource: unknown): OperationOutcomeIssue[] {
  initFhirDefinitions();
  if (!isObject(resource)) {
    return [structureIssue('Resource must be a JSON object with a resourceType', 'resourceType')];
  }
  const type = resource.resourceType;
  if (typeof type !== 'string') {
    return [structureIssue('Missing resourceType', 'resourceType')];
  }
  if (!isKnownResourceType(type)) {
    return [structureIssue(`Unknown resource type "${type}"`, 'resourceType')];
  }

  // medplum throws on the first unknown nested type (losing its other findings) and ignores a missing one,
  // so nested resource types are checked first and, like the root type, stop validation when wrong.
  const typeIssues: OperationOutcomeIssue[] = [];
  const idIssues = checkId(resource, type);
  forEachNestedResource(resource, type, (nested, path) => {
    if (!isObject(nested)) {
      typeIssues.push(structureIssue('Nested resource must be a JSON object with a resourceType', path));
    } else if (typeof nested.resourceType !== 'string') {
      typeIssues.push(structureIssue('Nested resource is missing its resourceType', `${path}.resourceType`));
    } else if (!isKnownResourceType(nested.resourceType)) {
      const text = `Unknown resource type "${nested.resourceType}"`;
      typeIssues.push(structureIssue(text, `${path}.resourceType`));
    } else {
      idIssues.push(...checkId(nested, path));
    }
  });
  if (typeIssues.length > 0) {
    return typeIssues;
  }

  const issues = runMedplum(resource as unknown as Resource).map((issue) => escalateReference(issue, resource));
  issues.push(...idIssues, ...checkRequiredBindings(resource));
  // Every error must point somewhere so that clients can map it to a field.
  return issues.map((issue) => (issue.expression?.length ? issue : { ...issue, expression: [type] }));
}

/** Tells whether any issue has severity `error` or `fatal`. */
export function hasErrors(issues: readonly OperationOutcomeIssue[]): boolean {
  return issues.some((issue) => issue.severity === 'error' || issue.severity === 'fatal');
}

function runMedplum(resource: Resource): OperationOutcomeIssue[] {
  try {
    // Returns only warnings; any error makes it throw with the full issue list instead.
    return validateWithMedplum(resource);
  } catch (err) {
    if (err instanceof OperationOutcomeError) {
      return [...(err.outcome.issue ?? [])];
    }
    // Malformed input can trip the validator itself; report it rather than failing the request.
    const text = `Validation failed: ${err instanceof Error ? err.message : String(err)}`;
    return [{ severity: 'error', code: 'exception', details: { text }, expression: [resource.resourceType] }];
  }
}

/**
 * medplum reports a reference to the wrong resource type as a warning. For a literal `Type/id`
 * reference the target type is certain, so the mismatch is an error. Absolute URLs, `urn:` ids,
 * `#contained` and conditional `Type?query` references are resolved later and stay warnings.
 */
function escalateReference(issue: OperationOutcomeIssue, resource: Record<string, unknown>): OperationOutcomeIssue {
  const expression = issue.expression?.[0];
  if (issue.severity !== 'warning' || !expression || !issue.details?.text?.startsWith('Invalid reference:')) {
    return issue;
  }
  const reference = resolvePath(resource, expression);
  const literal =
    isObject(reference) && typeof reference.reference === 'string' && LITERAL_REFERENCE.exec(reference.reference);
  return literal && isKnownResourceType(literal[1] ?? '') ? { ...issue, severity: 'error' } : issue;
}

/** Follows a medplum issue path such as `Bundle.entry[0].resource.medication[x]` into the JSON. */
function resolvePath(resource: Record<string, unknown>, expression: string): unknown {
  let current: unknown = resource;
  // The first step is the resource type itself.
  for (const step of expression.split('.').slice(1)) {
    const match = /^([A-Za-z0-9_]+)(\[x\])?(?:\[(\d+)\])?$/.exec(step);
    if (!match || !isObject(current)) {
      return undefined;
    }
    const [, name = '', choice, index] = match;
    // Choice elements appear as `value[x]` but are stored under a typed key such as `valueReference`.
    const key = choice
      ? Object.keys(current).find((k) => k.startsWith(name) && /^[A-Z]/.test(k.slice(name.length)))
      : name;
    current = key === undefined ? undefined : current[key];
    if (index !== undefined) {
      current = Array.isArray(current) ? current[Number(index)] : undefined;
    }
  }
  return current;
}

// medplum types Resource.id as a plain string, so the `id` format is only checked here.
function checkId(resource: Record<string, unknown>, path: string): OperationOutcomeIssue[] {
  const id = resource.id;
  if (typeof id !== 'string' || ID_PATTERN.test(id)) {
    return [];
  }
  const text = `Invalid id "${id}": expected 1-64 characters from [A-Za-z0-9-.]`;
  return [{ severity: 'error', code: 'value', details: { text }, expression: [`${path}.id`] }];
}

function structureIssue(text: string, expression: string): OperationOutcomeIssue {
  return { severity: 'error', code: 'structure', details: { text }, expression: [expression] };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
