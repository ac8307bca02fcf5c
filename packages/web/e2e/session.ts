// A signed-out browser page on a freshly started server, and the steps the e2e tests of the
// signed-in app share: reading the API, signing in as a demo user of each role, opening a patient.
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser.ts';
import { E2E_ADMIN_PASSWORD, requireWebBuild, startServer, type RunningServer, type ServerOptions } from './server.ts';

export type BrowserSession = {
  server: RunningServer;
  page: Page;
  /** How long the server took to become ready, in milliseconds. */
  serverStartMs: number;
  close: () => Promise<void>;
};

/** Starts the server on the web build, launches Chromium and opens one page of a desktop size. */
export async function startBrowserSession(options: ServerOptions): Promise<BrowserSession> {
  const started = Date.now();
  const server = await startServer(requireWebBuild(), options);
  const serverStartMs = Date.now() - started;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await server.stop();
  };
  try {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    return { server, page, serverStartMs, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** GETs JSON from the API as the server's system client, failing unless the answer is 200. */
export async function getApiJson<T>(server: RunningServer, pathAndQuery: string): Promise<T> {
  const response = await fetch(`${server.baseUrl}${pathAndQuery}`, {
    headers: { Authorization: `Bearer ${await server.systemToken()}` },
  });
  assert.equal(response.status, 200, `GET ${pathAndQuery}`);
  return (await response.json()) as T;
}

/** The API request headers of the server's system client, for writes the tests make behind the pages' backs. */
export async function systemHeaders(server: RunningServer, contentType?: string): Promise<Record<string, string>> {
  return {
    Authorization: `Bearer ${await server.systemToken()}`,
    ...(contentType === undefined ? {} : { 'Content-Type': contentType }),
  };
}

/** The roles the demo tenant has a sign-in for. */
export type DemoRole = 'admin' | 'clinician' | 'nurse' | 'staff' | 'patient';

/** The demo sign-ins (README, "Users and sign-in"); the administrator's password is the e2e server's. */
export const DEMO_SIGN_INS: Readonly<Record<DemoRole, { email: string; password: string }>> = {
  admin: { email: 'admin@demo.caregraph.local', password: E2E_ADMIN_PASSWORD },
  clinician: { email: 'clinician@demo.caregraph.local', password: 'caregraph-demo-clinician' },
  nurse: { email: 'nurse@demo.caregraph.local', password: 'caregraph-demo-nurse' },
  staff: { email: 'frontdesk@demo.caregraph.local', password: 'caregraph-demo-frontdesk' },
  patient: { email: 'patient@demo.caregraph.local', password: 'caregraph-demo-patient' },
};

/**
 * Enters e-mail and password on the server's sign-in page, allows access on the consent page when
 * it asks, and waits until the browser is back in the app with a session.
 */
export async function completeServerSignIn(
  page: Page,
  credentials: { email: string; password: string },
): Promise<void> {
  await page.getByLabel('E-mail address').waitFor({ timeout: 30_000 });
  await page.getByLabel('E-mail address').fill(credentials.email);
  await page.getByLabel('Password').fill(credentials.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const allow = page.getByRole('button', { name: 'Allow' });
  const backInApp = () => !/\/oauth\/|\/sign-in/.test(new URL(page.url()).pathname);
  // A first-party sign-in may skip consent; a patient signing in through the staff button is asked once more.
  const deadline = Date.now() + 60_000;
  while (!backInApp()) {
    if (Date.now() > deadline) {
      throw new Error(`signing in as ${credentials.email} did not return to the app: ${page.url()}`);
    }
    if (await allow.isVisible().catch(() => false)) {
      await allow.click();
      await page.waitForLoadState('domcontentloaded').catch(() => {});
      continue;
    }
    const refusal = page.getByRole('alert').first();
    if (/\/oauth\//.test(page.url()) && (await refusal.isVisible().catch(() => false))) {
      throw new Error(`signing in as ${credentials.email} failed: ${await refusal.innerText()}`);
    }
    await page.waitForTimeout(100);
  }
  await page.locator('#main').waitFor();
}

/**
 * Signs in through the real sign-in flow as the demo user of a role: the app's sign-in page, the
 * authorization server's password and consent pages, back to the app (OIDC code + PKCE).
 * `path` is the page to open (default: the role's start page); the promise resolves there.
 * @example
 * await signIn(page, 'clinician', { baseUrl: server.baseUrl, path: '/patients' });
 */
export async function signIn(page: Page, role: DemoRole, options: { baseUrl: string; path?: string }): Promise<void> {
  const target = options.path ?? '/';
  const startPath = target === '/' ? '/sign-in' : `/sign-in?returnTo=${encodeURIComponent(target)}`;
  await page.goto(`${options.baseUrl}${startPath}`);
  const kind = role === 'patient' ? /my health record/i : /^(Sign in|Staff sign-in)$/;
  await page.getByRole('button', { name: kind }).first().click();
  await completeServerSignIn(page, DEMO_SIGN_INS[role]);
  if (target !== '/') {
    await page.waitForURL((url) => `${url.pathname}${url.search}` === target, { timeout: 30_000 });
  }
}

/**
 * The access token of the user signed in on the page, from the web app's session storage: for API
 * calls only a signed-in user may make (the administrator's, which the system client cannot).
 */
export async function accessTokenOf(page: Page): Promise<string> {
  const token = await page.evaluate<string | undefined>(`(() => {
    for (let index = 0; index < sessionStorage.length; index++) {
      const key = sessionStorage.key(index);
      if (key && key.startsWith('oidc.user:')) {
        return JSON.parse(sessionStorage.getItem(key) ?? '{}').access_token;
      }
    }
    return undefined;
  })()`);
  assert.ok(token, 'no signed-in user on the page');
  return token;
}

/** Signs out with the top bar's button and waits for the sign-in page. */
export async function signOut(page: Page): Promise<void> {
  const menu = page.getByRole('button', { name: 'Menu' });
  if (await menu.isVisible()) {
    await menu.click();
  }
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/sign-in\?signedOut/);
}

/**
 * Finds the one patient whose name matches in the patient list, follows the name and waits for
 * `address`; returns the patient's id from the new address.
 */
export async function openPatientFromList(page: Page, name: string, address: RegExp): Promise<string> {
  await page.getByLabel(/Search by name/).fill(name);
  await page.waitForFunction("document.querySelectorAll('tbody tr').length === 1");
  await page.getByRole('link', { name: new RegExp(name) }).click();
  await page.waitForURL(address);
  const id = new URL(page.url()).pathname.split('/')[2];
  assert.ok(id, `no patient id in ${page.url()}`);
  return decodeURIComponent(id);
}

/** Opens an address of an unknown patient and checks the page says so instead of showing nothing. */
export async function expectPatientNotFound(page: Page, url: string): Promise<void> {
  await page.goto(url);
  const alert = page.getByRole('alert').first();
  await alert.waitFor();
  assert.match(await alert.innerText(), /not found/i);
}
