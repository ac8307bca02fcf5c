import { allOk, badRequest, outcome, OutcomeError, type Parameters } from '@caregraph/core/fhir';
import { validateResource } from '../validation/index.ts';
import { assertResourceBody } from './checks.ts';
import type { FhirResponse } from './types.ts';

/**
 * `$validate` (R4 §5.8 Resource-validate): validates without storing. The body is the resource or a
 * Parameters with a `resource` part. Answers 200 with an OperationOutcome listing every issue; the
 * operation itself succeeded even when the resource has errors.
 */
export function validateOperation(resourceType: string, body: unknown, id?: string): FhirResponse {
  let resource = body;
  const parameters = body as Parameters | undefined;
  if (parameters?.resourceType === 'Parameters') {
    resource = parameters.parameter?.find((parameter) => parameter.name === 'resource')?.resource;
    if (!resource) {
      throw new OutcomeError(
        badRequest('Parameters must carry the resource to validate in a "resource" part', 'Parameters.parameter'),
      );
    }
  }
  assertResourceBody(resource, resourceType);
  if (id !== undefined && resource.id !== undefined && resource.id !== id) {
    throw new OutcomeError(
      badRequest(`Resource id "${resource.id}" does not match the URL id "${id}"`, `${resourceType}.id`),
    );
  }
  const issues = validateResource(resource);
  return { status: 200, body: issues.length === 0 ? allOk('Validation passed') : outcome(200, issues) };
}
