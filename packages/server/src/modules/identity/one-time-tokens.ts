import type { Queryable } from '../../platform/db/index.ts';
import { generateToken, sha256Hex } from './secrets.ts';

export type TokenKind = 'invite' | 'reset' | 'mfa-challenge';

export type TokenRow = {
  token_hash: string;
  tenant_id: string;
  user_id: string;
  data: Record<string, unknown>;
  expires_at: Date;
};

/** Creates a token; only its SHA-256 is stored, so the returned value exists nowhere else. */
export async function issueToken(
  q: Queryable,
  options: { tenantId: string; userId: string; kind: TokenKind; now: Date; ttlMs: number; data?: object },
): Promise<{ token: string; expiresAt: Date }> {
  const token = generateToken();
  const expiresAt = new Date(options.now.getTime() + options.ttlMs);
  await q.query(
    `INSERT INTO one_time_token (token_hash, tenant_id, user_id, kind, data, expires_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      sha256Hex(token),
      options.tenantId,
      options.userId,
      options.kind,
      JSON.stringify(options.data ?? {}),
      expiresAt,
      options.now,
    ],
  );
  return { token, expiresAt };
}

/**
 * Uses a token up: at most one caller ever gets its row back, even when two race with the same
 * token. Unknown, expired, used and other-kind tokens give undefined alike.
 */
export async function tryConsumeToken(
  q: Queryable,
  options: { token: string; kind: TokenKind; now: Date },
): Promise<TokenRow | undefined> {
  const { rows } = await q.query<TokenRow>(
    `UPDATE one_time_token SET used_at = $3
     WHERE token_hash = $1 AND kind = $2 AND used_at IS NULL AND expires_at > $3
     RETURNING token_hash, tenant_id, user_id::text AS user_id, data, expires_at`,
    [sha256Hex(options.token), options.kind, options.now],
  );
  return rows[0];
}

/** A live token, locked for the rest of the transaction so concurrent uses of it take turns. */
export async function tryLockToken(
  q: Queryable,
  options: { token: string; kind: TokenKind; now: Date },
): Promise<TokenRow | undefined> {
  const { rows } = await q.query<TokenRow>(
    `SELECT token_hash, tenant_id, user_id::text AS user_id, data, expires_at FROM one_time_token
     WHERE token_hash = $1 AND kind = $2 AND used_at IS NULL AND expires_at > $3 FOR UPDATE`,
    [sha256Hex(options.token), options.kind, options.now],
  );
  return rows[0];
}

export async function updateTokenData(q: Queryable, tokenHash: string, data: object): Promise<void> {
  await q.query('UPDATE one_time_token SET data = $2 WHERE token_hash = $1', [tokenHash, JSON.stringify(data)]);
}

export async function markTokenUsed(q: Queryable, tokenHash: string, now: Date): Promise<void> {
  await q.query('UPDATE one_time_token SET used_at = $2 WHERE token_hash = $1', [tokenHash, now]);
}

/** Retires every live token of a kind for a user (a reset done, an invitation re-sent). */
export async function retireTokens(
  q: Queryable,
  options: { tenantId: string; userId: string; kind: TokenKind; now: Date },
): Promise<void> {
  await q.query(
    `UPDATE one_time_token SET used_at = $4
     WHERE tenant_id = $1 AND user_id = $2 AND kind = $3 AND used_at IS NULL`,
    [options.tenantId, options.userId, options.kind, options.now],
  );
}
