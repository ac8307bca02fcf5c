import { recordAuthenticationEvent } from './auth-events.ts';
import { IdentityError } from './identity-error.ts';
import { retireTokens, tryConsumeToken } from './one-time-tokens.ts';
import { assertAcceptablePassword } from './password-policy.ts';
import { hashPassword } from './secrets.ts';
import { tryFindUserById } from './sql.ts';
import type { IdentityDeps } from './types.ts';

/**
 * Sets a new password from a reset link. The link works once and retires every other reset link
 * of the account; a reset also lifts a lockout (the user has just proven control of the mailbox).
 * MFA stays as it was: a mailbox alone must not be enough to sign in.
 */
export async function resetPassword(
  deps: IdentityDeps,
  options: { token: string; password: string; ip?: string },
): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const now = deps.now();
    const token = await tryConsumeToken(tx, { token: options.token, kind: 'reset', now });
    const user = token && (await tryFindUserById(tx, token.tenant_id, token.user_id, { forUpdate: true }));
    if (!user || (user.status !== 'active' && user.status !== 'locked')) {
      throw new IdentityError('ID_INVALID_TOKEN', 'This reset link is invalid, used or expired');
    }
    // Thrown inside the transaction, so the token is not spent by a refused password.
    assertAcceptablePassword(options.password, user.email);
    await tx.query(
      `UPDATE app_user SET password_hash = $3, status = 'active', failed_attempts = 0, locked_until = NULL,
         updated_at = $4 WHERE tenant_id = $1 AND id = $2`,
      [user.tenant_id, user.id, await hashPassword(options.password), now],
    );
    await retireTokens(tx, { tenantId: user.tenant_id, userId: user.id, kind: 'reset', now });
    await recordAuthenticationEvent(deps, tx, {
      tenantId: user.tenant_id,
      kind: 'password-reset.completed',
      outcome: 'success',
      userId: user.id,
      ...(options.ip === undefined ? {} : { ip: options.ip }),
    });
  });
}
