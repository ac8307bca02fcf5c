import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import {
  badRequest,
  conflict,
  gone,
  invalidResource,
  notFound,
  OutcomeError,
  preconditionFailed,
  type Resource,
} from '@caregraph/core/fhir';
import { checkTerminologyBindings } from '../../terminology/bindings/index.ts';
import type { StoreContext, StoredVersion } from '../store/context.ts';
import { ConcurrentWriteError, tryReadCurrent, writeVersion } from '../store/resource-rows.ts';
import { assertResourceBody, assertValid, parseETagVersion } from './checks.ts';
import type { FhirResponse } from './types.ts';

/** A version as a response: the resource, its version and location. */
export function versionResponse(version: StoredVersion, status: number): FhirResponse {
  return {
    status,
    body: version.content as Resource | undefined,
    versionId: version.versionId,
    lastUpdated: version.lastUpdated,
    location: `${version.resourceType}/${version.id}/_history/${version.versionId}`,
  };
}

/**
 * Checks a resource about to be stored: the R4 StructureDefinitions, then the tenant's required
 * terminology bindings. Returns what to store (binding checks fill in missing code displays);
 * throws a 400 listing every issue, so nothing is stored. Every create, update and patch passes here.
 */
export async function checkBeforeWrite(ctx: StoreContext, resource: Resource): Promise<Resource> {
  assertValid(resource);
  const checked = await checkTerminologyBindings(ctx.tx, ctx.tenantId, resource);
  if (checked.issues.length > 0) {
    throw new OutcomeError(invalidResource(checked.issues));
  }
  return checked.resource;
}

const VERSION_META = new Set(['versionId', 'lastUpdated']);

/** The resource without the parts the server owns, for "did anything change?" comparisons. */
function withoutServerMeta(resource: Record<string, unknown>): Record<string, unknown> {
  const { meta, ...rest } = resource;
  if (typeof meta !== 'object' || meta === null) {
    return rest;
  }
  const kept = Object.fromEntries(Object.entries(meta).filter(([key]) => !VERSION_META.has(key)));
  return Object.keys(kept).length > 0 ? { ...rest, meta: kept } : rest;
}

/** Creates a resource with a server-assigned id (any id in the body is ignored, as R4 §3.1.0.7 says). */
export async function createResource(
  ctx: StoreContext,
  resourceType: string,
  body: unknown,
  id: string = randomUUID(),
) {
  assertResourceBody(body, resourceType);
  const resource = await checkBeforeWrite(ctx, { ...body, id });
  const version = await writeVersion(ctx, { resource, resourceType, id, previous: undefined, method: 'POST' });
  return versionResponse(version, 201);
}

/**
 * Updates a resource, or creates it with the client's id when it does not exist (update-as-create).
 * With `ifMatch`, only when the current version is the one named. A body identical to the current
 * version (server meta aside) stores no new version.
 */
export async function updateResource(
  ctx: StoreContext,
  options: { resourceType: string; id: string; body: unknown; ifMatch?: string | undefined },
): Promise<FhirResponse> {
  const { resourceType, id, body, ifMatch } = options;
  assertResourceBody(body, resourceType);
  if (body.id === undefined) {
    throw new OutcomeError(badRequest('Resource id is required in the body of an update', `${resourceType}.id`));
  }
  if (body.id !== id) {
    throw new OutcomeError(
      badRequest(`Resource id "${body.id}" does not match the URL id "${id}"`, `${resourceType}.id`),
    );
  }
  const resource = await checkBeforeWrite(ctx, body);
  const previous = await tryReadCurrent(ctx, resourceType, id, true);
  if (ifMatch !== undefined) {
    const expected = parseETagVersion(ifMatch);
    if (!previous || previous.versionId !== expected) {
      throw new OutcomeError(
        preconditionFailed(
          `Version conflict: If-Match names version ${expected}, current is ${previous?.versionId ?? 'none'}`,
        ),
      );
    }
  }
  const existed = previous !== undefined && !previous.deleted;
  if (
    existed &&
    previous.content &&
    isDeepStrictEqual(withoutServerMeta(previous.content), withoutServerMeta(resource as never))
  ) {
    return versionResponse(previous, 200);
  }
  try {
    const version = await writeVersion(ctx, { resource, resourceType, id, previous, method: 'PUT' });
    return versionResponse(version, existed ? 200 : 201);
  } catch (error) {
    if (error instanceof ConcurrentWriteError) {
      throw new OutcomeError(conflict(`${resourceType}/${id} was created concurrently; retry the update`));
    }
    throw error;
  }
}

/** Deletes a resource, keeping its history. Deleting what is absent or already deleted succeeds (idempotent). */
export async function deleteResource(ctx: StoreContext, resourceType: string, id: string): Promise<FhirResponse> {
  const previous = await tryReadCurrent(ctx, resourceType, id, true);
  if (!previous || previous.deleted) {
    return { status: 204 };
  }
  const version = await writeVersion(ctx, { resource: undefined, resourceType, id, previous, method: 'DELETE' });
  return { status: 204, versionId: version.versionId, lastUpdated: version.lastUpdated };
}

/** Loads the live current version for a patch, or throws 404 when it never existed and 410 when it is deleted. */
export async function getLiveForUpdate(ctx: StoreContext, resourceType: string, id: string): Promise<StoredVersion> {
  const current = await tryReadCurrent(ctx, resourceType, id, true);
  if (!current || !current.content) {
    throw new OutcomeError(
      current ? gone(`${resourceType}/${id} was deleted`) : notFound(`${resourceType}/${id} not found`),
    );
  }
  return current;
}
