// Issued JWT access tokens, by id: a token is accepted only while its entry exists and is not
// revoked, so revoking a token, or the grant it came from, takes effect on the next request.
import type { Queryable } from '../../platform/db/index.ts';

export async function recordAccessToken(
  q: Queryable,
  token: { jti: string; clientId: string; grantId: string | undefined; expiresAt: Date },
): Promise<void> {
  await q.query(
    'INSERT INTO oauth_access_token (jti, client_id, grant_id, expires_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
    [token.jti, token.clientId, token.grantId ?? null, token.expiresAt],
  );
}

/** Revokes one token; answers whether it belonged to the client (RFC 7009 §2.1: only its own). */
export async function revokeAccessToken(q: Queryable, jti: string, clientId: string): Promise<boolean> {
  const { rowCount } = await q.query(
    'UPDATE oauth_access_token SET revoked_at = coalesce(revoked_at, now()) WHERE jti = $1 AND client_id = $2',
    [jti, clientId],
  );
  return rowCount > 0;
}

export async function revokeAccessTokensOfGrant(q: Queryable, grantId: string): Promise<void> {
  await q.query('UPDATE oauth_access_token SET revoked_at = now() WHERE grant_id = $1 AND revoked_at IS NULL', [
    grantId,
  ]);
}

export async function isAccessTokenActive(q: Queryable, jti: string): Promise<boolean> {
  const { rows } = await q.query(
    'SELECT 1 FROM oauth_access_token WHERE jti = $1 AND revoked_at IS NULL AND expires_at > now()',
    [jti],
    { name: 'oauth-access-token-active' },
  );
  return rows.length > 0;
}
