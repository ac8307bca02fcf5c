import { recordAuthenticationEvent } from './auth-events.ts';
import { resetPasswordLink } from './links.ts';
import { resetMessage } from './mail-messages.ts';
import { issueToken } from './one-time-tokens.ts';
import { tryFindUserByEmail } from './sql.ts';
import type { IdentityDeps } from './types.ts';

/** How long a reset link works. */
export const RESET_TTL_MS = 30 * 60 * 1000;
/** Reset mails per account per hour: enough for a lost mail or two, not enough to flood a mailbox. */
export const MAX_RESETS_PER_HOUR = 3;

/**
 * Mails a one-time reset link when the address belongs to an account that may sign in, and does
 * nothing otherwise. The caller answers the same either way and should not wait for this to
 * finish (`void`), so neither the answer nor its timing says whether the address has an account.
 */
export async function requestPasswordReset(
  deps: IdentityDeps,
  options: { tenantId: string; email: string; ip?: string },
): Promise<void> {
  const now = deps.now();
  const issued = await deps.db.transaction(async (tx) => {
    const user = await tryFindUserByEmail(tx, options.tenantId, options.email);
    // Invited users accept their invitation instead; disabled ones stay out.
    if (!user || (user.status !== 'active' && user.status !== 'locked')) {
      return undefined;
    }
    const { rows } = await tx.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM one_time_token
       WHERE tenant_id = $1 AND user_id = $2 AND kind = 'reset' AND created_at > $3`,
      [user.tenant_id, user.id, new Date(now.getTime() - 60 * 60 * 1000)],
    );
    const ip = options.ip === undefined ? {} : { ip: options.ip };
    if ((rows[0]?.count ?? 0) >= MAX_RESETS_PER_HOUR) {
      await recordAuthenticationEvent(deps, tx, {
        tenantId: user.tenant_id,
        kind: 'password-reset.requested',
        outcome: 'failure',
        userId: user.id,
        detail: 'rate-limited',
        ...ip,
      });
      return undefined;
    }
    const token = await issueToken(tx, {
      tenantId: user.tenant_id,
      userId: user.id,
      kind: 'reset',
      now,
      ttlMs: RESET_TTL_MS,
    });
    await recordAuthenticationEvent(deps, tx, {
      tenantId: user.tenant_id,
      kind: 'password-reset.requested',
      outcome: 'success',
      userId: user.id,
      ...ip,
    });
    return { email: user.email, ...token };
  });
  if (issued) {
    await deps.mailer.send(
      resetMessage({
        to: issued.email,
        link: resetPasswordLink(deps.settings.baseUrl, issued.token),
        expiresAt: issued.expiresAt,
      }),
    );
  }
}
