// The relying-party half of single sign-on, on openid-client: send the browser to the upstream
// with authorization code + PKCE (S256) + state + nonce, then exchange the code and validate the
// ID token (signature against the upstream's JWKS, iss, aud, exp, nonce) when it comes back.
import * as oidc from 'openid-client';
import type { Database } from '../../../platform/db/index.ts';
import { isLoopbackHost } from './manage-identity-providers.ts';
import { readClientSecret, tryGetIdentityProvider, type IdentityProvider } from './provider-records.ts';
import type { SecretBox } from './secret-box.ts';
import { savePendingLogin, takePendingLogin, type PendingLogin } from './sign-in-records.ts';

export type UpstreamSignInDeps = {
  db: Database;
  box: SecretBox;
  now: () => Date;
  /** Our callback, registered at every upstream as the redirect URI. */
  callbackUrl: string;
  configurations: UpstreamConfigurations;
};

/** A browser has this long to come back from the upstream. */
export const PENDING_LOGIN_TTL_MS = 10 * 60 * 1000;
/** Seconds any one request to an upstream may take. */
const UPSTREAM_TIMEOUT_SECONDS = 10;
/** How long a discovered configuration (endpoints, keys) is reused. */
const CONFIGURATION_TTL_MS = 5 * 60 * 1000;

/** Why a sign-in through an upstream stopped. Each has a page of its own. */
export type UpstreamFailure =
  | 'expired'
  | 'provider-unavailable'
  | 'unreachable'
  | 'denied'
  | 'upstream-error'
  | 'invalid-response'
  | 'email-unverified'
  | 'domain-not-allowed';

const FAILURES: Readonly<Record<UpstreamFailure, { status: number; message: string }>> = {
  expired: { status: 400, message: 'This sign-in has expired or was already used. Start again.' },
  'provider-unavailable': { status: 404, message: 'This sign-in option is not available.' },
  unreachable: { status: 502, message: 'The identity provider cannot be reached right now. Try again later.' },
  denied: { status: 403, message: 'The identity provider did not let you sign in.' },
  'upstream-error': { status: 502, message: 'The identity provider could not sign you in.' },
  'invalid-response': { status: 502, message: 'The identity provider’s answer could not be verified.' },
  'email-unverified': { status: 403, message: 'The identity provider did not confirm a verified e-mail address.' },
  'domain-not-allowed': {
    status: 403,
    message: 'Accounts with this e-mail domain may not sign in to this organisation.',
  },
};

/** A sign-in through an upstream that cannot go on: a reason for the audit trail and a message to show. */
export class UpstreamSignInError extends Error {
  override readonly name = 'UpstreamSignInError';
  readonly reason: UpstreamFailure;
  readonly statusCode: number;
  /** The provider, once known: its id goes in the audit trail. */
  readonly provider: IdentityProvider | undefined;

  constructor(reason: UpstreamFailure, provider?: IdentityProvider, detail?: string) {
    super(FAILURES[reason].message + (detail === undefined ? '' : ` (${detail})`));
    this.reason = reason;
    this.statusCode = FAILURES[reason].status;
    this.provider = provider;
  }
}

/** Discovered upstream configurations, reused for a few minutes and forgotten when the provider changes. */
export type UpstreamConfigurations = {
  get: (db: Database, box: SecretBox, provider: IdentityProvider) => Promise<oidc.Configuration>;
};

export function createUpstreamConfigurations(now: () => number = Date.now): UpstreamConfigurations {
  const cache = new Map<string, { configuration: oidc.Configuration; expires: number }>();
  return {
    async get(db, box, provider) {
      const key = `${provider.tenantId}:${provider.id}:${provider.updatedAt}`;
      const cached = cache.get(key);
      if (cached && cached.expires > now()) {
        return cached.configuration;
      }
      const configuration = await discover(provider, await readClientSecret(db, box, provider));
      if (cache.size >= 100) {
        cache.clear();
      }
      cache.set(key, { configuration, expires: now() + CONFIGURATION_TTL_MS });
      return configuration;
    },
  };
}

async function discover(provider: IdentityProvider, clientSecret: string): Promise<oidc.Configuration> {
  const issuer = new URL(provider.issuer);
  // openid-client refuses plain http. The administration API accepts http only for loopback hosts
  // (an upstream on this machine, as in the tests), and only then is the refusal lifted.
  const isLoopbackHttp = issuer.protocol === 'http:' && isLoopbackHost(issuer.hostname);
  try {
    return await oidc.discovery(
      issuer,
      provider.clientId,
      { client_secret: clientSecret },
      oidc.ClientSecretBasic(clientSecret),
      // Marked deprecated only so that it stands out; it is what the library documents for loopback tests.
      // eslint-disable-next-line @typescript-eslint/no-deprecated
      { timeout: UPSTREAM_TIMEOUT_SECONDS, ...(isLoopbackHttp ? { execute: [oidc.allowInsecureRequests] } : {}) },
    );
  } catch {
    throw new UpstreamSignInError('unreachable', provider);
  }
}

async function enabledProvider(db: Database, tenantId: string, providerId: string): Promise<IdentityProvider> {
  const provider = await tryGetIdentityProvider(db, tenantId, providerId);
  if (!provider?.enabled) {
    throw new UpstreamSignInError('provider-unavailable', provider);
  }
  return provider;
}

/** Starts a sign-in at the upstream for an interaction: answers where to send the browser. */
export async function beginUpstreamSignIn(
  deps: UpstreamSignInDeps,
  options: { tenantId: string; providerId: string; interactionUid: string },
): Promise<{ provider: IdentityProvider; authorizationUrl: string }> {
  const provider = await enabledProvider(deps.db, options.tenantId, options.providerId);
  const configuration = await deps.configurations.get(deps.db, deps.box, provider);
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const codeVerifier = oidc.randomPKCECodeVerifier();
  await savePendingLogin(deps.db, {
    state,
    tenantId: provider.tenantId,
    providerId: provider.id,
    interactionUid: options.interactionUid,
    codeVerifier,
    nonce,
    expiresAt: new Date(deps.now().getTime() + PENDING_LOGIN_TTL_MS),
  });
  const url = oidc.buildAuthorizationUrl(configuration, {
    redirect_uri: deps.callbackUrl,
    scope: provider.scopes.join(' '),
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
  });
  return { provider, authorizationUrl: url.href };
}

/** Who the upstream says signed in: its subject, verified e-mail address, name and methods (RFC 8176 `amr`). */
export type UpstreamIdentity = { subject: string; email: string; displayName: string; amr: string[] };

const isNetworkFailure = (error: unknown) =>
  error instanceof Error &&
  (error.name === 'TypeError' || error.name === 'TimeoutError' || error.name === 'AbortError');

/** The claims that name the user: from the ID token, or from userinfo when the upstream keeps them there. */
async function identityClaims(
  configuration: oidc.Configuration,
  tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers,
): Promise<Record<string, unknown> & { sub: string }> {
  const claims = tokens.claims();
  if (!claims) {
    throw new UpstreamSignInError('invalid-response');
  }
  if (typeof claims.email === 'string') {
    return claims;
  }
  const userinfo = await oidc.fetchUserInfo(configuration, tokens.access_token, claims.sub);
  return { ...userinfo, ...claims };
}

function checkIdentity(provider: IdentityProvider, claims: Record<string, unknown> & { sub: string }) {
  const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : '';
  // An unverified address proves nothing about who owns it (OIDC Core §5.1 email_verified).
  if (email === '' || claims.email_verified !== true) {
    throw new UpstreamSignInError('email-unverified', provider);
  }
  const domain = email.slice(email.lastIndexOf('@') + 1);
  if (provider.allowedEmailDomains.length > 0 && !provider.allowedEmailDomains.includes(domain)) {
    throw new UpstreamSignInError('domain-not-allowed', provider);
  }
  const amr = Array.isArray(claims.amr) ? claims.amr.filter((value) => typeof value === 'string') : [];
  const name = typeof claims.name === 'string' && claims.name.trim() !== '' ? claims.name.trim() : email;
  return { subject: claims.sub, email, displayName: name.slice(0, 200), amr };
}

/**
 * Finishes the upstream half for the interaction the browser proved it holds: uses up the state,
 * exchanges the code (PKCE verifier), validates the ID token (nonce) and checks the e-mail address.
 */
export async function completeUpstreamSignIn(
  deps: UpstreamSignInDeps,
  options: { interactionUid: string; callbackQuery: URLSearchParams },
): Promise<{ provider: IdentityProvider; login: PendingLogin; identity: UpstreamIdentity }> {
  const state = options.callbackQuery.get('state') ?? '';
  const login = await takePendingLogin(deps.db, { state, interactionUid: options.interactionUid, now: deps.now() });
  if (!login) {
    throw new UpstreamSignInError('expired');
  }
  const provider = await enabledProvider(deps.db, login.tenantId, login.providerId);
  const error = options.callbackQuery.get('error');
  if (error !== null) {
    // RFC 6749 §4.1.2.1: the upstream refused (the user said no, or could not sign in there).
    throw new UpstreamSignInError(
      error === 'access_denied' ? 'denied' : 'upstream-error',
      provider,
      error.slice(0, 60),
    );
  }
  const configuration = await deps.configurations.get(deps.db, deps.box, provider);
  const callback = new URL(deps.callbackUrl);
  callback.search = options.callbackQuery.toString();
  try {
    const tokens = await oidc.authorizationCodeGrant(configuration, callback, {
      pkceCodeVerifier: login.codeVerifier,
      expectedState: state,
      expectedNonce: login.nonce,
      idTokenExpected: true,
    });
    return { provider, login, identity: checkIdentity(provider, await identityClaims(configuration, tokens)) };
  } catch (failure) {
    if (failure instanceof UpstreamSignInError) {
      throw failure.provider ? failure : new UpstreamSignInError(failure.reason, provider);
    }
    throw new UpstreamSignInError(isNetworkFailure(failure) ? 'unreachable' : 'invalid-response', provider);
  }
}
