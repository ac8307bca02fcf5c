// A tenant's access policy rows: read (with a short cache, since every FHIR request needs them),
// seeded with the defaults on first use, and replaced as a whole by the admin API.
import type { Database, Queryable } from '../../platform/db/index.ts';
import { DEFAULT_POLICIES } from './default-policies.ts';
import type { AccessPolicy, PatientReach } from './policy.ts';

type PolicyRow = {
  role: string;
  resource: string;
  interactions: string;
  patients: PatientReach;
  criteria: string | null;
  break_glass: boolean;
};

const toPolicy = (row: PolicyRow): AccessPolicy => ({
  role: row.role,
  resource: row.resource,
  interactions: row.interactions,
  patients: row.patients,
  criteria: row.criteria ?? undefined,
  breakGlass: row.break_glass,
});

async function readRows(q: Queryable, tenantId: string): Promise<AccessPolicy[]> {
  const { rows } = await q.query<PolicyRow>(
    `SELECT role, resource, interactions, patients, criteria, break_glass FROM access_policy
     WHERE tenant_id = $1 ORDER BY role, resource`,
    [tenantId],
    { name: 'access-policy-read' },
  );
  return rows.map(toPolicy);
}

async function insertRows(q: Queryable, tenantId: string, policies: readonly AccessPolicy[]): Promise<void> {
  if (policies.length === 0) {
    return;
  }
  // One statement for the whole set: arrays unnested in step.
  await q.query(
    `INSERT INTO access_policy (tenant_id, role, resource, interactions, patients, criteria, break_glass)
     SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[])
     ON CONFLICT DO NOTHING`,
    [
      tenantId,
      policies.map((policy) => policy.role),
      policies.map((policy) => policy.resource),
      policies.map((policy) => policy.interactions),
      policies.map((policy) => policy.patients),
      policies.map((policy) => policy.criteria ?? null),
      policies.map((policy) => policy.breakGlass),
    ],
  );
}

/**
 * A tenant's policy rows. A tenant that has none yet gets the defaults, written in one statement
 * (concurrent first requests write the same rows; `ON CONFLICT DO NOTHING` keeps one of each).
 */
export async function readAccessPolicies(db: Database, tenantId: string): Promise<AccessPolicy[]> {
  const rows = await readRows(db, tenantId);
  if (rows.length > 0) {
    return rows;
  }
  await insertRows(db, tenantId, DEFAULT_POLICIES);
  return readRows(db, tenantId);
}

/** Replaces every row of a tenant's policy inside the caller's transaction. */
export async function replaceAccessPolicies(
  tx: Queryable,
  tenantId: string,
  policies: readonly AccessPolicy[],
): Promise<void> {
  await tx.query('DELETE FROM access_policy WHERE tenant_id = $1', [tenantId]);
  await insertRows(tx, tenantId, policies);
}

/** How long a node serves a tenant's policy from memory; a change made on another node shows within it. */
export const POLICY_CACHE_TTL_MS = 10_000;

/** Policy rows per tenant, cached for `POLICY_CACHE_TTL_MS`; a replace on this node clears its entry at once. */
export type PolicyCache = {
  get: (tenantId: string) => Promise<readonly AccessPolicy[]>;
  invalidate: (tenantId: string) => void;
};

export function createPolicyCache(db: Database, now: () => number = Date.now): PolicyCache {
  const entries = new Map<string, { policies: Promise<AccessPolicy[]>; expires: number }>();
  return {
    get(tenantId) {
      const cached = entries.get(tenantId);
      if (cached && cached.expires > now()) {
        return cached.policies;
      }
      const policies = readAccessPolicies(db, tenantId);
      entries.set(tenantId, { policies, expires: now() + POLICY_CACHE_TTL_MS });
      // A failed read is not kept: the next request tries again.
      policies.catch(() => entries.delete(tenantId));
      return policies;
    },
    invalidate: (tenantId) => void entries.delete(tenantId),
  };
}
