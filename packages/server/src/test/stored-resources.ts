import type { Queryable } from '../platform/db/index.ts';

/** What one tenant holds, read straight from the tables, for import and idempotency checks. */
export type StoredResources = {
  /** Current (not deleted) resources by type. */
  byType: Record<string, number>;
  /** Current (not deleted) resources. */
  total: number;
  /** Rows in `resource_history`: one per stored version. */
  versions: number;
};

/** Counts a tenant's current resources by type and its stored versions. */
export async function countStoredResources(db: Queryable, tenantId: string): Promise<StoredResources> {
  const { rows } = await db.query<{ resource_type: string; count: number | string }>(
    'SELECT resource_type, count(*) AS count FROM resource WHERE tenant_id = $1 AND NOT deleted GROUP BY resource_type',
    [tenantId],
  );
  const byType = Object.fromEntries(rows.map((row) => [row.resource_type, Number(row.count)]));
  const history = await db.query<{ count: number | string }>(
    'SELECT count(*) AS count FROM resource_history WHERE tenant_id = $1',
    [tenantId],
  );
  return {
    byType,
    total: Object.values(byType).reduce((sum, count) => sum + count, 0),
    versions: Number(history.rows[0]?.count ?? 0),
  };
}
