// The FHIR store's own write path, as the index uses it: golden records (Person), review tasks (Task),
// Patient.link and merges are written like any client write (validated, versioned, indexed, in the
// journey), never as hand-made rows. The one place this module reaches into the FHIR module.
import type { Resource } from '@medplum/fhirtypes';
import type { StoreContext, StoredVersion } from '../fhir/store/context.ts';
import { ConcurrentWriteError, tryReadCurrent, tryReadVersion } from '../fhir/store/resource-rows.ts';
import { createResource, deleteResource, updateResource } from '../fhir/interactions/write-resource.ts';

export type { StoreContext, StoredVersion };
export { ConcurrentWriteError, tryReadCurrent };

/** The server-owned parts of `meta` that every write replaces. */
export function withoutVersionMeta<T extends object>(resource: T): T {
  const { meta, ...rest } = resource as { meta?: Record<string, unknown> };
  if (!meta) {
    return resource;
  }
  const { versionId: _versionId, lastUpdated: _lastUpdated, ...kept } = meta;
  return (Object.keys(kept).length > 0 ? { ...rest, meta: kept } : rest) as T;
}

/** A live stored version with its content typed. */
export type LiveVersion<T extends Resource> = { versionId: number; lastUpdated: Date; content: T & { id: string } };

/** The live current version, or undefined when absent or deleted; `forUpdate` locks its row. */
export async function tryReadLive<T extends Resource = Resource>(
  ctx: StoreContext,
  resourceType: string,
  id: string,
  forUpdate = false,
): Promise<LiveVersion<T> | undefined> {
  const current = await tryReadCurrent(ctx, resourceType, id, forUpdate);
  return current?.content
    ? {
        versionId: current.versionId,
        lastUpdated: current.lastUpdated,
        content: current.content as unknown as T & { id: string },
      }
    : undefined;
}

/** One historical version. */
export function readVersion(
  ctx: StoreContext,
  resourceType: string,
  id: string,
  versionId: number,
): Promise<StoredVersion | undefined> {
  return tryReadVersion(ctx, resourceType, id, versionId);
}

/** Creates a resource with the given id; returns its version. */
export async function createWithId(ctx: StoreContext, resource: Resource & { id: string }): Promise<number> {
  const response = await createResource(ctx, resource.resourceType, resource, resource.id);
  return response.versionId ?? 1;
}

/** Stores a new version (update-as-create when absent); returns the current version afterwards. */
export async function writeUpdate(ctx: StoreContext, resource: Resource & { id: string }): Promise<number> {
  const response = await updateResource(ctx, { resourceType: resource.resourceType, id: resource.id, body: resource });
  return response.versionId ?? 0;
}

/** Deletes a resource (history kept). */
export async function writeDelete(ctx: StoreContext, resourceType: string, id: string): Promise<void> {
  await deleteResource(ctx, resourceType, id);
}
