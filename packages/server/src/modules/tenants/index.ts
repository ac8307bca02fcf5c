import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../../platform/db/index.ts';

/** A tenant (organisation). Every stored row belongs to one. */
export type Tenant = { id: string; name: string };

/**
 * Who an API key was issued to. API keys grant nothing on the HTTP API any more (an OAuth client's
 * access token does); they are still recognised, to refuse them with a pointer to the token endpoint.
 */
export type ApiKeyIdentity = { tenantId: string; label: string; roles: string[] };

const TENANT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Whether `id` can name a tenant: lower-case letters, digits and dashes, as the `tenant` table requires. */
export function isValidTenantId(id: string): boolean {
  return TENANT_ID.test(id);
}

/** SHA-256 of an API key, hex; keys themselves are never stored. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Creates the tenant unless it exists. */
export async function ensureTenant(q: Queryable, tenant: Tenant): Promise<void> {
  await q.query('INSERT INTO tenant (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [tenant.id, tenant.name]);
}

/**
 * Registers an API key (generated when not given) for a tenant and returns it. Such a key is only
 * recognised, and refused, by `authenticate`: a configured CAREGRAPH_API_KEY gets that clear refusal.
 */
export async function createApiKey(
  q: Queryable,
  options: { tenantId: string; label: string; roles: string[]; key?: string },
): Promise<string> {
  const key = options.key ?? randomBytes(32).toString('base64url');
  await q.query(
    `INSERT INTO api_key (key_hash, tenant_id, label, roles) VALUES ($1, $2, $3, $4)
     ON CONFLICT (key_hash) DO UPDATE SET tenant_id = EXCLUDED.tenant_id, label = EXCLUDED.label,
       -- a revoked key stays revoked, even when it is configured again
       roles = EXCLUDED.roles`,
    [hashApiKey(key), options.tenantId, options.label, options.roles],
  );
  return key;
}

/** The identity behind an API key, or undefined when unknown or revoked. */
export async function tryFindApiKey(q: Queryable, key: string): Promise<ApiKeyIdentity | undefined> {
  const { rows } = await q.query<{ tenant_id: string; label: string; roles: string[] }>(
    'SELECT tenant_id, label, roles FROM api_key WHERE key_hash = $1 AND revoked_at IS NULL',
    [hashApiKey(key)],
  );
  const row = rows[0];
  return row ? { tenantId: row.tenant_id, label: row.label, roles: row.roles } : undefined;
}
