// Verifying the JWT access tokens this server issued: signature against our JWKS, issuer,
// audience (the FHIR base URL), expiry, and that the token has not been revoked.
import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { Database } from '../../platform/db/index.ts';
import { isAccessTokenActive } from './access-token-records.ts';
import type { OAuthRuntime } from './runtime.ts';
import { SIGNING_ALG } from './signing-keys.ts';

/** Who a valid access token speaks for: what the request context is made of. */
export type AccessTokenIdentity = {
  tenantId: string;
  /** A user's token (authorization code) or a client's own (client credentials). */
  actor: { kind: 'user' | 'client'; label: string };
  clientId: string;
  roles: string[];
  scopes: string[];
  patientId: string | undefined;
  fhirUser: string | undefined;
  jti: string;
  expiresAt: number;
};

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

const optionalString = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** Whether a bearer credential is a JWT (three base64url parts) rather than an API key. */
export function isJwt(credential: string): boolean {
  return /^eyJ[\w-]*\.[\w-]+\.[\w-]+$/.test(credential);
}

async function verifySignature(runtime: OAuthRuntime, token: string, currentDate?: Date) {
  const options = {
    issuer: runtime.settings.issuer,
    audience: runtime.settings.fhirBaseUrl,
    algorithms: [SIGNING_ALG],
    typ: 'at+jwt',
    requiredClaims: ['exp', 'jti', 'client_id'],
    ...(currentDate ? { currentDate } : {}),
  };
  try {
    return (await jwtVerify(token, runtime.keySet, options)).payload;
  } catch (error) {
    if (!(error instanceof joseErrors.JWKSNoMatchingKey)) {
      throw error;
    }
    // Signed with a key this node has not loaded yet: another node rotated. Read the keys once more.
    await runtime.reload();
    return (await jwtVerify(token, runtime.keySet, options)).payload;
  }
}

function identityOf(payload: JWTPayload): AccessTokenIdentity | undefined {
  const { tenant, roles, client_id: clientId, scope, sub, jti, exp } = payload as JWTPayload & Record<string, unknown>;
  if (typeof tenant !== 'string' || typeof clientId !== 'string' || typeof jti !== 'string' || exp === undefined) {
    return undefined;
  }
  const isClientToken = sub === undefined || sub === clientId;
  const userId = sub?.slice(sub.indexOf(':') + 1);
  return {
    tenantId: tenant,
    actor: isClientToken || !userId ? { kind: 'client', label: clientId } : { kind: 'user', label: userId },
    clientId,
    roles: isStringArray(roles) ? roles : [],
    scopes: typeof scope === 'string' ? scope.split(' ').filter((word) => word !== '') : [],
    patientId: optionalString(payload.patient),
    fhirUser: optionalString(payload.fhirUser),
    jti,
    expiresAt: exp,
  };
}

/** Tokens whose signature and claims were verified, kept at most this many per runtime. */
export const VERIFIED_TOKENS_CAPACITY = 10_000;

/**
 * Identities of tokens already verified, by the token's exact text, oldest first. A client sends
 * the same token with every request until it expires, and checking an RS256 signature was about a
 * sixth of the server's CPU for a search; a token seen before is only checked against the clock
 * here, and against revocation in the database on every request, as before.
 */
const verifiedTokens = new WeakMap<OAuthRuntime, Map<string, AccessTokenIdentity>>();

function rememberVerified(runtime: OAuthRuntime, token: string, identity: AccessTokenIdentity): void {
  let verified = verifiedTokens.get(runtime);
  if (!verified) {
    verified = new Map();
    verifiedTokens.set(runtime, verified);
  }
  verified.set(token, identity);
  if (verified.size > VERIFIED_TOKENS_CAPACITY) {
    // The oldest verified token goes first: a Map iterates in insertion order.
    verified.delete(verified.keys().next().value as string);
  }
}

/** A verified token's identity while it has not expired (the `exp` check `jwtVerify` made at first). */
function recallVerified(runtime: OAuthRuntime, token: string): AccessTokenIdentity | undefined {
  const verified = verifiedTokens.get(runtime);
  const identity = verified?.get(token);
  if (identity && identity.expiresAt * 1000 <= Date.now()) {
    verified?.delete(token);
    return undefined;
  }
  return identity;
}

/**
 * The identity of a valid, unrevoked access token; undefined for any token that fails a check
 * (the reason is not told to the caller: RFC 6750 §3.1 `invalid_token` covers them all).
 */
export async function tryVerifyAccessToken(
  runtime: OAuthRuntime,
  db: Database,
  token: string,
): Promise<AccessTokenIdentity | undefined> {
  let identity = recallVerified(runtime, token);
  if (!identity) {
    let payload: JWTPayload;
    try {
      payload = await verifySignature(runtime, token);
    } catch {
      return undefined;
    }
    identity = identityOf(payload);
    if (!identity) {
      return undefined;
    }
    rememberVerified(runtime, token, identity);
  }
  if (!(await isAccessTokenActive(db, identity.jti))) {
    return undefined;
  }
  // A copy per request: what one request does with its identity never reaches another's.
  return { ...identity, actor: { ...identity.actor }, roles: [...identity.roles], scopes: [...identity.scopes] };
}
