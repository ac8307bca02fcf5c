import type { Resource } from '@medplum/fhirtypes';
import { recordResourceWrite } from '../../audit/index.ts';
import { writeJourney } from '../../journey/projection/index.ts';
import { matchPatientWrite } from '../../mpi/index.ts';
import { extractIndexRows } from '../search/extract-index.ts';
import type { StoreContext, StoredVersion } from './context.ts';
import { toStoredForm } from './sealed-fields.ts';
import { syncIndexRows } from './write-index.ts';

/** A row of `resource` or `resource_history` as read back. */
export type VersionRow = {
  resource_type: string;
  id: string;
  version_id: number;
  last_updated: Date;
  deleted: boolean;
  content: Record<string, unknown> | null;
};

const VERSION_COLUMNS = 'resource_type, id, version_id, last_updated, deleted, content';

/** The stored version a row holds. */
export function toStoredVersion(row: VersionRow): StoredVersion {
  return {
    resourceType: row.resource_type,
    id: row.id,
    versionId: row.version_id,
    lastUpdated: new Date(row.last_updated),
    deleted: row.deleted,
    content: row.content ?? undefined,
  };
}

/** The current version (possibly a deletion), locked for update when `forUpdate`; undefined if never stored. */
export async function tryReadCurrent(
  ctx: StoreContext,
  resourceType: string,
  id: string,
  forUpdate = false,
): Promise<StoredVersion | undefined> {
  const { rows } = await ctx.tx.query<VersionRow>(
    `SELECT ${VERSION_COLUMNS} FROM resource WHERE tenant_id = $1 AND resource_type = $2 AND id = $3${forUpdate ? ' FOR UPDATE' : ''}`,
    [ctx.tenantId, resourceType, id],
    { name: forUpdate ? 'fhir-read-current-locked' : 'fhir-read-current-version', genericPlan: true },
  );
  return rows[0] ? toStoredVersion(rows[0]) : undefined;
}

/** The current resource as JSON text, straight from the database; the hot path for reads. */
export async function tryReadCurrentText(
  ctx: Pick<StoreContext, 'tenantId' | 'tx'>,
  resourceType: string,
  id: string,
): Promise<{ versionId: number; lastUpdated: Date; deleted: boolean; text: string | null } | undefined> {
  const { rows } = await ctx.tx.query<{
    version_id: number;
    last_updated: Date;
    deleted: boolean;
    text: string | null;
  }>(
    'SELECT version_id, last_updated, deleted, content::text AS text FROM resource WHERE tenant_id = $1 AND resource_type = $2 AND id = $3',
    [ctx.tenantId, resourceType, id],
    { name: 'fhir-read-current' },
  );
  const row = rows[0];
  return row
    ? {
        versionId: row.version_id,
        lastUpdated: new Date(row.last_updated),
        deleted: row.deleted,
        text: row.text,
      }
    : undefined;
}

/** One historical version, or undefined. */
export async function tryReadVersion(
  ctx: StoreContext,
  resourceType: string,
  id: string,
  versionId: number,
): Promise<StoredVersion | undefined> {
  const { rows } = await ctx.tx.query<VersionRow>(
    `SELECT ${VERSION_COLUMNS} FROM resource_history WHERE tenant_id = $1 AND resource_type = $2 AND id = $3 AND version_id = $4`,
    [ctx.tenantId, resourceType, id, versionId],
  );
  return rows[0] ? toStoredVersion(rows[0]) : undefined;
}

/** Thrown when a version could not be stored because another transaction wrote the resource first. */
export class ConcurrentWriteError extends Error {
  override readonly name = 'ConcurrentWriteError';
}

/** How a version came to be; kept in history for `Bundle.entry.request.method`. */
export type WriteMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Stores a new version of a resource: the current row, the history row and the search index,
 * all in the caller's transaction. `previous` is the locked current version, if any.
 */
export async function writeVersion(
  ctx: StoreContext,
  options: {
    resource: Resource | undefined;
    resourceType: string;
    id: string;
    previous: StoredVersion | undefined;
    method: WriteMethod;
  },
): Promise<StoredVersion> {
  const { resourceType, id, previous, method } = options;
  // The master patient index matches every Patient version before it is stored, in this transaction,
  // and returns it with Patient.link naming the other records of its golden record; a version that
  // then equals the current one (a feed resending a patient without those links) is not stored.
  const matched =
    resourceType === 'Patient' ? await matchPatientWrite(ctx, { id, resource: options.resource, previous }) : undefined;
  if (matched?.isUnchanged && previous) {
    return previous;
  }
  const resource = matched ? matched.resource : options.resource;
  const versionId = (previous?.versionId ?? 0) + 1;
  const lastUpdated = ctx.now();
  const content = resource
    ? ({
        ...resource,
        id,
        meta: { ...resource.meta, versionId: String(versionId), lastUpdated: lastUpdated.toISOString() },
      } as Resource)
    : undefined;
  const deleted = content === undefined;
  // National identifiers, attachments and notes are stored sealed when field encryption is on; the
  // index holds blind tokens for sealed identifiers.
  const stored = content ? await toStoredForm(ctx, content, extractIndexRows(content)) : undefined;
  const json = stored ? stored.json : null;
  // The current row and its history row in one statement.
  const written = await ctx.tx.query(
    `WITH current AS (
       INSERT INTO resource (tenant_id, resource_type, id, version_id, last_updated, deleted, content)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
       ON CONFLICT (tenant_id, resource_type, id) DO UPDATE
         SET version_id = EXCLUDED.version_id, last_updated = EXCLUDED.last_updated,
             deleted = EXCLUDED.deleted, content = EXCLUDED.content
         WHERE resource.version_id = $4 - 1
       RETURNING 1
     )
     INSERT INTO resource_history (tenant_id, resource_type, id, version_id, last_updated, deleted, method, content)
     SELECT $1, $2, $3, $4, $5, $6, $8, $7::jsonb FROM current`,
    [ctx.tenantId, resourceType, id, versionId, lastUpdated, deleted, json, method],
    { name: 'fhir-write-version', genericPlan: true },
  );
  if (written.rowCount !== 1) {
    // ON CONFLICT found a current row that is not the expected previous version: another transaction
    // created this id after `previous` was read (callers lock rows that exist, not ids that do not).
    throw new ConcurrentWriteError(`${resourceType}/${id} was written concurrently`);
  }
  // The audit entry commits or rolls back with the version it records.
  await recordResourceWrite(ctx, {
    resourceType,
    id,
    method,
    isFirstVersion: versionId === 1,
    json: json ?? (previous?.content ? JSON.stringify(previous.content) : null),
  });
  const rows = stored?.rows;
  await syncIndexRows(ctx.tx, ctx.tenantId, [{ resourceType, id, rows, hadVersion: previous !== undefined }]);
  // The journey graph is a projection kept exact in the same transaction as the resource.
  await writeJourney(ctx.tx, {
    tenantId: ctx.tenantId,
    resourceType,
    id,
    resource: content as (Record<string, unknown> & { resourceType: string; id: string }) | undefined,
    rows,
    hadLiveVersion: previous !== undefined && !previous.deleted,
  });
  return { resourceType, id, versionId, lastUpdated, deleted, content: content as Record<string, unknown> | undefined };
}
