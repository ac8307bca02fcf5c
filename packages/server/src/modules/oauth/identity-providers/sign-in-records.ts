// Sign-ins waiting for an upstream's answer (by the hash of their `state`), and the links between
// upstream subjects and local users.
import { createHash } from 'node:crypto';
import type { Queryable } from '../../../platform/db/index.ts';

/** What the callback needs to finish a sign-in: PKCE verifier and nonce, for the interaction that began it. */
export type PendingLogin = {
  tenantId: string;
  providerId: string;
  interactionUid: string;
  codeVerifier: string;
  nonce: string;
};

/** Only the hash of `state` is kept: a copy of the table cannot answer a waiting callback. */
const hashState = (state: string) => createHash('sha256').update(state).digest('base64url');

export async function savePendingLogin(
  q: Queryable,
  login: PendingLogin & { state: string; expiresAt: Date },
): Promise<void> {
  await q.query(
    `INSERT INTO identity_provider_login (state_hash, tenant_id, provider_id, interaction_uid, code_verifier, nonce, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      hashState(login.state),
      login.tenantId,
      login.providerId,
      login.interactionUid,
      login.codeVerifier,
      login.nonce,
      login.expiresAt,
    ],
  );
}

/** The interaction a live `state` belongs to, without using it up. */
export async function tryFindPendingInteraction(q: Queryable, state: string, now: Date): Promise<string | undefined> {
  const { rows } = await q.query<{ interaction_uid: string }>(
    'SELECT interaction_uid FROM identity_provider_login WHERE state_hash = $1 AND expires_at > $2',
    [hashState(state), now],
  );
  return rows[0]?.interaction_uid;
}

/** Uses up a live `state` of this interaction: it answers one callback only. */
export async function takePendingLogin(
  q: Queryable,
  options: { state: string; interactionUid: string; now: Date },
): Promise<PendingLogin | undefined> {
  const { rows } = await q.query<{
    tenant_id: string;
    provider_id: string;
    interaction_uid: string;
    code_verifier: string;
    nonce: string;
    expires_at: Date | string;
  }>(
    `DELETE FROM identity_provider_login WHERE state_hash = $1 AND interaction_uid = $2
     RETURNING tenant_id, provider_id::text AS provider_id, interaction_uid, code_verifier, nonce, expires_at`,
    [hashState(options.state), options.interactionUid],
  );
  const row = rows[0];
  if (!row || new Date(row.expires_at) <= options.now) {
    return undefined;
  }
  return {
    tenantId: row.tenant_id,
    providerId: row.provider_id,
    interactionUid: row.interaction_uid,
    codeVerifier: row.code_verifier,
    nonce: row.nonce,
  };
}

export async function deleteExpiredPendingLogins(q: Queryable, now: Date): Promise<void> {
  await q.query('DELETE FROM identity_provider_login WHERE expires_at <= $1', [now]);
}

type LinkKey = { tenantId: string; providerId: string; subject: string };

/** The local user an upstream subject was linked to on an earlier sign-in. */
export async function tryFindLinkedUserId(q: Queryable, key: LinkKey): Promise<string | undefined> {
  const { rows } = await q.query<{ user_id: string }>(
    `SELECT user_id::text AS user_id FROM identity_provider_link
     WHERE tenant_id = $1 AND provider_id = $2 AND subject = $3`,
    [key.tenantId, key.providerId, key.subject],
  );
  return rows[0]?.user_id;
}

/**
 * Links the subject to the user (or notes the sign-in on an existing link). Answers false when the
 * user is already linked to another subject of the provider: an upstream account cannot take over
 * a local one that another upstream account already signs in to.
 */
export async function linkSubject(q: Queryable, key: LinkKey & { userId: string; now: Date }): Promise<boolean> {
  const { rows } = await q.query<{ subject: string }>(
    'SELECT subject FROM identity_provider_link WHERE tenant_id = $1 AND provider_id = $2 AND user_id = $3',
    [key.tenantId, key.providerId, key.userId],
  );
  const existing = rows[0];
  if (existing && existing.subject !== key.subject) {
    return false;
  }
  await q.query(
    `INSERT INTO identity_provider_link (tenant_id, provider_id, subject, user_id, created_at, last_sign_in_at)
     VALUES ($1, $2, $3, $4, $5, $5)
     ON CONFLICT (tenant_id, provider_id, subject) DO UPDATE SET last_sign_in_at = EXCLUDED.last_sign_in_at`,
    [key.tenantId, key.providerId, key.subject, key.userId, key.now],
  );
  return true;
}
