import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { tryFindApiKey, type ApiKeyIdentity } from '../modules/tenants/index.ts';

/** Who is asking, for which tenant, with what rights: every protected route reads it. */
export type RequestContext = {
  tenantId: string;
  actor: { kind: 'api-key'; label: string };
  roles: string[];
  scopes: string[];
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

const CACHE_TTL_MS = 30_000;
const CACHE_MAX = 1000;

/**
 * Decorates `authenticate`. API keys are looked up by hash and cached briefly so reads stay one
 * query; a revoked key stops working within the cache TTL.
 */
export const requestContextPlugin = fp(async (app) => {
  const cache = new Map<string, { identity: ApiKeyIdentity | undefined; expires: number }>();
  async function identify(key: string): Promise<ApiKeyIdentity | undefined> {
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
    const identity = match?.[1] ? await identify(match[1]) : undefined;
    if (!identity) {
      throw new UnauthorizedError(header ? 'Invalid credentials' : 'Missing credentials');
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
