// Token signing keys: generated on first start, rotated on demand. The newest key signs; a
// retired key stays in the JWKS until the longest-lived token it could have signed has expired.
import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Queryable } from '../../platform/db/index.ts';

/** RS256: what SMART clients and libraries verify without configuration. */
export const SIGNING_ALG = 'RS256';

/** A private key as the provider's `jwks` configuration takes it. */
export type SigningJwk = JWK & { kid: string; alg: string; use: 'sig' };

// The private members of an RSA JWK (RFC 7518 §6.3.2), never published.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'] as const;

async function generateSigningJwk(): Promise<SigningJwk> {
  const { privateKey } = await generateKeyPair(SIGNING_ALG, { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { ...jwk, kid, alg: SIGNING_ALG, use: 'sig' };
}

async function insertKey(q: Queryable, now: Date): Promise<SigningJwk> {
  const jwk = await generateSigningJwk();
  await q.query('INSERT INTO oauth_signing_key (kid, private_jwk, created_at) VALUES ($1, $2::jsonb, $3)', [
    jwk.kid,
    JSON.stringify(jwk),
    now,
  ]);
  return jwk;
}

/**
 * The keys to publish, the signing key first; a key is created when there is none. Retired keys
 * older than `retainSeconds` are deleted first.
 */
export async function loadSigningKeys(
  q: Queryable,
  options: { now: Date; retainSeconds: number },
): Promise<SigningJwk[]> {
  const cutoff = new Date(options.now.getTime() - options.retainSeconds * 1000);
  await q.query('DELETE FROM oauth_signing_key WHERE retired_at IS NOT NULL AND retired_at < $1', [cutoff]);
  const { rows } = await q.query<{ private_jwk: SigningJwk; retired_at: Date | null }>(
    'SELECT private_jwk, retired_at FROM oauth_signing_key ORDER BY retired_at IS NOT NULL, created_at DESC, kid',
  );
  if (!rows.some((row) => row.retired_at === null)) {
    return [await insertKey(q, options.now), ...rows.map((row) => row.private_jwk)];
  }
  return rows.map((row) => row.private_jwk);
}

/** Makes a new signing key and retires the current one (which keeps verifying until its tokens expire). */
export async function rotateSigningKey(q: Queryable, now: Date): Promise<SigningJwk> {
  await q.query('UPDATE oauth_signing_key SET retired_at = $1 WHERE retired_at IS NULL', [now]);
  return insertKey(q, now);
}

/** The public half of a signing key, as published at the JWKS endpoint. */
export function publicJwkOf(jwk: SigningJwk): SigningJwk {
  const isPrivate = new Set<string>(PRIVATE_MEMBERS);
  return Object.fromEntries(Object.entries(jwk).filter(([member]) => !isPrivate.has(member))) as SigningJwk;
}

/** Keys that sign the provider's cookies, created once and shared by every node. */
export async function loadCookieKeys(q: Queryable): Promise<string[]> {
  await q.query('INSERT INTO oauth_secret (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [
    'cookie-key',
    randomBytes(32).toString('base64url'),
  ]);
  const { rows } = await q.query<{ value: string }>("SELECT value FROM oauth_secret WHERE name = 'cookie-key'");
  return rows.map((row) => row.value);
}
