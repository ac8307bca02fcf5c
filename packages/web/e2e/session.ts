// A signed-out browser page on a freshly started server, and the steps the e2e tests of the
// signed-in app share: reading the API, signing in, opening a patient.
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser.ts';
import { requireWebBuild, startServer, type RunningServer, type ServerOptions } from './server.ts';

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

/** GETs JSON from the API with the tenant's key, failing unless the answer is 200. */
export async function getApiJson<T>(server: RunningServer, pathAndQuery: string): Promise<T> {
  const response = await fetch(`${server.baseUrl}${pathAndQuery}`, {
    headers: { Authorization: `Bearer ${server.apiKey}` },
  });
  assert.equal(response.status, 200, `GET ${pathAndQuery}`);
  return (await response.json()) as T;
}

/** Types an API key into the sign-in page and sends it. */
export async function submitApiKey(page: Page, apiKey: string): Promise<void> {
  await page.getByLabel('API key').fill(apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
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
