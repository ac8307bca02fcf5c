// Introspection (RFC 7662) and revocation (RFC 7009) of JWT access tokens. oidc-provider answers
// both only for the tokens it stores (refresh tokens); a JWT access token is answered here from
// its signature and our record of it, for the client it was issued to.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose';
import type { Database } from '../../platform/db/index.ts';
import { revokeAccessToken } from './access-token-records.ts';
import { isJwt, tryVerifyAccessToken } from './access-tokens.ts';
import { tryReadClientMetadata } from './clients.ts';
import type { OAuthRuntime } from './runtime.ts';

type Form = Record<string, string | undefined>;

const digest = (text: string) => createHash('sha256').update(text).digest();

/** RFC 6749 §2.3.1: `client_id:client_secret`, each form-urlencoded, in HTTP Basic. */
function readBasic(header: string | undefined): { id: string; secret: string } | undefined {
  const match = header ? /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header) : null;
  if (!match?.[1]) {
    return undefined;
  }
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) {
    return undefined;
  }
  const decode = (part: string) => decodeURIComponent(part.replace(/\+/g, ' '));
  return { id: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) };
}

/** The confidential client the request authenticates as, by HTTP Basic or form parameters. */
async function tryAuthenticateClient(db: Database, request: FastifyRequest, form: Form): Promise<string | undefined> {
  const credentials =
    readBasic(request.headers.authorization) ??
    (form.client_id && form.client_secret ? { id: form.client_id, secret: form.client_secret } : undefined);
  if (!credentials) {
    return undefined;
  }
  const metadata = await tryReadClientMetadata(db, credentials.id);
  const secret = metadata?.client_secret;
  if (typeof secret !== 'string') {
    return undefined;
  }
  // Equal-length digests, so the comparison takes the same time whatever the secret.
  return timingSafeEqual(digest(secret), digest(credentials.secret)) ? credentials.id : undefined;
}

function invalidClient(reply: FastifyReply) {
  return reply
    .code(401)
    .header('www-authenticate', 'Basic realm="caregraph"')
    .header('cache-control', 'no-store')
    .send({ error: 'invalid_client', error_description: 'client authentication failed' });
}

/** Whether the request is one for this handler: a JWT in the `token` parameter. */
export function hasJwtToken(form: Form): boolean {
  return typeof form.token === 'string' && isJwt(form.token);
}

export async function introspectJwt(
  runtime: OAuthRuntime,
  db: Database,
  request: FastifyRequest,
  reply: FastifyReply,
  form: Form,
) {
  const clientId = await tryAuthenticateClient(db, request, form);
  if (!clientId) {
    return invalidClient(reply);
  }
  const identity = await tryVerifyAccessToken(runtime, db, form.token ?? '');
  void reply.header('cache-control', 'no-store');
  // Only the client a token was issued to learns about it; to others it is simply not active.
  if (!identity || identity.clientId !== clientId) {
    return reply.send({ active: false });
  }
  const claims = decodeJwt(form.token ?? '');
  return reply.send({
    active: true,
    token_type: 'Bearer',
    scope: identity.scopes.join(' '),
    client_id: identity.clientId,
    sub: claims.sub,
    iss: claims.iss,
    aud: claims.aud,
    iat: claims.iat,
    exp: claims.exp,
    jti: identity.jti,
    tenant: identity.tenantId,
    ...(identity.patientId === undefined ? {} : { patient: identity.patientId }),
    ...(identity.fhirUser === undefined ? {} : { fhirUser: identity.fhirUser }),
  });
}

export async function revokeJwt(
  runtime: OAuthRuntime,
  db: Database,
  request: FastifyRequest,
  reply: FastifyReply,
  form: Form,
) {
  const clientId = await tryAuthenticateClient(db, request, form);
  if (!clientId) {
    return invalidClient(reply);
  }
  const identity = await tryVerifyAccessToken(runtime, db, form.token ?? '');
  if (identity) {
    await revokeAccessToken(db, identity.jti, clientId);
  }
  // RFC 7009 §2.2: 200 whether or not there was anything to revoke.
  return reply.code(200).header('cache-control', 'no-store').send();
}
