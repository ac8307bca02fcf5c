// The client registry: who may ask for tokens, for which tenant, with which scopes.
import { randomBytes } from 'node:crypto';
import type { AdapterPayload } from 'oidc-provider';
import type { Queryable } from '../../platform/db/index.ts';

/** A grant type a client may use. */
export type ClientGrantType = 'authorization_code' | 'refresh_token' | 'client_credentials';

export type NewClient = {
  tenantId: string;
  /** Generated when absent. */
  clientId?: string;
  clientName: string;
  /** Confidential clients authenticate with a secret; public ones (browser SMART apps) rely on PKCE alone. */
  isConfidential: boolean;
  /** Generated for confidential clients when absent. */
  clientSecret?: string;
  redirectUris?: string[];
  grantTypes: ClientGrantType[];
  /** The scopes the client may be granted: `openid`, `launch/patient`, `patient/*.rs`, `system/*.*`… */
  allowedScopes: string[];
  /** The roles its client_credentials tokens carry. */
  roles?: string[];
};

export type RegisteredClient = { clientId: string; clientSecret: string | undefined };

/** Provider metadata properties CareGraph adds to RFC 7591's. */
export const EXTRA_CLIENT_PROPERTIES = ['caregraph_tenant', 'caregraph_scopes', 'caregraph_roles'] as const;

/** What a client is, as tokens and authorisation need it. */
export type ClientFacts = { tenantId: string; allowedScopes: string[]; roles: string[] };

function metadataOf(client: NewClient, clientId: string, clientSecret: string | undefined): Record<string, unknown> {
  const usesCode = client.grantTypes.includes('authorization_code');
  return {
    client_id: clientId,
    ...(clientSecret === undefined ? {} : { client_secret: clientSecret }),
    client_name: client.clientName,
    grant_types: client.grantTypes,
    response_types: usesCode ? ['code'] : [],
    redirect_uris: client.redirectUris ?? [],
    token_endpoint_auth_method: client.isConfidential ? 'client_secret_basic' : 'none',
  };
}

/**
 * Registers a client, or replaces the registration with the same id (its secret too, when one is
 * given). Answers the client id and, for a confidential client, its secret, shown once.
 */
export async function registerClient(q: Queryable, client: NewClient): Promise<RegisteredClient> {
  const clientId = client.clientId ?? randomBytes(12).toString('base64url');
  const clientSecret = client.isConfidential
    ? (client.clientSecret ?? randomBytes(32).toString('base64url'))
    : undefined;
  await q.query(
    `INSERT INTO oauth_client (client_id, tenant_id, metadata, allowed_scopes, roles)
     VALUES ($1, $2, $3::jsonb, $4, $5)
     ON CONFLICT (client_id) DO UPDATE SET tenant_id = excluded.tenant_id, metadata = excluded.metadata,
       allowed_scopes = excluded.allowed_scopes, roles = excluded.roles, updated_at = now()`,
    [
      clientId,
      client.tenantId,
      JSON.stringify(metadataOf(client, clientId, clientSecret)),
      client.allowedScopes,
      client.roles ?? [],
    ],
  );
  return { clientId, clientSecret };
}

/** The provider's view of a client: its metadata plus tenant, scopes and roles. */
export async function tryReadClientMetadata(q: Queryable, clientId: string): Promise<AdapterPayload | undefined> {
  const { rows } = await q.query<{
    metadata: Record<string, unknown>;
    tenant_id: string;
    allowed_scopes: string[];
    roles: string[];
  }>('SELECT metadata, tenant_id, allowed_scopes, roles FROM oauth_client WHERE client_id = $1', [clientId]);
  const row = rows[0];
  return (
    row && {
      ...row.metadata,
      caregraph_tenant: row.tenant_id,
      caregraph_scopes: row.allowed_scopes.join(' '),
      caregraph_roles: row.roles.join(' '),
    }
  );
}

/** Tenant, scopes and roles from a provider client object (its extra metadata). */
export function clientFactsOf(client: Record<string, unknown>): ClientFacts {
  const words = (value: unknown) => (typeof value === 'string' && value !== '' ? value.split(' ') : []);
  const tenantId = client.caregraph_tenant;
  if (typeof tenantId !== 'string') {
    throw new Error('client without a tenant');
  }
  return { tenantId, allowedScopes: words(client.caregraph_scopes), roles: words(client.caregraph_roles) };
}

/** The system client configured for scripts (client_credentials, `system/*.*`), registered at every start. */
export async function ensureBootstrapClient(
  q: Queryable,
  options: { tenantId: string; clientId: string; clientSecret: string },
): Promise<void> {
  await registerClient(q, {
    tenantId: options.tenantId,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    clientName: 'Bootstrap system client',
    isConfidential: true,
    grantTypes: ['client_credentials'],
    allowedScopes: ['system/*.*'],
    roles: ['service'],
  });
}
