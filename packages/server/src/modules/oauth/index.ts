// The reference brings oidc-provider's declarations (it ships none) into every program that compiles
// this module, the CLI's and the benchmarks' too: ambient module declarations cannot be imported.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./oidc-provider.d.ts" />
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { recordEvent, type AuditAgent } from '../audit/index.ts';
import { identityDepsOf, type IdentitySettings } from '../identity/index.ts';
import { problemErrorHandler } from '../../platform/problem-errors.ts';
import { parseAccountId } from './accounts.ts';
import { tryVerifyAccessToken, type AccessTokenIdentity } from './access-tokens.ts';
import { deleteExpiredRecords } from './adapter.ts';
import { registerOAuthAdminRoutes } from './admin-routes.ts';
import { registerIdentityProviderAdminRoutes } from './identity-providers/admin-routes.ts';
import { createSecretBox } from './identity-providers/secret-box.ts';
import { deleteExpiredPendingLogins } from './identity-providers/sign-in-records.ts';
import { createUpstreamConfigurations, type UpstreamSignInDeps } from './identity-providers/upstream-sign-in.ts';
import { clientFactsOf } from './clients.ts';
import { registerInteractionRoutes } from './interactions.ts';
import { addressToIssuer, createOAuthRuntime, type OAuthRuntime } from './runtime.ts';
import { OAUTH_ROUTES, UPSTREAM_CALLBACK_PATH, type OAuthSettings } from './settings.ts';
import { buildSmartConfiguration } from './smart-configuration.ts';
import { hasJwtToken, introspectJwt, revokeJwt } from './token-endpoints.ts';
import { registerWebClient } from './web-client.ts';

export { isJwt, type AccessTokenIdentity } from './access-tokens.ts';
export {
  ensureBootstrapClient,
  registerClient,
  type ClientGrantType,
  type NewClient,
  type RegisteredClient,
} from './clients.ts';
export { createLaunch } from './launch-context.ts';
export { OAuthError, type OAuthErrorCode } from './errors.ts';
export { oauthSettingsFrom, OAUTH_ROUTES, type OAuthSettings } from './settings.ts';

/** What the rest of the server asks of the authorization server. */
export type OAuthService = {
  /** The identity behind a valid, unrevoked access token this server issued. */
  verifyAccessToken: (token: string) => Promise<AccessTokenIdentity | undefined>;
  /** Makes a new signing key (the old one verifies until its tokens expire); answers its key id. */
  rotateSigningKey: () => Promise<string>;
  /** The key id new tokens are signed with. */
  signingKeyId: () => string;
};

declare module 'fastify' {
  interface FastifyInstance {
    oauth: OAuthService;
  }
}

export type OAuthPluginOptions = {
  settings: OAuthSettings;
  identity: IdentitySettings;
  /** The tenant whose web app client is registered at start and served when no tenant is named. */
  defaultTenantId?: string;
};

/** `/fhir/R4` and the discovery documents are read by browser apps from their own origins. */
const CORS_PATHS = /^\/(fhir\/R4(\/|$)|\.well-known\/)/;
const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'Location, ETag, Last-Modified, Content-Location',
};

/**
 * CORS for bearer-token APIs: any origin, since no ambient credential (cookie) is ever accepted
 * there, so a foreign page can do nothing its own token does not allow. Preflights are answered here.
 */
function registerCors(app: FastifyInstance) {
  app.addHook('onRequest', async (request, reply) => {
    if (!request.headers.origin || !CORS_PATHS.test(request.url)) {
      return;
    }
    void reply.headers(CORS_HEADERS);
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) {
      await reply
        .code(204)
        .headers({
          'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, HEAD',
          'access-control-allow-headers':
            'Authorization, Content-Type, Accept, If-Match, If-None-Match, If-None-Exist, Prefer, X-Purpose-Of-Use',
          'access-control-max-age': '600',
        })
        .send();
    }
  });
}

/** Token issuance and refusal, in the audit trail: client and user ids, never tokens. */
function recordTokenEvents(app: FastifyInstance, runtime: OAuthRuntime) {
  const record = (ctx: KoaContextWithOIDC, error?: { error?: string }) => {
    const client = ctx.oidc.client;
    const facts = client ? clientFactsOf(client) : undefined;
    const accountId = (ctx.oidc.entities.Grant ?? ctx.oidc.entities.AuthorizationCode)?.accountId;
    const account = typeof accountId === 'string' ? parseAccountId(accountId) : undefined;
    const agent: AuditAgent = account
      ? { kind: 'user', name: account.userId, roles: [], address: ctx.ip }
      : { kind: 'system', name: `client:${client?.clientId ?? 'unknown'}`, roles: facts?.roles ?? [], address: ctx.ip };
    const grantType = typeof ctx.oidc.params.grant_type === 'string' ? ctx.oidc.params.grant_type : 'unknown';
    recordEvent(app.db, {
      tenantId: facts?.tenantId ?? null,
      context: { agent },
      event: {
        type: 'login',
        interaction: error ? 'oauth.token-refused' : 'oauth.token-issued',
        action: 'E',
        outcome: error ? '4' : '0',
        entities: [],
        patients: [],
        detail: `client:${client?.clientId ?? 'unknown'} ${grantType}${error ? ` ${error.error ?? 'error'}` : ''}`,
      },
    }).catch((failure: unknown) => app.log.error({ err: failure }, 'recording a token event failed'));
  };
  runtime.onProvider((provider) => {
    provider.on('grant.success', (ctx: KoaContextWithOIDC) => record(ctx));
    provider.on('grant.error', (ctx: KoaContextWithOIDC, error: { error?: string }) => record(ctx, error));
  });
}

type Form = Record<string, string | undefined>;

/** Hands a request to the provider, addressed to the issuer (see `addressToIssuer`). */
async function handOver(runtime: OAuthRuntime, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  addressToIssuer(runtime, request);
  reply.hijack();
  await runtime.handle(request.raw, reply.raw);
}

/** The provider's endpoints, handed the raw request: it reads bodies and writes responses itself. */
function registerProviderRoutes(app: FastifyInstance, runtime: OAuthRuntime) {
  // Leave bodies unread for the provider, except where the JWT check below must read them first.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
  const forward = (request: FastifyRequest, reply: FastifyReply) => handOver(runtime, request, reply);
  app.get('/.well-known/openid-configuration', forward);
  app.route({ method: ['GET', 'POST', 'OPTIONS'], url: '/oauth/*', handler: forward });
}

/** Introspection and revocation: JWT access tokens here, everything else to the provider. */
function registerTokenManagementRoutes(app: FastifyInstance, runtime: OAuthRuntime) {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
  const route = (path: string, handleJwt: typeof introspectJwt) => {
    app.post<{ Body: Form }>(path, async (request, reply) => {
      const form = request.body;
      if (hasJwtToken(form)) {
        return handleJwt(runtime, app.db, request, reply, form);
      }
      // The body is read; the provider takes it from `req.body` instead of the stream.
      Object.assign(request.raw, { body: form });
      await handOver(runtime, request, reply);
      return reply;
    });
  };
  route(OAUTH_ROUTES.introspection, introspectJwt);
  route(OAUTH_ROUTES.revocation, revokeJwt);
}

/**
 * The OpenID Connect / OAuth 2.0 authorization server (oidc-provider) with SMART App Launch:
 * its endpoints under `/oauth`, discovery at `/.well-known/openid-configuration` and
 * `/fhir/R4/.well-known/smart-configuration`, sign-in and consent pages, and `/api/oauth` for
 * administration. Decorates `app.oauth` (lifted on purpose: `authenticate` verifies tokens with it).
 */
export const oauthPlugin = fp(async (app: FastifyInstance, options: OAuthPluginOptions) => {
  const { settings } = options;
  const runtime = await createOAuthRuntime(app.db, settings, () => new Date());
  app.decorate('oauth', {
    verifyAccessToken: (token: string) => tryVerifyAccessToken(runtime, app.db, token),
    rotateSigningKey: () => runtime.rotate(),
    signingKeyId: () => runtime.signingKid,
  } satisfies OAuthService);
  recordTokenEvents(app, runtime);
  registerCors(app);
  const upstream: UpstreamSignInDeps = {
    db: app.db,
    box: createSecretBox(settings.identityProviderKey),
    now: () => new Date(),
    callbackUrl: `${settings.issuer}${UPSTREAM_CALLBACK_PATH}`,
    configurations: createUpstreamConfigurations(),
  };
  const cleanup = setInterval(() => {
    Promise.all([deleteExpiredRecords(app.db), deleteExpiredPendingLogins(app.db, new Date())]).catch(
      (error: unknown) => app.log.error({ err: error }, 'OAuth clean-up failed'),
    );
  }, 3_600_000);
  cleanup.unref();
  app.addHook('onClose', () => clearInterval(cleanup));

  const smartConfiguration = buildSmartConfiguration(settings);
  app.get('/fhir/R4/.well-known/smart-configuration', async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=300').send(smartConfiguration),
  );
  await app.register(async (child) => registerProviderRoutes(child, runtime));
  await app.register(async (child) => registerTokenManagementRoutes(child, runtime));
  await app.register(async (child) =>
    registerWebClient(child, { issuer: settings.issuer, defaultTenantId: options.defaultTenantId }),
  );
  await app.register(async (child) =>
    registerInteractionRoutes(child, runtime, {
      ...identityDepsOf(app, options.identity),
      fhirBaseUrl: settings.fhirBaseUrl,
      upstream,
    }),
  );
  await app.register(
    async (child) => {
      child.setErrorHandler(problemErrorHandler);
      registerOAuthAdminRoutes(child, runtime);
    },
    { prefix: '/api/oauth' },
  );
  await app.register(
    async (child) => {
      child.setErrorHandler(problemErrorHandler);
      registerIdentityProviderAdminRoutes(child, { ...upstream, redirectUri: upstream.callbackUrl });
    },
    { prefix: '/api/admin/identity-providers' },
  );
});
