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

/**
 * The identity of a valid, unrevoked access token; undefined for any token that fails a check
 * (the reason is not told to the caller: RFC 6750 §3.1 `invalid_token` covers them all).
 */
export async function tryVerifyAccessToken(
  runtime: OAuthRuntime,
  db: Database,
  token: string,
): Promise<AccessTokenIdentity | undefined> {
  let payload: JWTPayload;
  try {
    payload = await verifySignature(runtime, token);
  } catch {
    return undefined;
  }
  const identity = identityOf(payload);
  return identity && (await isAccessTokenActive(db, identity.jti)) ? identity : undefined;
}
