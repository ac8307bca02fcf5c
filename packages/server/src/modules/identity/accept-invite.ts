import { recordAuthenticationEvent } from './auth-events.ts';
import { IdentityError } from './identity-error.ts';
import { tryConsumeToken } from './one-time-tokens.ts';
import { assertAcceptablePassword } from './password-policy.ts';
import { hashPassword } from './secrets.ts';
import { toSummary, tryFindUserById, USER_COLUMNS, type UserRow } from './sql.ts';
import type { IdentityDeps, UserSummary } from './types.ts';

function invalidInvite(): IdentityError {
  return new IdentityError('ID_INVALID_TOKEN', 'This invitation link is invalid, used or expired');
}

/**
 * Accepts an invitation: the invited user chooses a password and becomes active. The link works
 * once; the policy is checked before the token is spent, so a refused password can be retried.
 */
export async function acceptInvite(
  deps: IdentityDeps,
  options: { token: string; password: string; ip?: string },
): Promise<UserSummary> {
  return deps.db.transaction(async (tx) => {
    const now = deps.now();
    const token = await tryConsumeToken(tx, { token: options.token, kind: 'invite', now });
    const user = token && (await tryFindUserById(tx, token.tenant_id, token.user_id, { forUpdate: true }));
    if (!user || user.status !== 'invited') {
      throw invalidInvite();
    }
    // Thrown inside the transaction, so the token is not spent by a refused password.
    assertAcceptablePassword(options.password, user.email);
    const { rows } = await tx.query<UserRow>(
      `UPDATE app_user SET password_hash = $3, status = 'active', failed_attempts = 0, updated_at = $4
       WHERE tenant_id = $1 AND id = $2 RETURNING ${USER_COLUMNS}`,
      [user.tenant_id, user.id, await hashPassword(options.password), now],
    );
    await recordAuthenticationEvent(deps, tx, {
      tenantId: user.tenant_id,
      kind: 'invite.accepted',
      outcome: 'success',
      userId: user.id,
      ...(options.ip === undefined ? {} : { ip: options.ip }),
    });
    return toSummary(rows[0] ?? user);
  });
}
