// Helpers for single sign-on tests: app instances listening on loopback addresses, and a
// browser made of fetch and a cookie jar that follows redirects between them.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createTestApp, type TestApp } from '../../../test/create-test-app.ts';

/** A port free on `host` right now (the instance's issuer must name it before the app is built). */
export async function findFreePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A whole server listening on `host`, its issuer (and base URL) the address it is reached at. */
export async function startListeningApp(
  host: string,
  overrides: Record<string, string> = {},
): Promise<TestApp & { baseUrl: string }> {
  const port = await findFreePort(host);
  const baseUrl = `http://${host}:${port}`;
  const testApp = await createTestApp({ CAREGRAPH_BASE_URL: baseUrl, ...overrides });
  await testApp.app.listen({ host, port });
  return { ...testApp, baseUrl };
}

type StoredCookie = { name: string; value: string; path: string };

/**
 * A browser's cookies: per host name (not port, as browsers do, RFC 6265 §8.5), sent to the paths
 * they were set for. The two instances run on different loopback addresses so theirs stay apart.
 */
class CookieJar {
  private readonly hosts = new Map<string, Map<string, StoredCookie>>();

  store(url: URL, response: Response): void {
    const cookies = this.hosts.get(url.hostname) ?? new Map<string, StoredCookie>();
    this.hosts.set(url.hostname, cookies);
    for (const header of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';').map((part) => part.trim());
      const split = pair.indexOf('=');
      const name = pair.slice(0, split);
      const value = pair.slice(split + 1);
      const attribute = (key: string) =>
        attributes.find((part) => part.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
      const path = attribute('path') ?? '/';
      const expires = attribute('expires');
      const isExpired = attribute('max-age') === '0' || (expires !== undefined && new Date(expires) <= new Date());
      const key = `${name};${path}`;
      if (isExpired) {
        cookies.delete(key);
      } else {
        cookies.set(key, { name, value, path });
      }
    }
  }

  header(url: URL): string {
    const cookies = [...(this.hosts.get(url.hostname)?.values() ?? [])];
    return cookies
      .filter((cookie) => url.pathname === cookie.path || url.pathname.startsWith(cookie.path.replace(/\/?$/, '/')))
      .map((cookie) => `${cookie.name}=${cookie.value}`)
      .join('; ');
  }
}

/** Where a browser stopped: a page (status, URL, HTML), or (status 0) an address it was told to stop at. */
export type Stop = { status: number; url: URL; body: string };

/** Follows redirects like a browser, across hosts, until a page or an address `isStop` picks. */
export class TestBrowser {
  private readonly jar = new CookieJar();
  /** Where to stop instead of loading: the app's redirect URI, or a step a test wants to hold. */
  isStop: (url: URL) => boolean;
  /** Every address loaded, in order. */
  readonly visited: URL[] = [];

  constructor(isStop: (url: URL) => boolean) {
    this.isStop = isStop;
  }

  async get(url: string | URL): Promise<Stop> {
    return this.follow(new URL(url), { method: 'GET' });
  }

  /** Submits a form (`application/x-www-form-urlencoded`), then follows where it leads. */
  async post(url: string | URL, form: Record<string, string>): Promise<Stop> {
    return this.follow(new URL(url), {
      method: 'POST',
      body: new URLSearchParams(form).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  }

  private async follow(start: URL, init: { method: string; body?: string; headers?: Record<string, string> }) {
    let url = start;
    let request = init;
    for (let hops = 0; hops < 20; hops += 1) {
      if (this.isStop(url)) {
        return { status: 0, url, body: '' };
      }
      this.visited.push(url);
      const response = await fetch(url, {
        ...request,
        redirect: 'manual',
        headers: { ...request.headers, cookie: this.jar.header(url) },
      });
      this.jar.store(url, response);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || location === null) {
        return { status: response.status, url, body: await response.text() };
      }
      await response.body?.cancel();
      url = new URL(location, url);
      request = { method: 'GET' };
    }
    throw new Error(`too many redirects from ${start.href}`);
  }
}

/** The `action` of the form on a page that holds `marker` (a button label or field name). */
export function formAction(page: Stop, marker: string): URL {
  const forms = page.body.split('<form').slice(1);
  const form = forms.find((html) => html.includes(marker));
  const action = form && /action="([^"]+)"/.exec(form)?.[1];
  if (!action) {
    throw new Error(`no form with "${marker}" on ${page.url.href} (${page.status}): ${page.body.slice(0, 400)}`);
  }
  return new URL(action.replace(/&amp;/g, '&'), page.url);
}
