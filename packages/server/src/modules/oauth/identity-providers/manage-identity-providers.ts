// Administering a tenant's upstream providers: checked settings, the secret sealed, and each
// change recorded in the audit trail in the transaction that makes it.
import { recordEvent, type AuditAction, type AuditContext } from '../../audit/index.ts';
import type { Database, Queryable } from '../../../platform/db/index.ts';
import { SsoError } from './errors.ts';
import {
  deleteIdentityProviderRow,
  insertIdentityProvider,
  tryGetIdentityProvider,
  updateIdentityProviderRow,
  type IdentityProvider,
  type IdentityProviderInput,
} from './provider-records.ts';
import type { SecretBox } from './secret-box.ts';

export type ProviderAdminDeps = { db: Database; box: SecretBox; now: () => Date };

/** The administrator acting: their tenant and the audit context of their request. */
export type ProviderAdmin = { tenantId: string; audit: AuditContext };

const DEFAULT_SCOPES = ['openid', 'email', 'profile'];
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/**
 * Whether a host is this machine: plain `http` is accepted only there (a provider under test, or one
 * beside the server), since an upstream's answers over the network must be protected by TLS.
 */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

function checkIssuer(issuer: string): string {
  const url = URL.parse(issuer);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new SsoError('SSO_INVALID_PROVIDER', 'The issuer must be an https:// URL');
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new SsoError('SSO_INVALID_PROVIDER', 'The issuer must use https:// (http:// only on a loopback address)');
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new SsoError('SSO_INVALID_PROVIDER', 'The issuer must have no query, fragment or credentials');
  }
  // OpenID Connect Discovery §4.1: the issuer is compared as given; keep it without a trailing slash.
  return issuer.replace(/\/$/, '');
}

/** Checks and normalises what an administrator sent. */
export function normaliseProviderInput(input: IdentityProviderInput): IdentityProviderInput {
  const domains = [...new Set(input.allowedEmailDomains.map((domain) => domain.trim().toLowerCase()))];
  const badDomain = domains.find((domain) => !DOMAIN.test(domain));
  if (badDomain !== undefined) {
    throw new SsoError('SSO_INVALID_PROVIDER', `"${badDomain.slice(0, 60)}" is not a domain name`);
  }
  if (input.justInTimeProvisioning && input.defaultRole === null) {
    throw new SsoError('SSO_INVALID_PROVIDER', 'Just-in-time provisioning needs a default role');
  }
  const scopes = input.scopes.length === 0 ? DEFAULT_SCOPES : input.scopes;
  return {
    ...input,
    displayName: input.displayName.trim(),
    issuer: checkIssuer(input.issuer.trim()),
    // The ID token that names the user is only issued for `openid` (OIDC Core §3.1.2.1).
    scopes: scopes.includes('openid') ? [...new Set(scopes)] : ['openid', ...new Set(scopes)],
    allowedEmailDomains: domains,
  };
}

async function recordChange(
  deps: ProviderAdminDeps,
  q: Queryable,
  admin: ProviderAdmin,
  change: { action: AuditAction; verb: string; providerId: string },
) {
  await recordEvent(q, {
    tenantId: admin.tenantId,
    context: admin.audit,
    now: deps.now,
    event: {
      type: 'security',
      interaction: `identity-provider.${change.verb}`,
      action: change.action,
      entities: [],
      patients: [],
      detail: `identity-provider:${change.providerId}`,
    },
  });
}

export async function createIdentityProvider(
  deps: ProviderAdminDeps,
  options: { admin: ProviderAdmin; input: IdentityProviderInput & { clientSecret: string } },
): Promise<IdentityProvider> {
  const input = { ...normaliseProviderInput(options.input), clientSecret: options.input.clientSecret };
  return deps.db.transaction(async (tx) => {
    const provider = await insertIdentityProvider(tx, deps.box, {
      tenantId: options.admin.tenantId,
      input,
      now: deps.now(),
    });
    await recordChange(deps, tx, options.admin, { action: 'C', verb: 'created', providerId: provider.id });
    return provider;
  });
}

export async function updateIdentityProvider(
  deps: ProviderAdminDeps,
  options: { admin: ProviderAdmin; id: string; input: IdentityProviderInput },
): Promise<IdentityProvider> {
  const input = normaliseProviderInput(options.input);
  return deps.db.transaction(async (tx) => {
    const provider = await updateIdentityProviderRow(tx, deps.box, {
      tenantId: options.admin.tenantId,
      id: options.id,
      input,
      now: deps.now(),
    });
    if (!provider) {
      throw new SsoError('SSO_PROVIDER_NOT_FOUND', 'No such identity provider');
    }
    // A replaced secret is its own entry: who changed the credential the tenant trusts, and when.
    const verb = input.clientSecret === undefined ? 'updated' : 'secret-replaced';
    await recordChange(deps, tx, options.admin, { action: 'U', verb, providerId: provider.id });
    return provider;
  });
}

export async function deleteIdentityProvider(
  deps: ProviderAdminDeps,
  options: { admin: ProviderAdmin; id: string },
): Promise<void> {
  await deps.db.transaction(async (tx) => {
    if (!(await deleteIdentityProviderRow(tx, options.admin.tenantId, options.id))) {
      throw new SsoError('SSO_PROVIDER_NOT_FOUND', 'No such identity provider');
    }
    await recordChange(deps, tx, options.admin, { action: 'D', verb: 'deleted', providerId: options.id });
  });
}

export async function getIdentityProvider(q: Queryable, tenantId: string, id: string): Promise<IdentityProvider> {
  const provider = await tryGetIdentityProvider(q, tenantId, id);
  if (!provider) {
    throw new SsoError('SSO_PROVIDER_NOT_FOUND', 'No such identity provider');
  }
  return provider;
}
