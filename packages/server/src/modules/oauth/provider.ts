// The oidc-provider configuration: SMART on FHIR on top of OpenID Connect. Access tokens are
// RS256 JWTs for one resource server, the FHIR base URL; SMART resource scopes are resource
// server scopes, granted only where the client is registered for them.
import Provider, { errors, type Client, type Configuration, type KoaContextWithOIDC, type Token } from 'oidc-provider';
import { decodeJwt } from 'jose';
import type { Database } from '../../platform/db/index.ts';
import { filterAllowedScopes, parseResourceScope } from '../access/index.ts';
import { findAccount, parseAccountId, tryFindAccountUser } from './accounts.ts';
import { recordAccessToken } from './access-token-records.ts';
import { createAdapterClass } from './adapter.ts';
import { clientFactsOf, EXTRA_CLIENT_PROPERTIES } from './clients.ts';
import { tryReadGrantContext } from './launch-context.ts';
import { INTERACTION_PATH, OAUTH_ROUTES, STATIC_SCOPES, type OAuthSettings } from './settings.ts';
import { SIGNING_ALG, type SigningJwk } from './signing-keys.ts';
import { renderErrorPage } from './pages.ts';

export type ProviderDependencies = {
  db: Database;
  settings: OAuthSettings;
  /** Private signing keys, the one that signs first. */
  keys: SigningJwk[];
  cookieKeys: string[];
};

const STATIC_SCOPES_SET: ReadonlySet<string> = new Set(STATIC_SCOPES);

const sameUrl = (a: string, b: string) => a.replace(/\/$/, '') === b.replace(/\/$/, '');

function scopeWords(value: unknown): string[] {
  return typeof value === 'string' ? value.split(' ').filter((word) => word !== '') : [];
}

/**
 * The resource scopes in play for this request: asked for at authorization, carried by the code
 * or refresh token being exchanged, or (client_credentials without `scope`) all the client's.
 */
function requestedResourceScopes(ctx: KoaContextWithOIDC, registered: string[]): string[] {
  const { params, entities, route } = ctx.oidc;
  if (route === 'token' && params.grant_type === 'client_credentials' && !params.scope) {
    // Scripts may leave `scope` out; they get everything their client is registered for.
    params.scope = registered.filter((scope) => parseResourceScope(scope)?.context === 'system').join(' ');
  }
  const words = [
    ...scopeWords(params.scope),
    ...scopeWords(entities.AuthorizationCode?.scope),
    ...scopeWords(entities.RefreshToken?.scope),
  ];
  return [...new Set(words)].filter((word) => parseResourceScope(word) !== undefined);
}

/** Resource scopes for the grant type: system/ scopes only for clients acting for themselves. */
function isScopeForGrantType(scope: string, isClientCredentials: boolean): boolean {
  return (parseResourceScope(scope)?.context === 'system') === isClientCredentials;
}

async function extraTokenClaims(
  db: Database,
  settings: OAuthSettings,
  token: Token,
): Promise<Record<string, unknown> | undefined> {
  if ((token.kind !== 'AccessToken' && token.kind !== 'ClientCredentials') || token.format !== 'jwt') {
    return undefined;
  }
  const expiresAt = new Date(Date.now() + token.expiration * 1000);
  await recordAccessToken(db, { jti: token.jti, clientId: token.clientId, grantId: token.grantId, expiresAt });
  if (token.kind === 'ClientCredentials' || !token.accountId) {
    const facts = token.client ? clientFactsOf(token.client) : undefined;
    return facts && { tenant: facts.tenantId, roles: facts.roles };
  }
  const user = await tryFindAccountUser(db, token.accountId);
  const account = parseAccountId(token.accountId);
  if (!user || !account) {
    throw new errors.AccessDenied('the account no longer exists or may not sign in');
  }
  const context = token.grantId ? await tryReadGrantContext(db, token.grantId) : undefined;
  return {
    tenant: account.tenantId,
    roles: user.roles,
    ...(user.fhirUser === undefined ? {} : { fhirUser: `${settings.fhirBaseUrl}/${user.fhirUser}` }),
    ...(context?.patientId === undefined ? {} : { patient: context.patientId }),
    ...(context?.encounterId === undefined ? {} : { encounter: context.encounterId }),
  };
}

/**
 * SMART's launch context travels beside the access token in the token response (SMART App
 * Launch §"Response to the token request"): copied from the claims just put in the token.
 */
async function addLaunchContextToTokenResponse(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
  await next();
  if (ctx.oidc?.route !== 'token' || ctx.status !== 200 || typeof ctx.body !== 'object' || ctx.body === null) {
    return;
  }
  const body = ctx.body as Record<string, unknown>;
  if (typeof body.access_token !== 'string') {
    return;
  }
  // The access token's scope holds the resource scopes only; the app is told all it was granted.
  const { AuthorizationCode: code, RefreshToken: refreshToken } = ctx.oidc.entities;
  const granted = new Set([...scopeWords(code?.scope), ...scopeWords(refreshToken?.scope), ...scopeWords(body.scope)]);
  body.scope = [...granted]
    .filter((scope) => STATIC_SCOPES_SET.has(scope) || scopeWords(body.scope).includes(scope))
    .join(' ');
  const claims = decodeJwt(body.access_token);
  for (const name of ['patient', 'encounter'] as const) {
    if (typeof claims[name] === 'string') {
      body[name] = claims[name];
    }
  }
}

/**
 * OpenID Connect keeps `offline_access` only when the request has `prompt=consent` (OIDC Core
 * §11); SMART apps ask for it without. Such a request is made to ask for consent, so the user
 * sees (and may refuse) the long-lived access.
 */
async function promptConsentForOfflineAccess(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
  if (ctx.path === OAUTH_ROUTES.authorization && ctx.method === 'GET') {
    const query = ctx.query;
    const scope = typeof query.scope === 'string' ? query.scope.split(' ') : [];
    if (scope.includes('offline_access') && query.prompt === undefined) {
      ctx.query = { ...query, prompt: 'consent' };
    }
  }
  await next();
}

function providerConfiguration(deps: ProviderDependencies): Configuration {
  const { db, settings } = deps;
  const ttl = settings.accessTokenTtlSeconds;
  return {
    adapter: createAdapterClass(db),
    clients: [],
    jwks: { keys: deps.keys },
    // Session and interaction cookies: signed, never readable by scripts, sent cross-site only on
    // top-level navigations (the OAuth redirects), and Secure whenever the issuer is https (the
    // provider sees the issuer's scheme through addressToIssuer).
    cookies: {
      keys: deps.cookieKeys,
      long: { httpOnly: true, sameSite: 'lax', secure: settings.issuer.startsWith('https:'), signed: true },
      short: { httpOnly: true, sameSite: 'lax', secure: settings.issuer.startsWith('https:'), signed: true },
    },
    routes: OAUTH_ROUTES,
    scopes: [...STATIC_SCOPES],
    claims: {
      // `amr`: how the user authenticated (RFC 8176), in every ID token, for relying parties that
      // weigh it: a server trusting this one as its upstream identity provider may accept its `mfa`.
      openid: ['sub', 'amr'],
      profile: ['name', 'email'],
      email: ['email', 'email_verified'],
      fhirUser: ['fhirUser'],
    },
    // SMART apps read fhirUser from the ID token, not from userinfo.
    conformIdTokenClaims: false,
    extraParams: ['launch', 'aud'],
    extraClientMetadata: { properties: [...EXTRA_CLIENT_PROPERTIES] },
    clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post'],
    enabledJWA: { idTokenSigningAlgValues: [SIGNING_ALG] },
    clientDefaults: { id_token_signed_response_alg: SIGNING_ALG },
    findAccount: (_ctx: KoaContextWithOIDC, sub: string) => findAccount(db, sub, settings.fhirBaseUrl),
    interactions: {
      url: (_ctx: KoaContextWithOIDC, interaction: { uid: string }) => `${INTERACTION_PATH}/${interaction.uid}`,
    },
    pkce: { required: () => true },
    rotateRefreshToken: true,
    issueRefreshToken: (_ctx: KoaContextWithOIDC, client: Client, source: { scopes: Set<string> }) =>
      client.grantTypeAllowed('refresh_token') &&
      (source.scopes.has('offline_access') || source.scopes.has('online_access')),
    ttl: {
      AccessToken: ttl,
      ClientCredentials: ttl,
      AuthorizationCode: 60,
      IdToken: ttl,
      Interaction: 3600,
      Session: 8 * 3600,
      Grant: settings.refreshTokenTtlSeconds,
      RefreshToken: settings.refreshTokenTtlSeconds,
    },
    extraTokenClaims: (_ctx: KoaContextWithOIDC, token: Token) => extraTokenClaims(db, settings, token),
    // Browser apps call the token endpoint from their own origin: the origins of their redirect URIs.
    clientBasedCORS: (_ctx: KoaContextWithOIDC, origin: string, client: Client) =>
      (client.redirectUris ?? []).some((uri) => URL.parse(uri)?.origin === origin),
    renderError: (ctx: KoaContextWithOIDC, out: Record<string, string>) => {
      ctx.type = 'html';
      ctx.body = renderErrorPage(out.error_description ?? out.error ?? 'The request could not be completed');
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: (ctx: KoaContextWithOIDC) => {
          const aud = ctx.oidc.params.aud;
          // SMART: the app names the FHIR server it means; refuse a token meant for another.
          if (typeof aud === 'string' && !sameUrl(aud, settings.fhirBaseUrl)) {
            throw new errors.InvalidRequest('aud is not this server’s FHIR base URL');
          }
          return settings.fhirBaseUrl;
        },
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx: KoaContextWithOIDC, resource: string, client: Client) => {
          if (!sameUrl(resource, settings.fhirBaseUrl)) {
            throw new errors.InvalidTarget('the only resource is the FHIR base URL');
          }
          const { allowedScopes } = clientFactsOf(client);
          const isClientCredentials = ctx.oidc.params.grant_type === 'client_credentials';
          const scopes = filterAllowedScopes(requestedResourceScopes(ctx, allowedScopes), allowedScopes).filter(
            (scope) => isScopeForGrantType(scope, isClientCredentials),
          );
          return {
            scope: scopes.join(' '),
            audience: settings.fhirBaseUrl,
            accessTokenTTL: ttl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: SIGNING_ALG } },
          };
        },
      },
    },
  };
}

/** A provider for the current keys; rebuilt when they rotate. */
export function createProvider(deps: ProviderDependencies): Provider {
  const provider = new Provider(deps.settings.issuer, providerConfiguration(deps));
  // Requests arrive through `handOver`, which sets the forwarded host, protocol and address.
  provider.proxy = true;
  provider.use(promptConsentForOfflineAccess);
  provider.use(addLaunchContextToTokenResponse);
  return provider;
}
