// Sign-in through an upstream OpenID Connect provider: the upstream has proven who the person is;
// this decides which local user that is (linked before, same verified e-mail address, or created
// just in time), whether they may sign in, and whether our own second factor still has to follow.
import type { Queryable } from '../../platform/db/index.ts';
import { recordAuthenticationEvent } from './auth-events.ts';
import { commitThenThrow } from './commit-then-throw.ts';
import { insertUser } from './create-user.ts';
import { IdentityError } from './identity-error.ts';
import { issueChallenge } from './login-challenge.ts';
import type { LoginResult } from './login-result.ts';
import { isMfaRequired } from './mfa-policy.ts';
import {
  listFactors,
  normaliseEmail,
  toDate,
  toSummary,
  tryFindUserByEmail,
  tryFindUserById,
  type UserRow,
} from './sql.ts';
import type { IdentityDeps, Role, UserSummary } from './types.ts';

export type UpstreamSignInOptions = {
  tenantId: string;
  /** The client's address, for the audit trail. */
  ip: string;
  /** Names the upstream in the audit trail: `provider:<id>`. */
  source: string;
  /** The local user this upstream subject was linked to on an earlier sign-in. */
  linkedUserId: string | undefined;
  /** The address the upstream asserted and verified. */
  email: string;
  /** The upstream's name for the person: a provisioned user's display name. */
  displayName: string;
  /** When set and no user has the address, one is created with this role. */
  provisionRole: Role | undefined;
  /** The upstream asserted a multi-factor sign-in that the tenant accepts in place of ours. */
  isSecondFactorDone: boolean;
  /**
   * Called in the sign-in's transaction with the user about to sign in, to link the upstream
   * subject to them. Answers a refusal reason (the link would conflict) or undefined.
   */
  link: (q: Queryable, user: UserSummary) => Promise<string | undefined>;
};

const REFUSALS = {
  unknown: () =>
    new IdentityError(
      'ID_USER_NOT_FOUND',
      'No account of this organisation belongs to that sign-in; ask an administrator to invite you',
    ),
  disabled: () => new IdentityError('ID_ACCOUNT_DISABLED', 'Account disabled'),
  unusable: () => new IdentityError('ID_FORBIDDEN', 'This account cannot sign in this way yet'),
  conflict: () =>
    new IdentityError('ID_FORBIDDEN', 'This account is already linked to another account of that provider'),
} as const;

async function findOrProvision(
  deps: IdentityDeps,
  tx: Queryable,
  options: UpstreamSignInOptions,
): Promise<UserRow | undefined> {
  if (options.linkedUserId !== undefined) {
    return tryFindUserById(tx, options.tenantId, options.linkedUserId, { forUpdate: true });
  }
  const found = await tryFindUserByEmail(tx, options.tenantId, options.email);
  if (found || options.provisionRole === undefined) {
    // Locked for the rest of the sign-in, as the password step does, so a concurrent disable waits.
    return found && tryFindUserById(tx, found.tenant_id, found.id, { forUpdate: true });
  }
  const user = await insertUser(deps, tx, {
    tenantId: options.tenantId,
    email: normaliseEmail(options.email),
    displayName: options.displayName,
    roles: [options.provisionRole],
    status: 'active',
    // No password: this user signs in through the upstream (or sets one by password reset).
    passwordHash: null,
  });
  await recordAuthenticationEvent(deps, tx, {
    tenantId: options.tenantId,
    kind: 'user.created',
    outcome: 'success',
    userId: user.id,
    detail: `provisioned ${options.source}`,
  });
  return user;
}

/** Why this user may not sign in now, if they may not. A password lockout holds here too. */
function refusalFor(user: UserRow, now: Date): keyof typeof REFUSALS | undefined {
  if (user.status === 'disabled') {
    return 'disabled';
  }
  const isLocked = user.status === 'locked' && user.locked_until !== null && toDate(user.locked_until) > now;
  if (isLocked || user.status === 'invited' || user.roles.every((role) => role === 'service')) {
    return 'unusable';
  }
  return undefined;
}

/**
 * The upstream part of a sign-in, as the OIDC interaction runs it after validating the upstream's
 * ID token. Answers `ok`, or our MFA step when the upstream's sign-in does not stand in for it.
 * Throws ID_USER_NOT_FOUND (no such user, no provisioning), ID_ACCOUNT_DISABLED, or ID_FORBIDDEN
 * (invited, locked, service-only, or a conflicting link). Each outcome is one audit entry.
 */
export async function signInUpstreamUser(deps: IdentityDeps, options: UpstreamSignInOptions): Promise<LoginResult> {
  const now = deps.now();
  const event = { tenantId: options.tenantId, ip: options.ip, kind: 'login.upstream' as const };
  return commitThenThrow(deps.db, async (tx) => {
    const user = await findOrProvision(deps, tx, options);
    const refusal = user ? refusalFor(user, now) : 'unknown';
    const linkRefusal = user && !refusal ? await options.link(tx, toSummary(user)) : undefined;
    const reason = refusal ?? (linkRefusal === undefined ? undefined : 'conflict');
    if (!user || reason !== undefined) {
      await recordAuthenticationEvent(deps, tx, {
        ...event,
        outcome: 'failure',
        ...(user ? { userId: user.id } : {}),
        detail: `${options.source} ${reason ?? 'unknown'}`,
      });
      return REFUSALS[reason ?? 'unknown']();
    }
    await recordAuthenticationEvent(deps, tx, {
      ...event,
      outcome: 'success',
      userId: user.id,
      detail: `${options.source}${options.isSecondFactorDone ? ' upstream-mfa' : ''}`,
    });
    return nextStep(deps, tx, user, options.isSecondFactorDone);
  });
}

async function nextStep(deps: IdentityDeps, q: Queryable, user: UserRow, isSecondFactorDone: boolean) {
  if (!isSecondFactorDone) {
    const factors = await listFactors(q, user.tenant_id, user.id);
    if (factors.totp || factors.passkeys > 0) {
      return issueChallenge(deps, q, { user, stage: 'verify', intent: 'sign-in' });
    }
    if (await isMfaRequired(q, user)) {
      return issueChallenge(deps, q, { user, stage: 'enrol', intent: 'sign-in' });
    }
  }
  await recordAuthenticationEvent(deps, q, {
    tenantId: user.tenant_id,
    userId: user.id,
    kind: 'login.completed',
    outcome: 'success',
  });
  return { status: 'ok' as const, user: toSummary(user) };
}
