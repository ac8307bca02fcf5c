// Helpers for the authorization server's integration tests: form posts, a cookie jar, PKCE.
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { decodeJwt, decodeProtectedHeader } from 'jose';

export const ISSUER = 'http://caregraph.test';

export function basicAuth(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

/** POSTs an `application/x-www-form-urlencoded` body. */
export function postForm(
  app: FastifyInstance,
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams(form).toString(),
  });
}

/** Client credentials for a confidential client: the response and its parsed body. */
export async function requestClientToken(
  app: FastifyInstance,
  clientId: string,
  secret: string,
  form: Record<string, string> = {},
) {
  const response = await postForm(
    app,
    '/oauth/token',
    { grant_type: 'client_credentials', ...form },
    { authorization: basicAuth(clientId, secret) },
  );
  return { response, body: response.json<Record<string, unknown>>() };
}

export function tokenParts(token: string) {
  return { header: decodeProtectedHeader(token), claims: decodeJwt(token) };
}

/** A browser's cookies for one origin: enough to carry the provider's session and interaction cookies. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(response: LightMyRequestResponse): void {
    for (const cookie of response.cookies as { name: string; value: string; expires?: Date }[]) {
      if (cookie.expires && cookie.expires.getTime() <= Date.now()) {
        this.cookies.delete(cookie.name);
      } else {
        this.cookies.set(cookie.name, cookie.value);
      }
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/** A PKCE verifier and its S256 challenge (RFC 7636 §4.2). */
export function createPkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The path and query of a same-server redirect; an absolute URL elsewhere stays as is. */
export function locationOf(response: LightMyRequestResponse): string {
  const location = response.headers.location;
  if (typeof location !== 'string') {
    throw new Error(`expected a redirect, got ${response.statusCode}: ${response.body.slice(0, 300)}`);
  }
  return location.startsWith(ISSUER) ? location.slice(ISSUER.length) : location;
}
