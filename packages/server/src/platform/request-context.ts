import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { forbidden, OutcomeError } from '@caregraph/core/fhir';
import { tryFindApiKey, type ApiKeyIdentity } from '../modules/tenants/index.ts';

/** Who is asking, for which tenant, with what rights: every protected route reads it. */
export type RequestContext = {
  tenantId: string;
  /** A user's access token (the user id) or a client's own token (`system`, the client id). */
  actor: { kind: 'user' | 'system'; label: string };
  roles: string[];
  /** The SMART scopes the access token was granted. */
  scopes: string[];
  /** The OAuth client an access token was issued to. */
  clientId?: string;
  /** The SMART launch patient of an access token: `patient/` scopes reach only this patient. */
  patientId?: string;
  /** SMART fhirUser of a user's access token (absolute URL). */
  fhirUser?: string;
};

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `authenticate` on protected routes; absent on public ones. */
    context?: RequestContext;
  }
  interface FastifyInstance {
    /** onRequest hook: resolves the bearer credential into `request.context` or answers 401. */
    authenticate: (request: FastifyRequest) => Promise<void>;
  }
}

/** Thrown for missing or unknown credentials; each module's error handler renders it its own way. */
export class UnauthorizedError extends Error {
  override readonly name = 'UnauthorizedError';
  readonly statusCode = 401;
  readonly code = 'AUTH_UNAUTHORIZED';
}

/** What a caller presenting an API key is told (no secret, no identity in it). */
export const API_KEY_RETIRED_MESSAGE =
  'API keys no longer grant access. Use an OAuth access token: POST grant_type=client_credentials with ' +
  "your client's id and secret to the token endpoint named in /.well-known/openid-configuration, then " +
  'send Authorization: Bearer <access_token>';

/**
 * A known API key presented as a credential. API keys no longer grant anything on the HTTP API
 * (they reached every patient's data with `system/*.*`); an OAuth client's access token replaces
 * them. An `OutcomeError`, so `/fhir/R4` answers a 403 OperationOutcome, with the `statusCode` and
 * `code` the problem+json handler of the other modules reads.
 */
export class ApiKeyRetiredError extends OutcomeError {
  override readonly name = 'ApiKeyRetiredError';
  readonly statusCode = 403;
  readonly code = 'AUTH_API_KEY_RETIRED';
  constructor() {
    super(forbidden(API_KEY_RETIRED_MESSAGE));
  }
}

const JWT_SHAPE = /^eyJ[\w-]*\.[\w-]+\.[\w-]+$/;

const CACHE_TTL_MS = 30_000;
const CACHE_MAX = 1000;

/**
 * Decorates `authenticate`. The one credential is a JWT access token of our authorization server.
 * Any other bearer is looked up as an API key (by hash, cached briefly) only to tell a retired key
 * (403, naming the way forward) from a wrong credential (401); both refusals are audited.
 */
export const requestContextPlugin = fp(async (app) => {
  /**
   * An access token's identity: verified on every request (signature, issuer, audience, expiry, not
   * revoked). Its issue was the audited authentication; a refusal is audited here.
   */
  async function authenticateAccessToken(request: FastifyRequest, token: string): Promise<void> {
    const identity = app.hasDecorator('oauth') ? await app.oauth.verifyAccessToken(token) : undefined;
    if (!identity) {
      await app.audit.recordAuthentication(request, { isAuthenticated: false, reason: 'Invalid access token' });
      throw new UnauthorizedError('Invalid credentials');
    }
    request.context = {
      tenantId: identity.tenantId,
      actor: { kind: identity.actor.kind === 'user' ? 'user' : 'system', label: identity.actor.label },
      roles: identity.roles,
      scopes: identity.scopes,
      clientId: identity.clientId,
      ...(identity.patientId === undefined ? {} : { patientId: identity.patientId }),
      ...(identity.fhirUser === undefined ? {} : { fhirUser: identity.fhirUser }),
    };
    // Bind onto the request's own logger (cheaper than a child, and the completion log line gets them too).
    // Fastify's logger type omits setBindings; at run time request.log is a pino child logger.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
    (request.log as Logger).setBindings({ tenant: identity.tenantId, actor: identity.actor.label });
  }
  const cache = new Map<string, { identity: ApiKeyIdentity | undefined; expires: number }>();
  /** Who an API key was issued to; cached so a script still retrying with its key costs no query each time. */
  async function identifyApiKey(key: string): Promise<ApiKeyIdentity | undefined> {
    const now = Date.now();
    const cached = cache.get(key);
    if (cached && cached.expires > now) {
      return cached.identity;
    }
    const identity = await tryFindApiKey(app.db, key);
    if (cache.size >= CACHE_MAX) {
      cache.clear();
    }
    cache.set(key, { identity, expires: now + CACHE_TTL_MS });
    return identity;
  }
  app.decorate('authenticate', async (request: FastifyRequest) => {
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    const credential = match?.[1];
    // A JWT (three base64url parts) is an access token of our authorization server, never an API key.
    if (credential && JWT_SHAPE.test(credential)) {
      await authenticateAccessToken(request, credential);
      return;
    }
    const apiKey = credential ? await identifyApiKey(credential) : undefined;
    if (apiKey) {
      // Who tried is worth recording (the key's label and tenant, never the key itself): a script
      // still using a retired key shows up in the audit trail of its tenant's refusals.
      await app.audit.recordAuthentication(request, {
        isAuthenticated: false,
        reason: `API key "${apiKey.label}" of tenant ${apiKey.tenantId} refused: API keys no longer grant access`,
      });
      throw new ApiKeyRetiredError();
    }
    const reason = header ? 'Invalid credentials' : 'Missing credentials';
    // Every refused credential is an audited authentication event (the credential itself is never recorded).
    await app.audit.recordAuthentication(request, { isAuthenticated: false, reason });
    throw new UnauthorizedError(reason);
  });
});
