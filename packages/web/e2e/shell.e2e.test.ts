// Browser test of the app's shell against the real server with the demo patients: theme, keyboard
// shortcuts, the global patient search, the phone layout and the platform health screen. Needs a
// web build (`npm run build -w @caregraph/web`) and Chromium at /usr/bin/chromium.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { findAccessibilityViolations } from './browser.ts';
import type { RunningServer } from './server.ts';
import { signIn as signInAs, startBrowserSession, systemHeaders, type BrowserSession } from './session.ts';

/** The current set of screenshots for the docs; the test run's own copies go to a temporary folder. */
const DOCS_SCREENSHOTS = path.resolve(import.meta.dirname, '../../../docs/screenshots');

const DARK_BACKGROUND = 'rgb(14, 19, 24)';
const LIGHT_BACKGROUND = 'rgb(244, 246, 248)';

describe('app shell', () => {
  let session: BrowserSession | undefined;
  let server: RunningServer;
  let page: Page;
  let browser: Browser;
  const screenshotDir = mkdtempSync(path.join(tmpdir(), 'caregraph-web-shell-'));
  mkdirSync(DOCS_SCREENSHOTS, { recursive: true });

  const screenshot = async (target: Page, name: string, fullPage = false) => {
    await target.screenshot({ path: path.join(screenshotDir, name), fullPage });
    await target.screenshot({ path: path.join(DOCS_SCREENSHOTS, name), fullPage });
  };
  const background = (target: Page) => target.evaluate<string>('getComputedStyle(document.body).backgroundColor');
  const expectNoViolations = async (target: Page, where: string) => {
    assert.deepEqual(await findAccessibilityViolations(target), [], where);
  };
  /** Moves focus off any field, so the next key is a shortcut and not typing. */
  const blur = (target: Page) =>
    target.evaluate('document.activeElement instanceof HTMLElement && document.activeElement.blur()');

  const signIn = async (target: Page) => {
    await signInAs(target, 'clinician', { baseUrl: server.baseUrl, path: '/patients' });
    await target.getByTestId('patient-table').waitFor();
  };

  before(async () => {
    session = await startBrowserSession({ demoData: true });
    ({ server, page } = session);
    browser = page.context().browser()!;
    console.log(
      `# caregraph serve with demo data ready in ${session.serverStartMs} ms; screenshots in ${screenshotDir}`,
    );
  });

  after(() => session?.close());

  it('switches to dark and back, remembers the choice across a reload, and passes axe in both themes', async () => {
    await signIn(page);
    assert.equal(await background(page), LIGHT_BACKGROUND, 'light by default on a light system');

    await page.getByRole('radio', { name: 'Dark' }).check();
    assert.equal(await background(page), DARK_BACKGROUND);
    await page.reload();
    await page.getByTestId('patient-table').waitFor();
    assert.equal(await background(page), DARK_BACKGROUND, 'still dark after a reload');
    assert.equal(await page.getByRole('radio', { name: 'Dark' }).isChecked(), true);
    await expectNoViolations(page, 'patients, dark');
    await screenshot(page, 'patients-dark.png');

    await page.getByRole('radio', { name: 'Light' }).check();
    assert.equal(await background(page), LIGHT_BACKGROUND);
    await expectNoViolations(page, 'patients, light');
    await screenshot(page, 'patients-light.png');
    await page.getByRole('radio', { name: 'System' }).check();
    assert.equal(await page.evaluate<string | null>("localStorage.getItem('caregraph.theme')"), null);
  });

  it('opens the shortcut help with ? and closes it with Escape', async () => {
    await blur(page);
    await page.keyboard.press('?');
    const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await dialog.waitFor();
    const text = await dialog.innerText();
    for (const expected of ['Find a patient', 'Go to patients', 'Go to the home page', 'Show keyboard shortcuts']) {
      assert.ok(text.includes(expected), `the help lists "${expected}"`);
    }
    assert.match(text, /g\s+then\s+p/);
    await expectNoViolations(page, 'shortcut help');
    await screenshot(page, 'shortcut-help.png');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('focuses the patient search with /, suggests as you type, and opens the chart with Enter', async () => {
    await blur(page);
    const search = page.getByRole('combobox', { name: /Find a patient/ });
    const isSearchFocused = `document.activeElement?.getAttribute('placeholder') === 'Find a patient…'`;
    // A key pressed while the page is still settling after the previous test (a closing dialog,
    // a busy machine) can land before the listener sees it; press again until the search has focus.
    for (let attempt = 0; attempt < 3; attempt++) {
      await page.keyboard.press('/');
      if (
        await page.waitForFunction(isSearchFocused, undefined, { timeout: 2_000 }).then(
          () => true,
          () => false,
        )
      ) {
        break;
      }
    }
    assert.equal(await page.evaluate<boolean>(isSearchFocused), true, '/ focuses the patient search');
    await page.keyboard.type('Graham');
    const option = page.getByRole('option').first();
    await option.waitFor();
    assert.match(await option.innerText(), /Graham/);
    assert.equal(await search.getAttribute('aria-activedescendant'), await option.getAttribute('id'));
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/patients\/[^/]+$/);
    await page.getByRole('heading', { level: 1, name: /Graham/ }).waitFor();
  });

  it('switches chart sections with number and bracket keys and goes to patients with g p', async () => {
    await blur(page);
    /** Presses a key and waits until the chart shows the section, its tab marked current. */
    const currentSection = `document.querySelector('nav[aria-label="Chart sections"] [aria-current="page"]')?.textContent ?? null`;
    const pressFor = async (key: string, section: string) => {
      const before = await page.evaluate<string | null>(currentSection);
      // A key pressed while the chart is still settling can be missed; press again only while the
      // section has not moved at all, so a bracket key never skips a section.
      for (let attempt = 0; attempt < 3; attempt++) {
        await blur(page);
        await page.keyboard.press(key);
        const reached = await page
          .waitForFunction(`(${currentSection}) === ${JSON.stringify(section)}`, undefined, { timeout: 3_000 })
          .then(
            () => true,
            () => false,
          );
        if (reached || (await page.evaluate<string | null>(currentSection)) !== before) {
          break;
        }
      }
      assert.equal(await page.evaluate<string | null>(currentSection), section);
    };
    await pressFor('5', 'Vitals');
    assert.match(page.url(), /\/vitals$/);
    await pressFor(']', 'Labs');
    assert.match(page.url(), /\/labs$/);
    await pressFor('[', 'Vitals');
    await pressFor('1', 'Summary');
    await pressFor('[', 'Journey');
    await pressFor('[', 'Documents');
    await pressFor('5', 'Vitals');
    // A key typed into a field is text, not a shortcut.
    await page.getByRole('combobox', { name: /Find a patient/ }).focus();
    await page.keyboard.press('1');
    assert.match(page.url(), /\/vitals$/);
    await blur(page);
    await page.keyboard.press('g');
    await page.keyboard.press('p');
    await page.waitForURL(/\/patients$/);
  });

  it('virtualises a list of thousands of patients and pages through it as it scrolls', async (t) => {
    // 1. The FHIR search for "Virtualrow" answers from a generated list of 3,000 patients, in
    //    pages of the size asked for with `next` links, as the server pages (writing that many
    //    patients through the API would take minutes on this machine).
    const count = 3000;
    let pagesServed = 0;
    await page.route(/\/fhir\/R4\/Patient\?.*name=Virtualrow/, async (route) => {
      const url = new URL(route.request().url());
      const size = Number(url.searchParams.get('_count') ?? 50);
      const offset = Number(url.searchParams.get('_offset') ?? 0);
      const ids = Array.from({ length: Math.max(0, Math.min(size, count - offset)) }, (_, index) => offset + index);
      const next = new URL(url);
      next.searchParams.set('_offset', String(offset + size));
      pagesServed += 1;
      await route.fulfill({
        contentType: 'application/fhir+json',
        body: JSON.stringify({
          resourceType: 'Bundle',
          type: 'searchset',
          total: count,
          link: offset + size < count ? [{ relation: 'next', url: next.toString() }] : [],
          entry: ids.map((id) => ({
            resource: {
              resourceType: 'Patient',
              id: `virtual-${id}`,
              name: [{ family: 'Virtualrow', given: [`Row${String(id).padStart(4, '0')}`] }],
              birthDate: '1990-01-01',
            },
            search: { mode: 'match' },
          })),
        }),
      });
    });

    // 2. The list knows the full size but draws only the rows near the viewport.
    await page.goto(`${server.baseUrl}/patients?q=Virtualrow`);
    const table = page.getByTestId('patient-table');
    await table.waitFor();
    assert.equal(await table.getAttribute('aria-rowcount'), String(count + 1));
    const drawnRows = () => table.locator('tbody tr[data-index]').count();
    assert.ok((await drawnRows()) < 60, `rows drawn at first: ${await drawnRows()}`);

    // 3. Scrolling to the end fetches the next pages by itself until every row is loaded.
    const started = Date.now();
    await page.waitForFunction(
      `(() => { window.scrollTo(0, document.documentElement.scrollHeight); return /^${count} patients$/.test(document.querySelector('caption')?.textContent ?? ''); })()`,
      undefined,
      { timeout: 60_000, polling: 100 },
    );
    t.diagnostic(`scrolled through ${count} patients (${pagesServed} pages) in ${Date.now() - started} ms`);
    const lastRow = table.locator(`tbody tr[aria-rowindex="${count + 1}"]`);
    await lastRow.waitFor();
    assert.match(await lastRow.innerText(), new RegExp(`Row${count - 1} Virtualrow`));
    assert.ok((await drawnRows()) < 60, `rows drawn at the end: ${await drawnRows()}`);
    await expectNoViolations(page, 'virtualised patient list');
    await page.unroute(/\/fhir\/R4\/Patient\?.*name=Virtualrow/);
  });

  it('fits a 375 px phone: the menu opens the navigation and nothing scrolls sideways', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, colorScheme: 'dark' });
    const phone = await context.newPage();
    try {
      await signIn(phone);
      // No stored choice: the page follows the system's dark setting.
      assert.equal(await background(phone), DARK_BACKGROUND);
      const overflow = 'document.documentElement.scrollWidth - document.documentElement.clientWidth';
      assert.equal(await phone.evaluate<number>(overflow), 0, 'patients: no horizontal scrolling');
      const patientsLink = phone.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Patients' });
      assert.equal(await patientsLink.isVisible(), false, 'the navigation is folded');
      const menu = phone.getByRole('button', { name: 'Menu' });
      await menu.click();
      assert.equal(await menu.getAttribute('aria-expanded'), 'true');
      await patientsLink.waitFor();
      await expectNoViolations(phone, 'phone, menu open');
      await screenshot(phone, 'patients-phone-dark.png', true);
      await menu.click();

      await phone.getByTestId('patient-table').getByRole('link').first().click();
      await phone.waitForURL(/\/patients\/[^/]+$/);
      await phone.getByTestId('latest-blood-pressure').first().waitFor();
      assert.equal(await phone.evaluate<number>(overflow), 0, 'chart: no horizontal scrolling');
      await phone.getByRole('navigation', { name: 'Chart sections' }).getByRole('link', { name: 'Encounters' }).click();
      await phone.getByTestId('encounters-table').waitFor();
      assert.equal(await phone.evaluate<number>(overflow), 0, 'encounters: the table scrolls inside its card');
      await screenshot(phone, 'chart-phone-dark.png');
      await phone.getByRole('navigation', { name: 'Chart sections' }).getByRole('link', { name: 'Journey' }).click();
      await phone.getByTestId('journey-graph').waitFor({ timeout: 30_000 });
      assert.equal(await phone.evaluate<number>(overflow), 0, 'journey: no horizontal scrolling');
    } finally {
      await context.close();
    }
  });

  it('charts request rate, latency, errors and database size from /metrics, in both themes', async () => {
    // Platform health is the administrator's: a second browser context signs in as one.
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const admin = await context.newPage();
    try {
      await signInAs(admin, 'admin', { baseUrl: server.baseUrl, path: '/admin/health' });
      await admin.getByRole('heading', { level: 1, name: 'Platform health' }).waitFor();
      // Traffic between two scrapes: searches, and reads of a patient that does not exist (404s).
      const headers = await systemHeaders(server);
      for (let index = 0; index < 20; index += 1) {
        const url = index % 4 === 0 ? '/fhir/R4/Patient/no-such-patient' : `/fhir/R4/Patient?_count=5&name=a${index}`;
        await fetch(`${server.baseUrl}${url}`, { headers });
      }
      const requestRate = admin.getByTestId('health-requests-0');
      await admin.waitForFunction(
        `/^[1-9]|^0\\.(0[1-9]|[1-9])/.test(document.querySelector('[data-testid="health-requests-0"]')?.textContent ?? '')`,
        undefined,
        { timeout: 20_000 },
      );
      assert.match(await requestRate.innerText(), /^\d+(\.\d+)?\/s$/);
      assert.match(await admin.getByTestId('health-latency-1').innerText(), /^\d+(\.\d+)? (ms|s)$/);
      assert.match(await admin.getByTestId('health-db-0').innerText(), /^\d+(\.\d+)? (KB|MB|GB)$/);
      assert.ok(
        (await admin.locator('[data-testid="health-requests"] path').count()) >= 1,
        'the request line is drawn',
      );
      await expectNoViolations(admin, 'health, light');
      await screenshot(admin, 'platform-health-light.png', true);

      await admin.getByRole('radio', { name: 'Dark' }).check();
      await expectNoViolations(admin, 'health, dark');
      await screenshot(admin, 'platform-health-dark.png', true);
      await admin.getByRole('radio', { name: 'System' }).check();
    } finally {
      await context.close();
    }
  });
});
