// The running authorization server: the provider for the current signing keys, and the public
// key set tokens are verified against. Rotation swaps both; requests in flight finish on the old.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { createLocalJWKSet, type JWTVerifyGetKey } from 'jose';
import type Provider from 'oidc-provider';
import type { Database } from '../../platform/db/index.ts';
import { createProvider } from './provider.ts';
import type { OAuthSettings } from './settings.ts';
import { loadCookieKeys, loadSigningKeys, publicJwkOf, rotateSigningKey, type SigningJwk } from './signing-keys.ts';

export type OAuthRuntime = {
  readonly settings: OAuthSettings;
  readonly provider: Provider;
  /** The provider as a Node request listener. */
  readonly handle: (request: IncomingMessage, response: ServerResponse) => Promise<void>;
  /** The published keys, for verifying tokens. */
  readonly keySet: JWTVerifyGetKey;
  /** The key id new tokens are signed with. */
  readonly signingKid: string;
  /** Reads the keys again (another node may have rotated them) and rebuilds the provider. */
  reload: () => Promise<void>;
  /** Makes a new signing key, keeps the old one published while its tokens live, rebuilds the provider. */
  rotate: () => Promise<string>;
  /** Calls `listener` with the provider now and with each one built after a rotation (to attach event listeners). */
  onProvider: (listener: (provider: Provider) => void) => void;
};

type State = { provider: Provider; handle: OAuthRuntime['handle']; keySet: JWTVerifyGetKey; signingKid: string };

export async function createOAuthRuntime(
  db: Database,
  settings: OAuthSettings,
  now: () => Date,
): Promise<OAuthRuntime> {
  const cookieKeys = await loadCookieKeys(db);
  // A retired key must verify every token it signed: the longest-lived ones are access tokens.
  const retainSeconds = settings.accessTokenTtlSeconds + 60;
  const listeners: Array<(provider: Provider) => void> = [];
  const build = (keys: SigningJwk[]): State => {
    const provider = createProvider({ db, settings, keys, cookieKeys });
    for (const listener of listeners) {
      listener(provider);
    }
    const signing = keys[0];
    if (!signing) {
      throw new Error('no signing key');
    }
    return {
      provider,
      handle: provider.callback(),
      keySet: createLocalJWKSet({ keys: keys.map(publicJwkOf) }),
      signingKid: signing.kid,
    };
  };
  let state = build(await loadSigningKeys(db, { now: now(), retainSeconds }));
  return {
    settings,
    get provider() {
      return state.provider;
    },
    get handle() {
      return state.handle;
    },
    get keySet() {
      return state.keySet;
    },
    get signingKid() {
      return state.signingKid;
    },
    async reload() {
      state = build(await loadSigningKeys(db, { now: now(), retainSeconds }));
    },
    async rotate() {
      await rotateSigningKey(db, now());
      state = build(await loadSigningKeys(db, { now: now(), retainSeconds }));
      return state.signingKid;
    },
    onProvider(listener) {
      listeners.push(listener);
      listener(state.provider);
    },
  };
}

/**
 * Makes a request look addressed to the issuer before the provider reads it: the provider builds
 * every URL it publishes, and decides whether cookies are secure, from the request's origin, which
 * must be the configured base URL (a proxy in front may use another host). The client address is
 * the one Fastify determined.
 */
export function addressToIssuer(runtime: Pick<OAuthRuntime, 'settings'>, request: FastifyRequest): void {
  const issuer = new URL(runtime.settings.issuer);
  Object.assign(request.raw.headers, {
    'x-forwarded-host': issuer.host,
    'x-forwarded-proto': issuer.protocol.replace(':', ''),
    'x-forwarded-for': request.ip,
  });
}
