// Browser test of signing in as each role of the demo tenant through the real OpenID Connect flow
// (the app's sign-in page, the server's password and consent pages, code + PKCE), the navigation
// each role sees, the "no access" state of a page not meant for the role, and signing out. Needs a
// web build (`npm run build -w @caregraph/web`) and Chromium at /usr/bin/chromium.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { findAccessibilityViolations } from './browser.ts';
import type { RunningServer } from './server.ts';
import {
  accessTokenOf,
  getApiJson,
  signIn,
  signOut,
  startBrowserSession,
  type BrowserSession,
  type DemoRole,
} from './session.ts';

/** The current set of screenshots for the docs; the test run's own copies go to a temporary folder. */
const DOCS_SCREENSHOTS = path.resolve(import.meta.dirname, '../../../docs/screenshots');

const EXPECTED: ReadonlyArray<{ role: DemoRole; home: RegExp; navigation: string[]; forbidden: string }> = [
  { role: 'clinician', home: /\/workspace$/, navigation: ['My workspace', 'Patients'], forbidden: '/admin/health' },
  { role: 'nurse', home: /\/workspace$/, navigation: ['My workspace', 'Patients'], forbidden: '/admin/reviews' },
  { role: 'staff', home: /\/workspace$/, navigation: ['Schedule', 'Patients'], forbidden: '/admin/health' },
  { role: 'admin', home: /\/admin/, navigation: ['Admin'], forbidden: '/patients' },
  { role: 'patient', home: /\/portal/, navigation: ['My health record'], forbidden: '/patients' },
];

describe('sign-in and navigation by role', () => {
  let session: BrowserSession | undefined;
  let server: RunningServer;
  let browser: Browser;
  const screenshotDir = mkdtempSync(path.join(tmpdir(), 'caregraph-web-roles-'));
  mkdirSync(DOCS_SCREENSHOTS, { recursive: true });
  const screenshot = async (page: Page, name: string) => {
    await page.screenshot({ path: path.join(screenshotDir, name), fullPage: true });
    await page.screenshot({ path: path.join(DOCS_SCREENSHOTS, name), fullPage: true });
  };
  /** Waits until no panel of the page is still loading. */
  const settled = (page: Page) =>
    page.waitForFunction(
      `![...document.querySelectorAll('[role="status"]')].some((node) => /Loading/.test(node.textContent ?? ''))`,
      undefined,
      { timeout: 30_000 },
    );

  before(async () => {
    session = await startBrowserSession({ demoData: true });
    ({ server } = session);
    browser = session.page.context().browser()!;
    console.log(`# server ready in ${session.serverStartMs} ms; screenshots in ${screenshotDir}`);
  });

  after(() => session?.close());

  for (const expected of EXPECTED) {
    it(`signs ${expected.role} in, shows their navigation, refuses a page not for them, and signs out`, async () => {
      const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
      const page = await context.newPage();
      try {
        // 1. Sign in through the authorization server; the app lands on the role's start page.
        await signIn(page, expected.role, { baseUrl: server.baseUrl });
        await page.waitForURL(expected.home);
        // The URL changes before the shell has rendered the role's navigation; reading the links
        // then would find none.
        const navigation = page.getByRole('navigation', { name: 'Main' });
        await navigation.getByRole('link').first().waitFor();
        const links = await navigation.getByRole('link').allInnerTexts();
        assert.deepEqual(links, expected.navigation);
        await page.locator('main h1').first().waitFor();
        await settled(page);
        assert.deepEqual(await findAccessibilityViolations(page), [], `${expected.role}: start page`);
        await screenshot(page, `signed-in-${expected.role}.png`);

        // 2. The tokens stay out of cookies and the address bar.
        assert.equal(
          (await context.cookies(server.baseUrl)).some((cookie) => /token/i.test(cookie.value)),
          false,
        );
        assert.doesNotMatch(page.url(), /code=|token/);

        // 3. A page for another role says so instead of failing request by request.
        await page.goto(`${server.baseUrl}${expected.forbidden}`);
        const refusal = page.getByTestId('no-access');
        await refusal.waitFor();
        assert.match(await refusal.innerText(), /not available to your account/);
        assert.deepEqual(await findAccessibilityViolations(page), [], `${expected.role}: no-access page`);

        // 4. Signing out revokes the tokens and forgets them; protected pages ask to sign in again.
        await signOut(page);
        assert.equal(await page.evaluate<number>('sessionStorage.length'), 0);
        await page.goto(`${server.baseUrl}${expected.forbidden}`);
        await page.waitForURL(/\/sign-in\?returnTo=/);
      } finally {
        await context.close();
      }
    });
  }

  it('shows the clinician the FHIR data of their day: today’s appointments, their patients and alerts', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    try {
      await signIn(page, 'clinician', { baseUrl: server.baseUrl, path: '/workspace' });
      const token = JSON.parse(
        Buffer.from((await accessTokenOf(page)).split('.')[1] ?? '', 'base64url').toString('utf8'),
      ) as { fhirUser?: string };
      const practitioner = /Practitioner\/[^/]+$/.exec(token.fhirUser ?? '')?.[0];
      assert.ok(practitioner, 'the demo clinician is linked to a Practitioner');
      await settled(page);

      // 1. The schedule lists exactly the practitioner's appointments of today, as FHIR has them.
      const start = new Date();
      start.setHours(0, 0, 0, 0);
      const end = new Date(start);
      end.setDate(end.getDate() + 1);
      const today = await getApiJson<{ entry?: unknown[] }>(
        server,
        `/fhir/R4/Appointment?actor=${practitioner}&date=ge${start.toISOString()}&date=lt${end.toISOString()}&_count=100`,
      );
      const expectedCount = today.entry?.length ?? 0;
      const schedule = page.getByRole('region', { name: 'My schedule today' });
      if (expectedCount === 0) {
        assert.match(await schedule.innerText(), /No appointments today/);
      } else {
        assert.equal(await schedule.getByTestId('schedule-list').locator('li').count(), expectedCount);
      }

      // 2. My patients and alerts show a list or say they are empty; none shows an error.
      for (const name of ['My patients', 'Alerts']) {
        const region = page.getByRole('region', { name });
        await region.waitFor();
        assert.equal(await region.getByRole('alert').count(), 0, `${name} shows no error`);
        assert.ok((await region.locator('li').count()) > 0 || /^No /m.test(await region.innerText()), name);
      }
      assert.deepEqual(await findAccessibilityViolations(page), [], 'workspace');
      await screenshot(page, 'workspace-clinician.png');
    } finally {
      await context.close();
    }
  });

  it('renews an expired access token with the refresh token, which the server rotates', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const storedUser = `JSON.parse(sessionStorage.getItem(Object.keys(sessionStorage).find((key) => key.startsWith('oidc.user:'))))`;
    try {
      await signIn(page, 'nurse', { baseUrl: server.baseUrl, path: '/patients' });
      await page.getByTestId('patient-table').waitFor();
      const before = await page.evaluate<{ access_token: string; refresh_token: string }>(storedUser);
      assert.ok(before.refresh_token, 'offline_access gave a refresh token');

      // 1. The stored access token is made to look expired; a reload must renew it, not sign out.
      await page.evaluate(`(() => {
        const key = Object.keys(sessionStorage).find((name) => name.startsWith('oidc.user:'));
        const user = JSON.parse(sessionStorage.getItem(key));
        user.expires_at = Math.floor(Date.now() / 1000) - 10;
        sessionStorage.setItem(key, JSON.stringify(user));
      })()`);
      await page.reload();
      await page.getByTestId('patient-table').waitFor();
      assert.match(page.url(), /\/patients$/);
      const after = await page.evaluate<{ access_token: string; refresh_token: string }>(storedUser);
      assert.notEqual(after.access_token, before.access_token, 'a new access token');
      assert.notEqual(after.refresh_token, before.refresh_token, 'the refresh token was rotated');

      // 2. The rotated-out refresh token no longer works.
      const reused = await fetch(`${server.baseUrl}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: before.refresh_token,
          client_id: 'caregraph-web.demo',
        }).toString(),
      });
      assert.equal(reused.status, 400);
      assert.equal(((await reused.json()) as { error?: string }).error, 'invalid_grant');
    } finally {
      await context.close();
    }
  });

  it('shows the sign-in page with both ways in, accessibly', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    try {
      await page.goto(`${server.baseUrl}/sign-in`);
      await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
      assert.ok(await page.getByRole('button', { name: /my health record/ }).isVisible());
      assert.deepEqual(await findAccessibilityViolations(page), [], 'sign-in page');
      await screenshot(page, 'sign-in.png');
    } finally {
      await context.close();
    }
  });
});
