// Accounts as the provider sees them: `<tenant>:<user id>`, with the OpenID and SMART claims.
import type { Account } from 'oidc-provider';
import type { Queryable } from '../../platform/db/index.ts';
import { tryFindUser, type UserSummary } from '../identity/index.ts';

/** The provider's account id (the `sub` claim) for a user: users are per tenant. */
export function accountIdOf(user: Pick<UserSummary, 'tenantId' | 'id'>): string {
  return `${user.tenantId}:${user.id}`;
}

export function parseAccountId(accountId: string): { tenantId: string; userId: string } | undefined {
  const [tenantId, userId, ...rest] = accountId.split(':');
  return tenantId && userId && rest.length === 0 ? { tenantId, userId } : undefined;
}

/** The user behind an account id, when it exists and may still sign in. */
export async function tryFindAccountUser(q: Queryable, accountId: string): Promise<UserSummary | undefined> {
  const parsed = parseAccountId(accountId);
  const user = parsed && (await tryFindUser(q, parsed.tenantId, parsed.userId));
  return user && user.status !== 'disabled' && user.status !== 'invited' ? user : undefined;
}

/** SMART's fhirUser: the absolute URL of the user's Practitioner, Patient… resource. */
export function fhirUserUrl(user: UserSummary, fhirBaseUrl: string): string | undefined {
  return user.fhirUser === undefined ? undefined : `${fhirBaseUrl}/${user.fhirUser}`;
}

export async function findAccount(q: Queryable, accountId: string, fhirBaseUrl: string): Promise<Account | undefined> {
  const user = await tryFindAccountUser(q, accountId);
  if (!user) {
    return undefined;
  }
  const fhirUser = fhirUserUrl(user, fhirBaseUrl);
  return {
    accountId,
    claims: () =>
      Promise.resolve({
        sub: accountId,
        name: user.displayName,
        email: user.email,
        // Addresses are set by the tenant's administrators and proven by accepting an invitation
        // or a password reset sent there, so relying parties may map accounts by them.
        email_verified: true,
        ...(fhirUser === undefined ? {} : { fhirUser }),
      }),
  };
}
