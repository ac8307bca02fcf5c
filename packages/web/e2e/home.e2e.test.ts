// Browser test of the home page against the real server. Needs a web build (`npm run build -w @caregraph/web`)
// and Chromium at /usr/bin/chromium.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { findAccessibilityViolations, launchChromium } from './browser.ts';
import { requireWebBuild, startServer, type RunningServer } from './server.ts';

/** The text of a status fact (its badge or main value), found by its label. */
async function factValue(page: Page, label: string): Promise<string | null> {
  const fact = page.locator('.fact').filter({ has: page.locator('dt', { hasText: label }) });
  return fact.locator('.badge, .fact__value').first().textContent();
}

/** Waits until the status panel has loaded, failing with the page's error message when it shows one. */
async function waitForStatus(page: Page): Promise<void> {
  await page.locator('.facts, [role="alert"]').first().waitFor({ timeout: 20_000 });
  const alert = page.getByRole('alert');
  if (await alert.isVisible()) {
    assert.fail(`the status panel shows an error: ${await alert.innerText()}`);
  }
}

describe('home page', () => {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  const screenshotDir = mkdtempSync(path.join(tmpdir(), 'caregraph-web-screenshots-'));

  before(async () => {
    server = await startServer(requireWebBuild());
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows readiness, database mode and the FHIR capabilities the server reports', async (t) => {
    const metadata = (await (await fetch(`${server!.baseUrl}/fhir/R4/metadata`)).json()) as {
      rest: { resource: unknown[] }[];
    };
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server!.baseUrl}/`);
    assert.equal(await page.title(), 'CareGraph');
    assert.ok(await page.getByRole('heading', { level: 1, name: 'CareGraph' }).isVisible());
    await waitForStatus(page);

    assert.equal(await factValue(page, 'Readiness'), 'ready');
    assert.equal(await factValue(page, 'Database'), 'embedded');
    assert.equal(await factValue(page, 'FHIR version'), '4.0.1');
    assert.equal(await factValue(page, 'Resource types'), String(metadata.rest[0]!.resource.length));
    assert.equal(await page.getByTestId('fhir-base-url').textContent(), `${server!.baseUrl}/fhir/R4`);
    for (const name of ['Server status', 'Connect']) {
      assert.ok(await page.getByRole('region', { name }).isVisible(), `region "${name}" is visible`);
    }
    assert.deepEqual(await findAccessibilityViolations(page), []);

    const screenshot = path.join(screenshotDir, 'home-desktop-light.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    t.diagnostic(`screenshot: ${screenshot}`);
    await page.close();
  });

  it('fits a phone screen in dark mode', async (t) => {
    const context = await browser!.newContext({ viewport: { width: 375, height: 812 }, colorScheme: 'dark' });
    const page = await context.newPage();
    await page.goto(`${server!.baseUrl}/`);
    await waitForStatus(page);
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    assert.equal(overflow, 0, 'no horizontal scrolling');

    const screenshot = path.join(screenshotDir, 'home-phone-dark.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    t.diagnostic(`screenshot: ${screenshot}`);
    await context.close();
  });

  it('explains when the server cannot be reached', async (t) => {
    const page = await browser!.newPage();
    await page.route('**/readyz', (route) => route.abort('connectionrefused'));
    await page.goto(`${server!.baseUrl}/`);
    const alert = page.getByRole('alert');
    await alert.waitFor({ timeout: 20_000 });
    assert.match(await alert.innerText(), /Cannot reach the CareGraph server/);
    assert.ok(await page.getByRole('button', { name: 'Try again' }).isVisible());

    const screenshot = path.join(screenshotDir, 'home-unreachable.png');
    await page.screenshot({ path: screenshot });
    t.diagnostic(`screenshot: ${screenshot}`);
    await page.close();
  });
});
