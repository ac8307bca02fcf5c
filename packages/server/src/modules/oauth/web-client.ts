// The web app's own OAuth client: one public client per tenant (authorization code + PKCE, refresh
// tokens), registered at start for the default tenant and on first use for any other, and a public
// endpoint the app reads to learn its client id before anyone has signed in.
import type { FastifyInstance } from 'fastify';
import type { Queryable } from '../../platform/db/index.ts';
import { isValidTenantId } from '../tenants/index.ts';
import { registerClient } from './clients.ts';

/** Where the authorization server sends the browser back to the web app (a route of the app). */
export const WEB_CLIENT_CALLBACK_PATH = '/sign-in/callback';

/**
 * What the web app may ask for. Staff sign in with `user/` scopes, patients with `patient/` scopes
 * and their own record as the launch patient; the consent step grants a user only the scopes their
 * roles allow, and the role policies cap what a token can do beyond that.
 */
export const WEB_CLIENT_SCOPES = {
  staff: ['openid', 'profile', 'fhirUser', 'offline_access', 'user/*.cruds'],
  patient: ['openid', 'profile', 'fhirUser', 'offline_access', 'launch/patient', 'patient/*.rs'],
} as const;

/** What the web app needs to start signing in. */
export type WebClientConfiguration = {
  clientId: string;
  tenant: string;
  /** The OpenID issuer (discovery at `<authority>/.well-known/openid-configuration`). */
  authority: string;
  redirectUri: string;
  scopes: { staff: string; patient: string };
};

/** The web app's client id in a tenant: client ids are global, so each tenant has its own. */
export function webClientIdOf(tenantId: string): string {
  return `caregraph-web.${tenantId}`;
}

/** The redirect URIs the web app may use: the app served by this server, at its public address. */
function redirectUrisOf(issuer: string): string[] {
  return [`${issuer.replace(/\/$/, '')}${WEB_CLIENT_CALLBACK_PATH}`];
}

/** Registers (or refreshes) the web app's public client for a tenant; answers its client id. */
export async function ensureWebClient(q: Queryable, options: { tenantId: string; issuer: string }): Promise<string> {
  const scopes = [...new Set([...WEB_CLIENT_SCOPES.staff, ...WEB_CLIENT_SCOPES.patient, 'online_access'])];
  const { clientId } = await registerClient(q, {
    tenantId: options.tenantId,
    clientId: webClientIdOf(options.tenantId),
    clientName: 'CareGraph',
    isConfidential: false,
    redirectUris: redirectUrisOf(options.issuer),
    grantTypes: ['authorization_code', 'refresh_token'],
    allowedScopes: scopes,
  });
  return clientId;
}

/** The configuration for one tenant's web client. */
export function webClientConfigurationOf(tenantId: string, issuer: string): WebClientConfiguration {
  return {
    clientId: webClientIdOf(tenantId),
    tenant: tenantId,
    authority: issuer,
    redirectUri: redirectUrisOf(issuer)[0] ?? '',
    scopes: { staff: WEB_CLIENT_SCOPES.staff.join(' '), patient: WEB_CLIENT_SCOPES.patient.join(' ') },
  };
}

/** PostgreSQL's foreign key violation: the tenant does not exist. */
const FOREIGN_KEY_VIOLATION = '23503';

const configurationResponse = {
  type: 'object',
  properties: {
    clientId: { type: 'string' },
    tenant: { type: 'string' },
    authority: { type: 'string' },
    redirectUri: { type: 'string' },
    scopes: { type: 'object', properties: { staff: { type: 'string' }, patient: { type: 'string' } } },
  },
} as const;

export type WebClientOptions = { issuer: string; defaultTenantId: string | undefined };

/**
 * Registers the default tenant's web client when the server is ready (after the tenant exists)
 * and answers `GET /api/oauth/web-client[?tenant=…]`: public, since the app asks before sign-in,
 * and it holds nothing secret (the client is public; PKCE protects the code).
 */
export function registerWebClient(app: FastifyInstance, options: WebClientOptions): void {
  const registered = new Set<string>();
  const ensure = async (tenantId: string) => {
    if (!registered.has(tenantId)) {
      await ensureWebClient(app.db, { tenantId, issuer: options.issuer });
      registered.add(tenantId);
    }
  };
  app.addHook('onReady', async () => {
    if (options.defaultTenantId === undefined) {
      return;
    }
    try {
      await ensure(options.defaultTenantId);
    } catch (error) {
      // A server started before its tenant exists registers the client on first use instead.
      if ((error as { code?: string }).code !== FOREIGN_KEY_VIOLATION) {
        throw error;
      }
    }
  });
  app.get<{ Querystring: { tenant?: string } }>(
    '/api/oauth/web-client',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { tenant: { type: 'string', minLength: 1, maxLength: 63 } },
        },
        response: { 200: configurationResponse },
      },
    },
    async (request, reply) => {
      const tenantId = request.query.tenant ?? options.defaultTenantId;
      if (tenantId === undefined || !isValidTenantId(tenantId)) {
        return reply.code(404).type('application/problem+json').send(unknownTenant());
      }
      try {
        await ensure(tenantId);
      } catch (error) {
        if ((error as { code?: string }).code === FOREIGN_KEY_VIOLATION) {
          return reply.code(404).type('application/problem+json').send(unknownTenant());
        }
        throw error;
      }
      return reply.header('cache-control', 'no-cache').send(webClientConfigurationOf(tenantId, options.issuer));
    },
  );
}

function unknownTenant() {
  return {
    type: 'about:blank',
    title: 'Not Found',
    status: 404,
    detail: 'There is no such tenant.',
    code: 'OAUTH_UNKNOWN_TENANT',
  };
}
