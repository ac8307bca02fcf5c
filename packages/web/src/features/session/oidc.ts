// Signing in with OpenID Connect (authorization code + PKCE) against CareGraph's own authorization
// server, through oidc-client-ts. Tokens live in this tab's sessionStorage (never a cookie or a
// URL); the refresh token renews them before they expire, and the server rotates it on each use.
import { UserManager, WebStorageStateStore, type User } from 'oidc-client-ts';

/** What `GET /api/oauth/web-client` answers: the web app's public client in the tenant. */
export type WebClientConfiguration = {
  clientId: string;
  tenant: string;
  authority: string;
  redirectUri: string;
  scopes: { staff: string; patient: string };
};

/** Who is signing in: staff get `user/` scopes, patients their own record through `patient/` scopes. */
export type SignInKind = 'staff' | 'patient';

/** Carried through the authorization request and back: where to go afterwards, and how the user signed in. */
export type SignInState = { returnTo: string | undefined; kind: SignInKind };

function isWebClientConfiguration(value: unknown): value is WebClientConfiguration {
  const candidate = value as Partial<WebClientConfiguration> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.clientId === 'string' &&
    typeof candidate.authority === 'string' &&
    typeof candidate.redirectUri === 'string' &&
    typeof candidate.scopes?.staff === 'string' &&
    typeof candidate.scopes.patient === 'string'
  );
}

/** Reads the web app's client configuration; `tenant` picks another tenant than the server's default. */
export async function loadWebClientConfiguration(tenant?: string): Promise<WebClientConfiguration> {
  const query = tenant ? `?tenant=${encodeURIComponent(tenant)}` : '';
  let response: Response;
  try {
    response = await fetch(`/api/oauth/web-client${query}`, { headers: { accept: 'application/json' } });
  } catch {
    throw new Error('The server could not be reached. Check the network connection and try again.');
  }
  if (!response.ok) {
    throw new Error(
      response.status === 404
        ? 'This organisation is not known to the server.'
        : `Sign-in is unavailable (${response.status}).`,
    );
  }
  const body = (await response.json()) as unknown;
  if (!isWebClientConfiguration(body)) {
    throw new Error('Sign-in is unavailable: the server sent an unexpected configuration.');
  }
  return body;
}

/**
 * The user manager for the web client. The redirect URI is this page's origin (the server
 * registers its public address; a deployment behind another address registers that one).
 */
export function createUserManager(configuration: WebClientConfiguration): UserManager {
  const store = new WebStorageStateStore({ store: window.sessionStorage });
  return new UserManager({
    authority: configuration.authority,
    client_id: configuration.clientId,
    redirect_uri: configuration.redirectUri,
    response_type: 'code',
    scope: configuration.scopes.staff,
    userStore: store,
    stateStore: store,
    // Renews with the refresh token shortly before the access token expires.
    automaticSilentRenew: true,
    // The ID token carries the claims the app shows; userinfo would be one more request per sign-in.
    loadUserInfo: false,
    // The refresh token is the long-lived one; revoking it ends the grant's renewals. The server
    // revokes JWT access tokens only for confidential clients, so the access token (short-lived)
    // is forgotten here rather than sent.
    revokeTokenTypes: ['refresh_token'],
    // Discovery is read once per page load; the server's signing keys are not needed in the browser.
    monitorSession: false,
  });
}

/**
 * Sends the browser to the authorization server. `prompt=login` asks for the password every time,
 * even while the server still remembers an earlier sign-in in this browser (shared workstations);
 * `consent` keeps `offline_access` (OIDC Core §11), which the refresh token needs.
 */
export async function startSignIn(
  manager: UserManager,
  configuration: WebClientConfiguration,
  state: SignInState,
  options: { isReauthenticating: boolean } = { isReauthenticating: true },
): Promise<void> {
  await manager.signinRedirect({
    scope: state.kind === 'patient' ? configuration.scopes.patient : configuration.scopes.staff,
    prompt: options.isReauthenticating ? 'login consent' : 'consent',
    state,
  });
}

function isSignInState(value: unknown): value is SignInState {
  const candidate = value as Partial<SignInState> | null;
  return (
    typeof candidate === 'object' && candidate !== null && (candidate.kind === 'staff' || candidate.kind === 'patient')
  );
}

/** The state a sign-in carried, when it is one this app started. */
export function signInStateOf(user: User): SignInState | undefined {
  return isSignInState(user.state) ? user.state : undefined;
}

/** Revokes the refresh token at the server (so a copied one is useless) and forgets the tokens here. */
export async function endSignIn(manager: UserManager): Promise<void> {
  try {
    await manager.revokeTokens();
  } finally {
    await manager.removeUser();
  }
}
