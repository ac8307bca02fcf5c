import type { Queryable } from '../../platform/db/index.ts';
import { recordAuthenticationEvent } from './auth-events.ts';
import { commitThenThrow } from './commit-then-throw.ts';
import { IdentityError, invalidCredentials } from './identity-error.ts';
import { clearFailedAttempts, readRecentFailures, recordFailedAttempt } from './login-attempts.ts';
import { issueChallenge } from './login-challenge.ts';
import type { LoginIntent, LoginResult } from './login-result.ts';
import { isMfaRequired } from './mfa-policy.ts';
import { MAX_PASSWORD_LENGTH } from './password-policy.ts';
import { verifyPassword } from './secrets.ts';
import { listFactors, normaliseEmail, toDate, toSummary, tryFindUserByEmail, type UserRow } from './sql.ts';
import { retryAfterSeconds } from './throttle.ts';
import type { IdentityDeps } from './types.ts';

export type AuthenticateUserOptions = {
  tenantId: string;
  email: string;
  password: string;
  /** The client's address, for throttling and the audit trail. */
  ip: string;
  /** `enrol-mfa`: after the password (and any factor already enrolled), go on to add a factor. */
  intent?: LoginIntent;
};

/**
 * The password step of a sign-in, as both the API and the OIDC interaction run it. Answers `ok`,
 * or the MFA step that comes next; throws ID_THROTTLED (with Retry-After) when this account and
 * address have failed too often, and ID_INVALID_CREDENTIALS for every wrong e-mail or password
 * alike. ID_ACCOUNT_LOCKED and ID_ACCOUNT_DISABLED only ever answer a correct password.
 */
export async function authenticateUser(deps: IdentityDeps, options: AuthenticateUserOptions): Promise<LoginResult> {
  const now = deps.now();
  const scope = { tenantId: options.tenantId, email: normaliseEmail(options.email), ip: options.ip };
  const event = { tenantId: options.tenantId, ip: options.ip };
  const wait = retryAfterSeconds(
    await readRecentFailures(deps.db, scope, now, deps.settings.throttle),
    now,
    deps.settings.throttle,
  );
  if (wait > 0) {
    await recordAuthenticationEvent(deps, deps.db, { ...event, kind: 'login.throttled', outcome: 'failure' });
    throw new IdentityError('ID_THROTTLED', 'Too many failed sign-in attempts; try again later', wait);
  }
  const found = await tryFindUserByEmail(deps.db, options.tenantId, scope.email);
  // Verified even when there is no such user (against a decoy), so timing tells nothing.
  const isPasswordRight =
    options.password.length <= MAX_PASSWORD_LENGTH && (await verifyPassword(found?.password_hash, options.password));
  return commitThenThrow(deps.db, async (tx) => {
    const user = found && (await lockUser(tx, found));
    if (!isPasswordRight || !user) {
      await recordFailedAttempt(tx, scope, now, deps.settings.throttle);
      const lockedNow = user ? await countWrongPassword(deps, tx, user, now) : false;
      await recordAuthenticationEvent(deps, tx, {
        ...event,
        kind: lockedNow ? 'login.locked-out' : 'login.password',
        outcome: 'failure',
        ...(user ? { userId: user.id } : {}),
        detail: 'wrong-password',
      });
      return invalidCredentials();
    }
    const refusal = refusalFor(user, now);
    if (refusal) {
      await recordAuthenticationEvent(deps, tx, {
        ...event,
        kind: 'login.password',
        outcome: 'failure',
        userId: user.id,
        detail: refusal.code,
      });
      return refusal;
    }
    await clearFailedAttempts(tx, scope);
    await tx.query(
      `UPDATE app_user SET failed_attempts = 0, locked_until = NULL, status = 'active', updated_at = $3
       WHERE tenant_id = $1 AND id = $2`,
      [user.tenant_id, user.id, now],
    );
    const active: UserRow = { ...user, status: 'active', failed_attempts: 0, locked_until: null };
    await recordAuthenticationEvent(deps, tx, {
      ...event,
      kind: 'login.password',
      outcome: 'success',
      userId: user.id,
    });
    return await nextStep(deps, tx, active, options.intent ?? 'sign-in');
  });
}

async function lockUser(q: Queryable, user: UserRow): Promise<UserRow | undefined> {
  const { rows } = await q.query<Pick<UserRow, 'status' | 'failed_attempts' | 'locked_until'>>(
    'SELECT status, failed_attempts, locked_until FROM app_user WHERE tenant_id = $1 AND id = $2 FOR UPDATE',
    [user.tenant_id, user.id],
  );
  return rows[0] && { ...user, ...rows[0] };
}

function isLockActive(user: UserRow, now: Date): boolean {
  return user.status === 'locked' && user.locked_until !== null && toDate(user.locked_until) > now;
}

/** Counts a wrong password against the account; reaching the threshold locks it. Returns whether it just locked. */
async function countWrongPassword(deps: IdentityDeps, q: Queryable, user: UserRow, now: Date): Promise<boolean> {
  if (user.status !== 'active' && !(user.status === 'locked' && !isLockActive(user, now))) {
    return false;
  }
  // A lock that has run out starts the count again.
  const failures = (user.status === 'locked' ? 0 : user.failed_attempts) + 1;
  const isLocking = failures >= deps.settings.lockoutThreshold;
  await q.query(
    `UPDATE app_user SET failed_attempts = $3, status = $4, locked_until = $5, updated_at = $6
     WHERE tenant_id = $1 AND id = $2`,
    [
      user.tenant_id,
      user.id,
      isLocking ? 0 : failures,
      isLocking ? 'locked' : 'active',
      isLocking ? new Date(now.getTime() + deps.settings.lockoutMinutes * 60_000) : null,
      now,
    ],
  );
  return isLocking;
}

/** Why a user who gave the right password still cannot sign in, if they cannot. */
function refusalFor(user: UserRow, now: Date): IdentityError | undefined {
  if (isLockActive(user, now) && user.locked_until !== null) {
    const seconds = Math.ceil((toDate(user.locked_until).getTime() - now.getTime()) / 1000);
    return new IdentityError('ID_ACCOUNT_LOCKED', 'Account locked after too many failed attempts', seconds);
  }
  if (user.status === 'disabled') {
    return new IdentityError('ID_ACCOUNT_DISABLED', 'Account disabled');
  }
  if (user.status === 'invited' || user.roles.length === 0 || user.roles.every((role) => role === 'service')) {
    // Service clients authenticate with client credentials, never with a password.
    return invalidCredentials();
  }
  return undefined;
}

async function nextStep(deps: IdentityDeps, q: Queryable, user: UserRow, intent: LoginIntent): Promise<LoginResult> {
  const factors = await listFactors(q, user.tenant_id, user.id);
  if (factors.totp || factors.passkeys > 0) {
    return issueChallenge(deps, q, { user, stage: 'verify', intent });
  }
  if (intent === 'enrol-mfa' || (await isMfaRequired(q, user))) {
    return issueChallenge(deps, q, { user, stage: 'enrol', intent });
  }
  await recordAuthenticationEvent(deps, q, {
    tenantId: user.tenant_id,
    userId: user.id,
    kind: 'login.completed',
    outcome: 'success',
  });
  return { status: 'ok', user: toSummary(user) };
}
