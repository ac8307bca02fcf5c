import type { Queryable } from '../../platform/db/index.ts';
import { recordAuthenticationEvent } from './auth-events.ts';
import { insertUser, type NewUser } from './create-user.ts';
import { acceptInviteLink } from './links.ts';
import { inviteMessage } from './mail-messages.ts';
import { IdentityError } from './identity-error.ts';
import { issueToken, retireTokens } from './one-time-tokens.ts';
import { toSummary, tryFindUserById, type UserRow } from './sql.ts';
import type { IdentityDeps, UserSummary } from './types.ts';

/** How long an invitation link works. */
export const INVITE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Creates an invited user (no password yet) and e-mails them a one-time link to choose one. The
 * mail is sent after the user is committed: a failed send leaves an invitation an administrator
 * can send again, never a half-created user.
 */
export async function inviteUser(deps: IdentityDeps, options: NewUser & { actor: string }): Promise<UserSummary> {
  return sendInvitation(deps, options.actor, (tx) =>
    insertUser(deps, tx, { ...options, status: 'invited', passwordHash: null }),
  );
}

/** Sends a fresh invitation to a user who has not accepted theirs; earlier links stop working. */
export async function resendInvite(
  deps: IdentityDeps,
  options: { tenantId: string; userId: string; actor: string },
): Promise<UserSummary> {
  return sendInvitation(deps, options.actor, async (tx, now) => {
    const row = await tryFindUserById(tx, options.tenantId, options.userId, { forUpdate: true });
    if (!row || row.status !== 'invited') {
      throw new IdentityError('ID_USER_NOT_FOUND', 'No invited user with this id');
    }
    await retireTokens(tx, { tenantId: row.tenant_id, userId: row.id, kind: 'invite', now });
    return row;
  });
}

/**
 * Issues an invitation token to the user `findUser` yields (in one transaction with the audit
 * entry), then mails the link once that is committed.
 */
async function sendInvitation(
  deps: IdentityDeps,
  actor: string,
  findUser: (tx: Queryable, now: Date) => Promise<UserRow>,
): Promise<UserSummary> {
  const now = deps.now();
  const { user, token, expiresAt } = await deps.db.transaction(async (tx) => {
    const row = await findUser(tx, now);
    const issued = await issueToken(tx, {
      tenantId: row.tenant_id,
      userId: row.id,
      kind: 'invite',
      now,
      ttlMs: INVITE_TTL_MS,
    });
    await recordAuthenticationEvent(deps, tx, {
      tenantId: row.tenant_id,
      kind: 'invite.sent',
      outcome: 'success',
      userId: row.id,
      actor,
    });
    return { user: row, ...issued };
  });
  await deps.mailer.send(
    inviteMessage({
      to: user.email,
      displayName: user.display_name,
      link: acceptInviteLink(deps.settings.baseUrl, token),
      expiresAt,
    }),
  );
  return toSummary(user);
}
