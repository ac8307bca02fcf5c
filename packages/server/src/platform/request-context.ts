import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { tryFindApiKey, type ApiKeyIdentity } from '../modules/tenants/index.ts';

/** Who is asking, for which tenant, with what rights: every protected route reads it. */
export type RequestContext = {
  tenantId: string;
  /** An API key (its label), a user's access token (the user id) or a client's own token (`system`, the client id). */
  actor: { kind: 'api-key' | 'user' | 'system'; label: string };
  roles: string[];
  /** SMART scopes: `system/*.*` for API keys, the granted ones for access tokens. */
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

const JWT_SHAPE = /^eyJ[\w-]*\.[\w-]+\.[\w-]+$/;

const CACHE_TTL_MS = 30_000;
const CACHE_MAX = 1000;

/**
 * Decorates `authenticate`. API keys are looked up by hash and cached briefly so reads stay one
 * query; a revoked key stops working within the cache TTL.
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
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
    (request.log as Logger).setBindings({ tenant: identity.tenantId, actor: identity.actor.label });
  }
  const cache = new Map<string, { identity: ApiKeyIdentity | undefined; expires: number }>();
  /** The key's identity, and whether it was just checked against the database (an audited authentication). */
  async function identify(key: string): Promise<{ identity: ApiKeyIdentity | undefined; isFresh: boolean }> {
    const now = Date.now();
    const cached = cache.get(key);
    if (cached && cached.expires > now) {
      return { identity: cached.identity, isFresh: false };
    }
    const identity = await tryFindApiKey(app.db, key);
    if (cache.size >= CACHE_MAX) {
      cache.clear();
    }
    cache.set(key, { identity, expires: now + CACHE_TTL_MS });
    return { identity, isFresh: true };
  }
  app.decorate('authenticate', async (request: FastifyRequest) => {
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    // A JWT (three base64url parts) is an access token of our authorization server, never an API key.
    if (match?.[1] && JWT_SHAPE.test(match[1])) {
      await authenticateAccessToken(request, match[1]);
      return;
    }
    const found = match?.[1] ? await identify(match[1]) : undefined;
    const identity = found?.identity;
    if (!identity) {
      const reason = header ? 'Invalid credentials' : 'Missing credentials';
      // Every refused credential is an audited authentication event (the key itself is never recorded).
      await app.audit.recordAuthentication(request, { isAuthenticated: false, reason });
      throw new UnauthorizedError(reason);
    }
    if (found.isFresh) {
      // A successful authentication is recorded when the key is checked against the database: on
      // first use and after each cache expiry. Every request's own entry names the key as well.
      await app.audit.recordAuthentication(request, { isAuthenticated: true, ...identity });
    }
    request.context = {
      tenantId: identity.tenantId,
      actor: { kind: 'api-key', label: identity.label },
      roles: identity.roles,
      scopes: ['system/*.*'],
    };
    // Bind onto the request's own logger (cheaper than a child, and the completion log line gets them too).
    // Fastify's logger type omits setBindings; at run time request.log is a pino child logger.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
    (request.log as Logger).setBindings({ tenant: identity.tenantId, actor: identity.label });
  });
});
