import type { Config } from '../../config.ts';

/** What the authorization server needs from the configuration, fixed at start. */
export type OAuthSettings = Readonly<{
  /** The OpenID issuer: the server's public base URL. */
  issuer: string;
  /** The FHIR base URL: SMART's `aud`, and the audience of every access token. */
  fhirBaseUrl: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Seals upstream identity providers' client secrets: configured, else generated into `dataDir`. */
  identityProviderKey: Readonly<{ key: string | undefined; dataDir: string }>;
}>;

export function oauthSettingsFrom(config: Config): OAuthSettings {
  return Object.freeze({
    issuer: config.oauth.issuer,
    fhirBaseUrl: `${config.baseUrl}/fhir/R4`,
    accessTokenTtlSeconds: config.oauth.accessTokenTtlSeconds,
    refreshTokenTtlSeconds: config.oauth.refreshTokenTtlSeconds,
    identityProviderKey: Object.freeze({ key: config.identityProviderKey, dataDir: config.dataDir }),
  });
}

/** The provider's endpoints, below the issuer. */
export const OAUTH_ROUTES = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  introspection: '/oauth/token/introspection',
  revocation: '/oauth/token/revocation',
  jwks: '/oauth/jwks',
  userinfo: '/oauth/userinfo',
  end_session: '/oauth/session/end',
  pushed_authorization_request: '/oauth/par',
} as const;

/** Where the provider sends the browser to sign in and consent. */
export const INTERACTION_PATH = '/oauth/interaction';

/** Where upstream identity providers send the browser back: the redirect URI registered with them. */
export const UPSTREAM_CALLBACK_PATH = '/oauth/upstream/callback';

/** The scopes besides resource scopes: OpenID Connect and SMART launch context. */
export const STATIC_SCOPES = [
  'openid',
  'profile',
  // The address and whether it is verified (OIDC Core §5.4): what an upstream-trusting server maps users by.
  'email',
  'fhirUser',
  'offline_access',
  'online_access',
  'launch',
  'launch/patient',
  'launch/encounter',
] as const;
