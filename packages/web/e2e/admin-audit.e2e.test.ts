// Browser test of the admin console's audit explorer against the real server: filter the trail by
// patient, action, user and days, open an entry, and check that the page itself verifies the
// entry's RFC 9162 inclusion proof and the tree head's Ed25519 signature, and that it notices a
// tampered proof. Needs a web build (`npm run build -w @caregraph/web`) and Chromium at /usr/bin/chromium.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { findAccessibilityViolations } from './browser.ts';
import type { RunningServer } from './server.ts';
import { DEMO_SIGN_INS, signIn, startBrowserSession, systemHeaders, type BrowserSession } from './session.ts';

/** The current set of screenshots for the docs; the run's own copies go to a temporary folder. */
const DOCS_SCREENSHOTS = path.resolve(import.meta.dirname, '../../../docs/screenshots');

async function createPatient(server: RunningServer): Promise<string> {
  const response = await fetch(`${server.baseUrl}/fhir/R4/Patient`, {
    method: 'POST',
    headers: await systemHeaders(server, 'application/fhir+json'),
    body: JSON.stringify({
      resourceType: 'Patient',
      name: [{ given: ['Audra'], family: 'Lindqvist' }],
      gender: 'female',
      birthDate: '1971-02-14',
    }),
  });
  assert.equal(response.status, 201, `POST Patient: ${await response.clone().text()}`);
  return ((await response.json()) as { id: string }).id;
}

/** A UTC day `offset` days from today, as the date inputs take it. */
const utcDay = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/** Each verification step shown, with whether it passed: `[name, 'true' | 'false']`. */
async function stepsOf(page: Page): Promise<Array<[string | null, string | null]>> {
  const items = await page.getByTestId('proof-report').locator('[data-step]').all();
  return Promise.all(
    items.map(async (item): Promise<[string | null, string | null]> => [
      await item.getAttribute('data-step'),
      await item.getAttribute('data-valid'),
    ]),
  );
}

const rows = (page: Page) => page.getByTestId('audit-table').locator('tbody tr:not(.virtual-spacer)');

describe('admin console: audit explorer', () => {
  let session: BrowserSession | undefined;
  let server: RunningServer;
  let page: Page;
  let patientId: string;
  const screenshotDir = mkdtempSync(path.join(tmpdir(), 'caregraph-web-admin-audit-'));

  const expectNoViolations = async (where: string) => {
    assert.deepEqual(await findAccessibilityViolations(page), [], where);
  };
  const screenshot = async (name: string) => {
    mkdirSync(DOCS_SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(screenshotDir, name), fullPage: true });
    await page.screenshot({ path: path.join(DOCS_SCREENSHOTS, name), fullPage: true });
  };
  type SearchFields = {
    user?: string;
    patient?: string;
    action?: string;
    kind?: string;
    outcome?: string;
    from?: string;
    to?: string;
  };
  const search = async (fields: SearchFields) => {
    await page.getByLabel('User', { exact: true }).fill(fields.user ?? '');
    await page.getByLabel('Patient id').fill(fields.patient ?? '');
    await page.getByLabel('Action').selectOption(fields.action ?? '');
    await page.getByLabel('Kind').selectOption(fields.kind ?? '');
    await page.getByLabel('Outcome').selectOption(fields.outcome ?? '');
    await page.getByLabel('From').fill(fields.from ?? '');
    await page.getByLabel('To').fill(fields.to ?? '');
    await page.getByRole('button', { name: 'Search' }).click();
  };

  before(async () => {
    session = await startBrowserSession({});
    ({ server, page } = session);
    console.log(`# caregraph serve ready in ${session.serverStartMs} ms; screenshots in ${screenshotDir}`);
    // A patient written through the API: its create is an audit entry naming the patient.
    patientId = await createPatient(server);
    await signIn(page, 'admin', { baseUrl: server.baseUrl, path: '/admin/audit' });
  });

  after(() => session?.close());

  it('lists the trail newest first', async () => {
    await rows(page).first().waitFor();
    assert.ok((await rows(page).count()) > 1);
    const recorded = await page.getByTestId('audit-table').locator('tbody tr td:first-child').allInnerTexts();
    assert.ok(recorded.length > 1);
    await expectNoViolations('audit explorer');
  });

  it('filters by patient and action, and keeps the filter in the address', async () => {
    await search({ patient: patientId, action: 'C' });
    await page.waitForURL(
      (url) => url.searchParams.get('patient') === patientId && url.searchParams.get('action') === 'C',
    );
    await rows(page).first().waitFor();
    const texts = await rows(page).allInnerTexts();
    assert.equal(texts.length, 1, texts.join('\n'));
    assert.match(texts[0] ?? '', /Create[\s\S]*create[\s\S]*Patient\//);
    await screenshot('admin-audit.png');
  });

  it('filters by user (by e-mail address) and by days', async () => {
    await search({ user: DEMO_SIGN_INS.admin.email, from: utcDay(-1), to: utcDay(0) });
    await page.waitForURL((url) => url.searchParams.get('user') === DEMO_SIGN_INS.admin.email);
    // The previous filter's single row stays on screen until the new search starts; the administrator has more
    // than one entry (every search of the trail is one), so wait for those.
    await page.waitForFunction(
      "document.querySelector('[data-testid=audit-table]')?.getAttribute('aria-busy') === 'false' && " +
        "document.querySelectorAll('[data-testid=audit-table] td.audit-table__agent').length > 1",
    );
    // The administrator's own reads of the trail are recorded, and shown by e-mail address.
    const agents = await page.getByTestId('audit-table').locator('td.audit-table__agent').allInnerTexts();
    assert.ok(agents.length > 0);
    assert.deepEqual([...new Set(agents)], [DEMO_SIGN_INS.admin.email]);

    await search({ user: DEMO_SIGN_INS.admin.email, from: utcDay(2), to: utcDay(3) });
    await page.getByTestId('audit-empty').waitFor();
    await expectNoViolations('no matching entries');
  });

  it("filters sign-ins by kind and outcome: the administrator's own successful sign-in is there", async () => {
    await search({ user: DEMO_SIGN_INS.admin.email, kind: 'login', outcome: '0' });
    await page.waitForURL((url) => url.searchParams.get('kind') === 'login' && url.searchParams.get('outcome') === '0');
    await rows(page).first().waitFor();
    const texts = await rows(page).allInnerTexts();
    // Sign-in entries: the password step (`login`) and the tokens issued after it (`oauth.…`).
    assert.ok(
      texts.some((text) => /\tlogin\t/.test(text)),
      texts.join('\n'),
    );
    assert.ok(
      texts.every((text) => /\t(login|oauth\.[a-z.-]+)\t[\s\S]*Success/.test(text)),
      texts.join('\n'),
    );
  });

  it('checks the filter before searching and says what is wrong beside the field', async () => {
    await search({ from: utcDay(0), to: utcDay(-3) });
    await page.getByText('The last day is before the first day.').waitFor();
    assert.equal(await page.getByLabel('To').getAttribute('aria-invalid'), 'true');
    await page.waitForFunction("document.activeElement?.getAttribute('name') === 'to'");
    await expectNoViolations('filter with a problem');
  });

  it("verifies an entry's inclusion proof and the tree head signature in the page", async (t) => {
    await search({ patient: patientId, action: 'C' });
    await rows(page).first().waitFor();
    await rows(page).first().getByRole('link').click();
    await page.waitForURL(/\/admin\/audit\/[0-9a-f-]{36}\?/);
    const report = page.getByTestId('proof-report');
    await report.waitFor();
    assert.equal(await report.getAttribute('data-verified'), 'true');
    const steps = await stepsOf(page);
    assert.deepEqual(steps, [
      ['entry', 'true'],
      ['leaf-hash', 'true'],
      ['inclusion', 'true'],
      ['key', 'true'],
      ['signature', 'true'],
    ]);
    assert.match(await report.innerText(), /Verified in this browser/);
    // The entry shown is the proven text: it names the patient.
    assert.match(await page.getByTestId('audit-entry-facts').innerText(), new RegExp(patientId));
    t.diagnostic((await report.locator('[role="status"]').innerText()).trim());
    await expectNoViolations('entry and proof');
    await screenshot('admin-audit-proof.png');
    // The dark theme keeps the verdict and the step badges readable (axe checks contrast).
    await page.getByRole('radio', { name: 'Dark' }).check();
    try {
      await expectNoViolations('entry and proof, dark theme');
      await screenshot('admin-audit-proof-dark.png');
    } finally {
      await page.getByRole('radio', { name: 'System' }).check();
    }
  });

  it('reports a proof whose entry text was altered on the way as not verified', async () => {
    await page.route('**/api/audit/proofs/inclusion**', async (route) => {
      const response = await route.fetch();
      const proof = (await response.json()) as { entry: string };
      // The server's leaf hash and path are kept; only the entry text changes (another patient).
      const tampered = { ...proof, entry: proof.entry.replace(`"${patientId}"`, '"someone-else"') };
      await route.fulfill({ response, json: tampered });
    });
    try {
      await page.getByRole('button', { name: 'Verify again' }).click();
      const report = page.getByTestId('proof-report');
      await page.locator('[data-testid="proof-report"][data-verified="false"]').waitFor();
      assert.match(await report.innerText(), /Not verified/);
      const failed = (await stepsOf(page)).filter(([, valid]) => valid === 'false').map(([step]) => step);
      assert.deepEqual(failed, ['leaf-hash', 'inclusion']);
    } finally {
      await page.unroute('**/api/audit/proofs/inclusion**');
    }
  });

  it('says so when the server refuses access to the trail', async () => {
    await page.route('**/fhir/R4/AuditEvent**', (route) =>
      route.fulfill({
        status: 403,
        contentType: 'application/fhir+json',
        json: {
          resourceType: 'OperationOutcome',
          issue: [
            { severity: 'error', code: 'forbidden', diagnostics: 'Reading the audit trail needs the admin role' },
          ],
        },
      }),
    );
    try {
      await page.getByRole('link', { name: 'Back to the entries' }).click();
      // The entries found before stay, with the refusal above them.
      await page
        .getByRole('alert')
        .filter({ hasText: /You do not have access to the audit trail/ })
        .waitFor();
      // A filter never searched before has nothing to show but the refusal.
      await search({ action: 'D' });
      await page.getByRole('alert').filter({ hasText: 'You do not have access to the audit trail.' }).waitFor();
      assert.equal(await rows(page).count(), 0);
    } finally {
      await page.unroute('**/fhir/R4/AuditEvent**');
    }
  });

  it('moves between the admin screens with g u, g s and g a', async () => {
    await page.goto(`${server.baseUrl}/admin/audit`);
    await rows(page).first().waitFor();
    await page.evaluate('document.activeElement?.blur()');
    await page.keyboard.press('g');
    await page.keyboard.press('u');
    await page.waitForURL(/\/admin\/users$/);
    await page.getByRole('heading', { name: 'Users and roles' }).waitFor();
    await page.keyboard.press('g');
    await page.keyboard.press('s');
    await page.waitForURL(/\/admin\/settings$/);
    await page.keyboard.press('g');
    await page.keyboard.press('a');
    await page.waitForURL(/\/admin\/audit$/);
  });

  it('fits a phone screen without scrolling sideways', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      for (const address of ['/admin/audit', '/admin/users', '/admin/settings']) {
        await page.goto(`${server.baseUrl}${address}`);
        await page.locator('.card').first().waitFor();
        await page.waitForLoadState('networkidle');
        const width = await page.evaluate<number>('document.documentElement.scrollWidth');
        assert.ok(width <= 390, `${address} is ${width} px wide on a 390 px screen`);
      }
      await page.goto(`${server.baseUrl}/admin/audit?patient=${patientId}`);
      await rows(page).first().waitFor();
      await screenshot('admin-audit-phone.png');
    } finally {
      await page.setViewportSize({ width: 1400, height: 1000 });
    }
  });
});
