// The FHIR store's own write path, as the index uses it: golden records (Person), review tasks (Task),
// Patient.link and merges are written like any client write (validated, versioned, indexed, audited,
// in the journey), never as hand-made rows — golden records and Patient.link through the store's
// batch writer, many at once. The one place this module reaches into the FHIR module.
import { isDeepStrictEqual } from 'node:util';
import type { Resource } from '@medplum/fhirtypes';
import type { StoreContext, StoredVersion } from '../fhir/store/context.ts';
import { ConcurrentWriteError, tryReadCurrent, tryReadVersion } from '../fhir/store/resource-rows.ts';
import {
  readCurrentVersions,
  writeVersions,
  type ResourceKey,
  type VersionWrite,
} from '../fhir/store/write-versions.ts';
import { checkBeforeWrite, createResource, updateResource } from '../fhir/interactions/write-resource.ts';

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

/**
 * Resource writes held until `flushWrites`, so that re-clustering many golden records stores all
 * their Persons and `Patient.link` updates through the store's batch writer in one set of
 * statements. Reads through it see the writes held (a later cluster of the same batch may touch a
 * resource an earlier one wrote), and lock what they read from the database.
 */
export type PendingWrites = {
  /** The locked current version of each resource read (`Type/id`), undefined when never stored. */
  read: Map<string, StoredVersion | undefined>;
  /** What each resource is to become. */
  wanted: Map<string, HeldWrite>;
};

/**
 * A resource's content to store, or undefined to delete it. `isLinkRewrite` marks a stored version
 * whose index-maintained `Patient.link` alone changed.
 */
type HeldWrite = {
  resourceType: string;
  id: string;
  resource: (Resource & { id: string }) | undefined;
  isLinkRewrite: boolean;
};

export function createPendingWrites(): PendingWrites {
  return { read: new Map(), wanted: new Map() };
}

const keyOf = (resourceType: string, id: string) => `${resourceType}/${id}`;

/**
 * The live current version of each resource, as the writes held make it (a held write counts as
 * written now); reads the others in one statement, locking their rows in (type, id) order.
 */
export async function readLiveLocked(
  ctx: StoreContext,
  pending: PendingWrites,
  keys: readonly ResourceKey[],
): Promise<Map<string, LiveVersion<Resource> | undefined>> {
  await readUnread(ctx, pending, keys);
  const live = new Map<string, LiveVersion<Resource> | undefined>();
  for (const { resourceType, id } of keys) {
    const key = keyOf(resourceType, id);
    const wanted = pending.wanted.get(key);
    const stored = pending.read.get(key);
    if (wanted) {
      live.set(
        key,
        wanted.resource && {
          versionId: (stored?.versionId ?? 0) + 1,
          lastUpdated: ctx.now(),
          content: wanted.resource,
        },
      );
    } else if (stored?.content && !stored.deleted) {
      const content = stored.content as unknown as Resource & { id: string };
      live.set(key, { versionId: stored.versionId, lastUpdated: stored.lastUpdated, content });
    }
  }
  return live;
}

/** Reads (locked) the current versions of the resources `pending` has not read yet. */
async function readUnread(ctx: StoreContext, pending: PendingWrites, keys: readonly ResourceKey[]): Promise<void> {
  const unread = keys.filter(({ resourceType, id }) => !pending.read.has(keyOf(resourceType, id)));
  const fetched = await readCurrentVersions(ctx, unread, true);
  for (const { resourceType, id } of unread) {
    pending.read.set(keyOf(resourceType, id), fetched.get(keyOf(resourceType, id)));
  }
}

/**
 * Holds a new version of a resource (created when absent), or its deletion when `resource` is
 * undefined. `isLinkRewrite`: the resource is its current stored version with only the links the
 * index maintains changed (see `withMemberLinks`).
 */
export function holdWrite(
  pending: PendingWrites,
  resourceType: string,
  id: string,
  resource: (Resource & { id: string }) | undefined,
  options: { isLinkRewrite?: boolean } = {},
): void {
  const isLinkRewrite = options.isLinkRewrite ?? false;
  pending.wanted.set(keyOf(resourceType, id), { resourceType, id, resource, isLinkRewrite });
}

/**
 * Stores the writes held, through the store's batch writer: each checked as any write is (link
 * rewrites aside), and skipped when it changes nothing (a version equal to the current one, server
 * meta aside, or the deletion of what is absent). Leaves `pending` empty of writes, its reads now
 * the versions stored.
 */
export async function flushWrites(ctx: StoreContext, pending: PendingWrites): Promise<void> {
  const held = [...pending.wanted.values()].sort((a, b) =>
    keyOf(a.resourceType, a.id) < keyOf(b.resourceType, b.id) ? -1 : 1,
  );
  pending.wanted.clear();
  await readUnread(ctx, pending, held);
  const writes: VersionWrite[] = [];
  for (const { resourceType, id, resource, isLinkRewrite } of held) {
    const previous = pending.read.get(keyOf(resourceType, id));
    const isLive = previous !== undefined && !previous.deleted;
    if (!resource) {
      if (isLive) {
        writes.push({ resourceType, id, resource: undefined, previous, method: 'DELETE' });
      }
      continue;
    }
    // A link rewrite is the stored version, checked when it was written, with links the index built:
    // checking the whole Patient again would repeat that work, and a terminology binding added since
    // would fail a duplicate's create for an older record.
    const checked = isLinkRewrite ? resource : await checkBeforeWrite(ctx, resource);
    if (
      isLive &&
      previous.content &&
      isDeepStrictEqual(
        withoutVersionMeta(previous.content),
        withoutVersionMeta(JSON.parse(JSON.stringify(checked)) as Resource),
      )
    ) {
      continue;
    }
    writes.push({ resourceType, id, resource: checked, previous, method: previous ? 'PUT' : 'POST' });
  }
  for (const version of await writeVersions(ctx, writes)) {
    pending.read.set(keyOf(version.resourceType, version.id), version);
  }
}
