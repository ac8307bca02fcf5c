import type { Resource } from '@medplum/fhirtypes';
import { isGenericPlanSize } from '../../../platform/db/index.ts';
import { recordResourceWrites } from '../../audit/index.ts';
import { deriveContribution, writeJourneys } from '../../journey/projection/index.ts';
import { extractIndexRows } from '../search/extract-index.ts';
import type { StoreContext, StoredVersion } from './context.ts';
import { ConcurrentWriteError, toStoredVersion, type VersionRow, type WriteMethod } from './resource-rows.ts';
import { toStoredForm } from './sealed-fields.ts';
import { syncIndexRows } from './write-index.ts';

/** A resource named by type and id. */
export type ResourceKey = { resourceType: string; id: string };

/**
 * The current versions of several resources (deletions included), by `Type/id`, locked for update
 * when `forUpdate`, in one statement; resources never stored are absent from the map. Rows are
 * locked in (type, id) order, as writers touching several resources must, so that they cannot
 * deadlock on them.
 */
export async function readCurrentVersions(
  ctx: Pick<StoreContext, 'tenantId' | 'tx'>,
  keys: readonly ResourceKey[],
  forUpdate = false,
): Promise<Map<string, StoredVersion>> {
  const found = new Map<string, StoredVersion>();
  if (keys.length === 0) {
    return found;
  }
  const { rows } = await ctx.tx.query<VersionRow>(
    `SELECT r.resource_type, r.id, r.version_id, r.last_updated, r.deleted, r.content
     FROM unnest($2::text[], $3::text[]) AS k(resource_type, id)
     JOIN resource r ON r.tenant_id = $1 AND r.resource_type = k.resource_type AND r.id = k.id
     ORDER BY r.resource_type, r.id${forUpdate ? ' FOR UPDATE OF r' : ''}`,
    [ctx.tenantId, keys.map((key) => key.resourceType), keys.map((key) => key.id)],
    {
      name: forUpdate ? 'fhir-read-current-versions-locked' : 'fhir-read-current-versions',
      genericPlan: isGenericPlanSize(keys.length),
    },
  );
  for (const row of rows) {
    found.set(`${row.resource_type}/${row.id}`, toStoredVersion(row));
  }
  return found;
}

type JourneyResource = Record<string, unknown> & { resourceType: string; id: string };

/** One version to store: the resource (undefined to delete it) and the locked current version it follows. */
export type VersionWrite = {
  resourceType: string;
  id: string;
  resource: Resource | undefined;
  previous: StoredVersion | undefined;
  method: WriteMethod;
};

// Every current row and its history row in one statement; the update applies only over the
// version the writer read, so a row written meanwhile leaves the count short.
const WRITE_ROWS = `
WITH written AS (
  SELECT * FROM unnest($2::text[], $3::text[], $4::int[], $5::boolean[], $6::text[], $7::jsonb[])
    AS w(resource_type, id, version_id, deleted, method, content)
),
current AS (
  INSERT INTO resource (tenant_id, resource_type, id, version_id, last_updated, deleted, content)
  SELECT $1, resource_type, id, version_id, $8, deleted, content FROM written
  ON CONFLICT (tenant_id, resource_type, id) DO UPDATE
    SET version_id = EXCLUDED.version_id, last_updated = EXCLUDED.last_updated,
        deleted = EXCLUDED.deleted, content = EXCLUDED.content
    WHERE resource.version_id = EXCLUDED.version_id - 1
  RETURNING resource_type, id
)
INSERT INTO resource_history (tenant_id, resource_type, id, version_id, last_updated, deleted, method, content)
SELECT $1, w.resource_type, w.id, w.version_id, $8, w.deleted, w.method, w.content
FROM written w JOIN current c ON c.resource_type = w.resource_type AND c.id = w.id`;

/**
 * Stores many versions at once, in the caller's transaction, with everything `writeVersion` stores
 * for one: current and history rows, the search index, an audit entry per version and the journey
 * projection — in a handful of statements rather than a dozen per version. Each resource appears at
 * most once; `previous` is its locked current version. The resources are stored as given: unlike
 * `writeVersion`, Patient versions are not matched by the master patient index, which is the
 * writer here (golden records and `Patient.link`, whose demographics it has already filed).
 */
export async function writeVersions(ctx: StoreContext, writes: readonly VersionWrite[]): Promise<StoredVersion[]> {
  if (writes.length === 0) {
    return [];
  }
  const lastUpdated = ctx.now();
  const prepared = await Promise.all(
    writes.map(async (write) => {
      const versionId = (write.previous?.versionId ?? 0) + 1;
      const content = write.resource
        ? ({
            ...write.resource,
            id: write.id,
            meta: { ...write.resource.meta, versionId: String(versionId), lastUpdated: lastUpdated.toISOString() },
          } as Resource)
        : undefined;
      const stored = content ? await toStoredForm(ctx, content, extractIndexRows(content)) : undefined;
      return { write, versionId, content, stored };
    }),
  );
  const written = await ctx.tx.query(
    WRITE_ROWS,
    [
      ctx.tenantId,
      prepared.map((entry) => entry.write.resourceType),
      prepared.map((entry) => entry.write.id),
      prepared.map((entry) => entry.versionId),
      prepared.map((entry) => entry.content === undefined),
      prepared.map((entry) => entry.write.method),
      prepared.map((entry) => entry.stored?.json ?? null),
      lastUpdated,
    ],
    { name: 'fhir-write-versions', genericPlan: isGenericPlanSize(writes.length) },
  );
  if (written.rowCount !== writes.length) {
    throw new ConcurrentWriteError(
      `${writes.length - written.rowCount} of ${writes.length} resources were written concurrently`,
    );
  }
  await recordResourceWrites(
    ctx,
    prepared.map(({ write, versionId, stored }) => ({
      resourceType: write.resourceType,
      id: write.id,
      method: write.method,
      isFirstVersion: versionId === 1,
      json: stored?.json ?? (write.previous?.content ? JSON.stringify(write.previous.content) : null),
    })),
  );
  await syncIndexRows(
    ctx.tx,
    ctx.tenantId,
    prepared.map(({ write, stored }) => ({
      resourceType: write.resourceType,
      id: write.id,
      rows: stored?.rows,
      hadVersion: write.previous !== undefined,
    })),
  );
  // The journey projection of them all at once; what each resource contributed before decides
  // whether it can be written with the others (see writeJourneys).
  await writeJourneys(
    ctx.tx,
    prepared.map(({ write, content, stored }) => {
      const before = write.previous?.deleted ? undefined : (write.previous?.content as JourneyResource | undefined);
      return {
        tenantId: ctx.tenantId,
        resourceType: write.resourceType,
        id: write.id,
        resource: content as JourneyResource | undefined,
        rows: stored?.rows,
        hadLiveVersion: before !== undefined,
        previous: before && deriveContribution(before, extractIndexRows(before as unknown as Resource)),
      };
    }),
  );
  return prepared.map(({ write, versionId, content }) => ({
    resourceType: write.resourceType,
    id: write.id,
    versionId,
    lastUpdated,
    deleted: content === undefined,
    content: content as Record<string, unknown> | undefined,
  }));
}
