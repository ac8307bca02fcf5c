import { badRequest, invalidResource, OutcomeError, preconditionFailed, type Resource } from '@caregraph/core/fhir';
import { isKnownResourceType, validateResource, hasErrors } from '../validation/index.ts';

/** Throws a 404-style error unless `type` is an R4 resource type. */
export function assertResourceType(type: string): void {
  if (!isKnownResourceType(type)) {
    throw new OutcomeError(badRequest(`Unknown resource type "${type}"`));
  }
}

/** Checks the body is a JSON object whose `resourceType` is the one in the URL. */
export function assertResourceBody(body: unknown, resourceType: string): asserts body is Resource {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new OutcomeError(badRequest('Request body must be a FHIR resource (a JSON object)'));
  }
  const actual = (body as { resourceType?: unknown }).resourceType;
  if (actual !== resourceType) {
    throw new OutcomeError(
      badRequest(
        `resourceType "${String(actual)}" does not match the URL's resource type "${resourceType}"`,
        'resourceType',
      ),
    );
  }
}

/** Validates against the R4 StructureDefinitions; throws a 400 listing every issue when any is an error. */
export function assertValid(resource: Resource): void {
  const issues = validateResource(resource);
  if (hasErrors(issues)) {
    throw new OutcomeError(invalidResource(issues));
  }
}

/** Reads the version from an `If-Match` ETag: `W/"3"` or `"3"`. */
export function parseETagVersion(etag: string): number {
  const match = /^(?:W\/)?"(\d+)"$/.exec(etag.trim());
  if (!match) {
    throw new OutcomeError(preconditionFailed(`Malformed If-Match ETag "${etag}"`));
  }
  return Number(match[1]);
}

/** Throws a 400 when a conditional operation has no criteria: it would match everything. */
export function assertHasCriteria(queryString: string, interaction: string): void {
  if (new URLSearchParams(queryString).size === 0) {
    throw new OutcomeError(badRequest(`Conditional ${interaction} needs search criteria`));
  }
}
