// The identity_provider table: a tenant's upstream OpenID Connect providers. The client secret is
// sealed on the way in and only ever opened to talk to the upstream.
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../../platform/db/index.ts';
import type { SecretBox } from './secret-box.ts';

/** Roles a user provisioned on first sign-in may get: never admin or service, which are granted by hand. */
export const PROVISIONING_ROLES = ['clinician', 'nurse', 'staff'] as const;
export type ProvisioningRole = (typeof PROVISIONING_ROLES)[number];

/** An upstream provider as the API shows it: everything but the client secret. */
export type IdentityProvider = {
  id: string;
  tenantId: string;
  displayName: string;
  issuer: string;
  clientId: string;
  scopes: string[];
  /** Lower-case domains the upstream e-mail address must belong to; empty: any. */
  allowedEmailDomains: string[];
  justInTimeProvisioning: boolean;
  defaultRole: ProvisioningRole | null;
  /** Whether an upstream `amr` containing `mfa` stands in for the local second factor. */
  acceptUpstreamMfa: boolean;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
};

/** What an administrator sets; without `clientSecret` an update keeps the stored one. */
export type IdentityProviderInput = Omit<IdentityProvider, 'id' | 'tenantId' | 'createdAt' | 'updatedAt'> & {
  clientSecret?: string;
};

type ProviderRow = {
  tenant_id: string;
  id: string;
  display_name: string;
  issuer: string;
  client_id: string;
  scopes: string[];
  allowed_email_domains: string[];
  jit_provisioning: boolean;
  default_role: ProvisioningRole | null;
  accept_upstream_mfa: boolean;
  enabled: boolean;
  created_at: Date | string;
  updated_at: Date | string;
};

const COLUMNS = `tenant_id, id::text AS id, display_name, issuer, client_id, scopes, allowed_email_domains,
  jit_provisioning, default_role, accept_upstream_mfa, enabled, created_at, updated_at`;

const iso = (value: Date | string) => (value instanceof Date ? value : new Date(value)).toISOString();

function toProvider(row: ProviderRow): IdentityProvider {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    displayName: row.display_name,
    issuer: row.issuer,
    clientId: row.client_id,
    scopes: row.scopes,
    allowedEmailDomains: row.allowed_email_domains,
    justInTimeProvisioning: row.jit_provisioning,
    defaultRole: row.default_role,
    acceptUpstreamMfa: row.accept_upstream_mfa,
    enabled: row.enabled,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What a sealed secret is bound to: its row. */
export const secretBinding = (tenantId: string, id: string) => `identity-provider:${tenantId}:${id}`;

export async function listIdentityProviders(
  q: Queryable,
  tenantId: string,
  options: { isEnabledOnly?: boolean } = {},
): Promise<IdentityProvider[]> {
  const { rows } = await q.query<ProviderRow>(
    `SELECT ${COLUMNS} FROM identity_provider WHERE tenant_id = $1 ${options.isEnabledOnly ? 'AND enabled' : ''}
     ORDER BY lower(display_name), id`,
    [tenantId],
  );
  return rows.map(toProvider);
}

export async function tryGetIdentityProvider(
  q: Queryable,
  tenantId: string,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<IdentityProvider | undefined> {
  if (!UUID.test(id)) {
    return undefined;
  }
  const { rows } = await q.query<ProviderRow>(
    `SELECT ${COLUMNS} FROM identity_provider WHERE tenant_id = $1 AND id = $2${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [tenantId, id],
  );
  return rows[0] && toProvider(rows[0]);
}

export async function insertIdentityProvider(
  q: Queryable,
  box: SecretBox,
  options: { tenantId: string; input: IdentityProviderInput & { clientSecret: string }; now: Date },
): Promise<IdentityProvider> {
  const { tenantId, input } = options;
  const id = randomUUID();
  const { rows } = await q.query<ProviderRow>(
    `INSERT INTO identity_provider (tenant_id, id, display_name, issuer, client_id, client_secret_sealed, scopes,
       allowed_email_domains, jit_provisioning, default_role, accept_upstream_mfa, enabled, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
     RETURNING ${COLUMNS}`,
    [
      tenantId,
      id,
      input.displayName,
      input.issuer,
      input.clientId,
      box.seal(input.clientSecret, secretBinding(tenantId, id)),
      input.scopes,
      input.allowedEmailDomains,
      input.justInTimeProvisioning,
      input.defaultRole,
      input.acceptUpstreamMfa,
      input.enabled,
      options.now,
    ],
  );
  return toProvider(rows[0] as ProviderRow);
}

/** Replaces the settings (and the secret when one is given); undefined when there is no such provider. */
export async function updateIdentityProviderRow(
  q: Queryable,
  box: SecretBox,
  options: { tenantId: string; id: string; input: IdentityProviderInput; now: Date },
): Promise<IdentityProvider | undefined> {
  const { tenantId, id, input } = options;
  if (!UUID.test(id)) {
    return undefined;
  }
  const sealed = input.clientSecret === undefined ? null : box.seal(input.clientSecret, secretBinding(tenantId, id));
  const { rows } = await q.query<ProviderRow>(
    `UPDATE identity_provider SET display_name = $3, issuer = $4, client_id = $5,
       client_secret_sealed = COALESCE($6, client_secret_sealed), scopes = $7, allowed_email_domains = $8,
       jit_provisioning = $9, default_role = $10, accept_upstream_mfa = $11, enabled = $12, updated_at = $13
     WHERE tenant_id = $1 AND id = $2
     RETURNING ${COLUMNS}`,
    [
      tenantId,
      id,
      input.displayName,
      input.issuer,
      input.clientId,
      sealed,
      input.scopes,
      input.allowedEmailDomains,
      input.justInTimeProvisioning,
      input.defaultRole,
      input.acceptUpstreamMfa,
      input.enabled,
      options.now,
    ],
  );
  return rows[0] && toProvider(rows[0]);
}

/** Deletes the provider with its links and waiting sign-ins; false when there was none. */
export async function deleteIdentityProviderRow(q: Queryable, tenantId: string, id: string): Promise<boolean> {
  if (!UUID.test(id)) {
    return false;
  }
  const { rows } = await q.query('DELETE FROM identity_provider WHERE tenant_id = $1 AND id = $2 RETURNING id', [
    tenantId,
    id,
  ]);
  return rows.length > 0;
}

/** The provider's client secret, opened for a request to the upstream. */
export async function readClientSecret(q: Queryable, box: SecretBox, provider: IdentityProvider): Promise<string> {
  const { rows } = await q.query<{ client_secret_sealed: string }>(
    'SELECT client_secret_sealed FROM identity_provider WHERE tenant_id = $1 AND id = $2',
    [provider.tenantId, provider.id],
  );
  const row = rows[0];
  if (!row) {
    throw new Error('identity provider vanished');
  }
  return box.open(row.client_secret_sealed, secretBinding(provider.tenantId, provider.id));
}
