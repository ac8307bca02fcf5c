import type { Queryable } from '../../platform/db/index.ts';
import { recordAuthenticationEvent } from './auth-events.ts';
import { IdentityError } from './identity-error.ts';
import { toSummary, tryFindUserById, USER_COLUMNS, type UserRow } from './sql.ts';
import type { IdentityDeps, Role, UserSummary } from './types.ts';

/** What an administrator can do to an account's status. */
export type StatusChange = 'disable' | 'enable' | 'unlock';

type AdminAction = { tenantId: string; userId: string; actor: string };

async function getUserForUpdate(q: Queryable, options: AdminAction): Promise<UserRow> {
  const user = await tryFindUserById(q, options.tenantId, options.userId, { forUpdate: true });
  if (!user) {
    throw new IdentityError('ID_USER_NOT_FOUND', 'No user with this id');
  }
  return user;
}

/**
 * Disables, re-enables or unlocks an account. Disabling keeps the account and its credentials (and
 * history) but refuses every sign-in; enabling an invited user keeps them invited; unlocking clears
 * the failure count.
 */
export async function changeUserStatus(
  deps: IdentityDeps,
  options: AdminAction & { change: StatusChange },
): Promise<UserSummary> {
  return deps.db.transaction(async (tx) => {
    const user = await getUserForUpdate(tx, options);
    const status = nextStatus(user, options.change);
    const { rows } = await tx.query<UserRow>(
      `UPDATE app_user SET status = $3, failed_attempts = 0, locked_until = NULL, updated_at = $4
       WHERE tenant_id = $1 AND id = $2 RETURNING ${USER_COLUMNS}`,
      [user.tenant_id, user.id, status, deps.now()],
    );
    await recordAuthenticationEvent(deps, tx, {
      tenantId: user.tenant_id,
      kind: 'user.status-changed',
      outcome: 'success',
      userId: user.id,
      actor: options.actor,
      detail: `${user.status}->${status}`,
    });
    return toSummary(rows[0] ?? user);
  });
}

function nextStatus(user: UserRow, change: StatusChange): UserRow['status'] {
  switch (change) {
    case 'disable':
      return 'disabled';
    case 'enable':
      return user.password_hash === null ? 'invited' : 'active';
    case 'unlock':
      return user.status === 'locked' ? 'active' : user.status;
  }
}

/** Replaces an account's roles; takes effect at its next sign-in. */
export async function setUserRoles(deps: IdentityDeps, options: AdminAction & { roles: Role[] }): Promise<UserSummary> {
  return deps.db.transaction(async (tx) => {
    const user = await getUserForUpdate(tx, options);
    const roles = [...new Set(options.roles)].sort();
    const { rows } = await tx.query<UserRow>(
      `UPDATE app_user SET roles = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2 RETURNING ${USER_COLUMNS}`,
      [user.tenant_id, user.id, roles, deps.now()],
    );
    await recordAuthenticationEvent(deps, tx, {
      tenantId: user.tenant_id,
      kind: 'user.roles-changed',
      outcome: 'success',
      userId: user.id,
      actor: options.actor,
      detail: roles.join(','),
    });
    return toSummary(rows[0] ?? user);
  });
}

/**
 * Removes every second factor of an account (authenticator app, passkeys, recovery codes) and any
 * sign-in in progress: for a lost phone. If MFA is required of the user, they enrol again at their
 * next sign-in.
 */
export async function resetMfa(deps: IdentityDeps, options: AdminAction): Promise<UserSummary> {
  return deps.db.transaction(async (tx) => {
    const user = await getUserForUpdate(tx, options);
    const key = [user.tenant_id, user.id];
    await tx.query('DELETE FROM user_totp WHERE tenant_id = $1 AND user_id = $2', key);
    await tx.query('DELETE FROM user_passkey WHERE tenant_id = $1 AND user_id = $2', key);
    await tx.query('DELETE FROM user_recovery_code WHERE tenant_id = $1 AND user_id = $2', key);
    await tx.query(
      `UPDATE one_time_token SET used_at = $3
       WHERE tenant_id = $1 AND user_id = $2 AND kind = 'mfa-challenge' AND used_at IS NULL`,
      [...key, deps.now()],
    );
    await recordAuthenticationEvent(deps, tx, {
      tenantId: user.tenant_id,
      kind: 'mfa.reset',
      outcome: 'success',
      userId: user.id,
      actor: options.actor,
    });
    return toSummary(user);
  });
}
