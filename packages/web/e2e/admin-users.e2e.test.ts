// Browser test of the admin console's users and tenant settings against the real server: the
// administrator signs in through the OpenID Connect flow, invites a user, sees problems beside
// their fields, changes roles, disables an account (which then cannot sign in), and requires MFA
// for a role. Needs a web build (`npm run build -w @caregraph/web`) and Chromium at /usr/bin/chromium.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { findAccessibilityViolations } from './browser.ts';
import type { RunningServer } from './server.ts';
import {
  accessTokenOf,
  completeServerSignIn,
  DEMO_SIGN_INS,
  signIn,
  startBrowserSession,
  type BrowserSession,
} from './session.ts';

/** The current set of screenshots for the docs; the run's own copies go to a temporary folder. */
const DOCS_SCREENSHOTS = path.resolve(import.meta.dirname, '../../../docs/screenshots');

const INVITED = { email: 'morgan.reyes@example.org', name: 'Morgan Reyes' };

/** The mail the server's drop folder holds for an address (no SMTP server in the tests). */
function readMailTo(server: RunningServer, address: string): string[] {
  const folder = path.join(server.dataDir, 'mail');
  return readdirSync(folder)
    .map((file) => readFileSync(path.join(folder, file), 'utf8'))
    .filter((mail) => mail.includes(`\nTo: ${address}\n`));
}

/** The row of the user list that names a user. */
const userRow = (page: Page, text: string) =>
  page.getByTestId('user-table').locator('tbody tr').filter({ hasText: text });

describe('admin console: users and tenant settings', () => {
  let session: BrowserSession | undefined;
  let server: RunningServer;
  let page: Page;
  const screenshotDir = mkdtempSync(path.join(tmpdir(), 'caregraph-web-admin-users-'));

  const expectNoViolations = async (where: string) => {
    assert.deepEqual(await findAccessibilityViolations(page), [], where);
  };
  const screenshot = async (name: string) => {
    mkdirSync(DOCS_SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(screenshotDir, name), fullPage: true });
    await page.screenshot({ path: path.join(DOCS_SCREENSHOTS, name), fullPage: true });
  };

  before(async () => {
    session = await startBrowserSession({});
    ({ server, page } = session);
    console.log(`# caregraph serve ready in ${session.serverStartMs} ms; screenshots in ${screenshotDir}`);
    await signIn(page, 'admin', { baseUrl: server.baseUrl, path: '/admin/users' });
  });

  after(() => session?.close());

  it("lists the tenant's users with their roles, status and second factors", async () => {
    await userRow(page, DEMO_SIGN_INS.nurse.email).waitFor();
    const table = await page.getByTestId('user-table').innerText();
    for (const role of ['admin', 'clinician', 'nurse'] as const) {
      assert.match(table, new RegExp(DEMO_SIGN_INS[role].email.replace('.', '\\.')));
    }
    assert.match(table, /Active/);
    assert.equal(
      await page
        .getByRole('navigation', { name: 'Admin' })
        .getByRole('link', { name: 'Users and roles' })
        .getAttribute('aria-current'),
      'page',
    );
    await expectNoViolations('user list');
    await screenshot('admin-users.png');
  });

  it('shows what is missing beside each field and focuses the first', async () => {
    await page.getByRole('button', { name: 'Invite user' }).click();
    await page.getByRole('button', { name: 'Send invitation' }).click();
    const email = page.getByLabel('E-mail address');
    await page.waitForFunction("document.activeElement?.getAttribute('name') === 'email'");
    assert.equal(await email.getAttribute('aria-invalid'), 'true');
    const form = await page.locator('form.invite-form').innerText();
    assert.match(form, /Enter the e-mail address the invitation goes to/);
    assert.match(form, /Enter the name shown for this user/);
    assert.match(form, /Choose at least one role/);
    await expectNoViolations('invite form with problems');
  });

  it('invites a user by e-mail and lists them as invited', async () => {
    // 1. Fill in the form and send it.
    await page.getByLabel('E-mail address').fill(INVITED.email);
    await page.getByLabel('Name', { exact: true }).fill(INVITED.name);
    await page.getByRole('checkbox', { name: /^nurse/ }).check();
    await page.getByRole('button', { name: 'Send invitation' }).click();
    // 2. The server created the account and sent the mail: the page says so.
    await page.getByText(`Invitation sent to ${INVITED.email}`).waitFor();
    // 3. The list shows them as invited, also after a reload (it is stored, not only shown).
    await userRow(page, INVITED.email).filter({ hasText: 'Invited' }).waitFor();
    await page.reload();
    const row = userRow(page, INVITED.email);
    await row.waitFor();
    assert.match(await row.innerText(), /Morgan Reyes[\s\S]*nurse[\s\S]*Invited/);
    // 4. The invitation went out with a one-time link, and the API agrees on the account.
    const [mail] = readMailTo(server, INVITED.email);
    assert.ok(mail, 'no invitation mail');
    assert.match(mail, /Subject: Your CareGraph account/);
    assert.match(mail, /Hello Morgan Reyes,[\s\S]*https?:\/\/\S+/);
    const response = await fetch(`${server.baseUrl}/api/admin/users?search=morgan.reyes`, {
      headers: { Authorization: `Bearer ${await accessTokenOf(page)}` },
    });
    const { users } = (await response.json()) as { users: { email: string; status: string; roles: string[] }[] };
    assert.deepEqual(
      users.map((user) => [user.email, user.status, user.roles]),
      [[INVITED.email, 'invited', ['nurse']]],
    );
  });

  it('says beside the field when the address already has an account', async () => {
    await page.getByRole('button', { name: 'Invite user' }).click();
    await page.getByLabel('E-mail address').fill(INVITED.email);
    await page.getByLabel('Name', { exact: true }).fill('Someone Else');
    await page.getByRole('checkbox', { name: /^staff/ }).check();
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByText('A user with this e-mail address already exists.').waitFor();
    assert.equal(await page.getByLabel('E-mail address').getAttribute('aria-invalid'), 'true');
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  it("changes an account's roles", async () => {
    await userRow(page, INVITED.email)
      .getByRole('button', { name: /Manage/ })
      .click();
    const dialog = page.getByRole('dialog', { name: `Manage ${INVITED.name}` });
    await dialog.waitFor();
    await dialog.getByRole('checkbox', { name: /^staff/ }).check();
    await dialog.getByRole('button', { name: 'Save roles' }).click();
    await dialog.getByText('Roles saved').waitFor();
    await userRow(page, INVITED.email).filter({ hasText: 'nurse, staff' }).waitFor();
    // An invitation can be sent again: a second mail, the first link retired by the server.
    await dialog.getByRole('button', { name: 'Resend invitation' }).click();
    await dialog.getByText('Invitation sent again.').waitFor();
    assert.equal(readMailTo(server, INVITED.email).length, 2);
    await expectNoViolations('manage dialog');
    await screenshot('admin-users-manage.png');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('disables an account after confirmation, and that user can no longer sign in', async (t) => {
    // 1. Disable the demo nurse from the dialog; the change asks to be confirmed.
    await userRow(page, DEMO_SIGN_INS.nurse.email)
      .getByRole('button', { name: /Manage/ })
      .click();
    const dialog = page.getByRole('dialog', { name: /^Manage / });
    await dialog.getByRole('button', { name: 'Disable' }).click();
    await dialog.getByText('will no longer be able to sign in').waitFor();
    await expectNoViolations('confirm disable');
    await dialog
      .getByRole('group', { name: /Confirm/ })
      .getByRole('button', { name: 'Disable' })
      .click();
    await dialog.getByText('Account disabled').waitFor();
    await dialog.getByRole('button', { name: 'Enable' }).waitFor();
    await page.keyboard.press('Escape');
    await userRow(page, DEMO_SIGN_INS.nurse.email).filter({ hasText: 'Disabled' }).waitFor();

    // 2. The nurse's sign-in is refused in a browser of their own.
    const browser = page.context().browser() as Browser;
    const context = await browser.newContext();
    try {
      const nursePage = await context.newPage();
      await nursePage.goto(`${server.baseUrl}/sign-in`);
      await nursePage
        .getByRole('button', { name: /^(Sign in|Staff sign-in)$/ })
        .first()
        .click();
      await assert.rejects(completeServerSignIn(nursePage, DEMO_SIGN_INS.nurse), /failed/);
      t.diagnostic(`refused: ${await nursePage.getByRole('alert').first().innerText()}`);
    } finally {
      await context.close();
    }
  });

  it('says the server cannot be reached instead of showing an empty list', async () => {
    await page.route('**/api/admin/users**', (route) => route.abort('connectionrefused'));
    try {
      await page.reload();
      const alert = page.getByRole('alert').filter({ hasText: /could not be reached/ });
      await alert.waitFor();
      assert.ok(await page.getByRole('button', { name: 'Try again' }).isVisible());
    } finally {
      await page.unroute('**/api/admin/users**');
    }
  });

  it('requires MFA for a role and keeps the setting', async () => {
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Tenant settings' }).click();
    await page.waitForURL(/\/admin\/settings$/);
    const clinician = page.getByRole('checkbox', { name: /Require MFA for clinician/ });
    await clinician.waitFor();
    assert.equal(await clinician.isChecked(), false);
    await clinician.check();
    await page.getByText('MFA is now required for the clinician role.').waitFor();
    await page.reload();
    await page.getByRole('checkbox', { name: /Require MFA for clinician/ }).waitFor();
    assert.equal(await page.getByRole('checkbox', { name: /Require MFA for clinician/ }).isChecked(), true);
    await expectNoViolations('tenant settings');
  });

  it('renames the tenant', async () => {
    const name = page.getByLabel('Display name');
    await name.fill('Harbourside Health');
    await page.getByRole('button', { name: 'Save name' }).click();
    await page.getByText('Name saved.').waitFor();
    await page.reload();
    await page.getByLabel('Display name').waitFor();
    await page.waitForFunction("document.querySelector('input[name=tenantName]')?.value === 'Harbourside Health'");
  });

  it('adds, edits and removes an upstream identity provider', async () => {
    // 1. A provider over plain http on another host is refused beside the issuer field.
    await page.getByRole('button', { name: 'Add provider' }).click();
    const form = page.getByRole('form', { name: 'Add identity provider' });
    await form.getByLabel('Name on the sign-in page').fill('Hospital SSO');
    await form.getByLabel('Issuer URL').fill('http://login.example.org');
    await form.getByLabel('Client id').fill('caregraph-web');
    await form.getByLabel('Client secret').fill('a-long-client-secret-from-the-provider');
    await form.getByRole('button', { name: 'Add provider' }).click();
    await form.getByText(/must use https/).waitFor();
    assert.equal(await form.getByLabel('Issuer URL').getAttribute('aria-invalid'), 'true');
    await expectNoViolations('identity provider form with a problem');

    // 2. Corrected, it is saved and listed with the redirect URI to register upstream.
    await form.getByLabel('Issuer URL').fill('https://login.example.org');
    await form.getByLabel('Allowed e-mail domains').fill('example.org');
    await form.getByRole('button', { name: 'Add provider' }).click();
    await page.getByText('Hospital SSO saved.').waitFor();
    const provider = page.locator('.provider').filter({ hasText: 'Hospital SSO' });
    assert.match(await provider.innerText(), /https:\/\/login\.example\.org[\s\S]*Redirect URI[\s\S]*example\.org/);
    await screenshot('admin-settings.png');

    // 3. Edited without a new secret: the stored one is kept.
    await provider.getByRole('button', { name: /Edit/ }).click();
    const edit = page.getByRole('form', { name: 'Edit Hospital SSO' });
    await edit.getByText('A secret is stored; it is never shown.').waitFor();
    await edit.getByLabel('Enabled (shown on the sign-in page)').uncheck();
    await edit.getByRole('button', { name: 'Save provider' }).click();
    await page.getByText('Hospital SSO saved.').waitFor();
    await provider.getByText('Disabled').waitFor();

    // 4. Removed after confirmation.
    await provider.getByRole('button', { name: /Remove/ }).click();
    await page.getByRole('button', { name: 'Remove Hospital SSO' }).click();
    await page.getByText('Hospital SSO removed.').waitFor();
    await page.getByText('Users sign in with their CareGraph password only.').waitFor();
  });

  it('edits the access policy, marking a row the server would refuse before sending it', async () => {
    const table = page.getByTestId('access-policy');
    await table.waitFor();
    const values = async (column: string) =>
      Promise.all((await table.locator(`[aria-label$=" ${column}"]`).all()).map((input) => input.inputValue()));
    // 1. A second staff row for Patient is marked beside the row; nothing is sent.
    await page.getByRole('button', { name: 'Add row' }).click();
    const row = `Row ${(await values('resource')).length}`;
    await page.getByLabel(`${row} role`).selectOption('staff');
    await page.getByLabel(`${row} resource`).fill('Patient');
    await page.getByRole('button', { name: 'Save access policy' }).click();
    await page.getByText(`${row}: staff already has a row for Patient.`).waitFor();
    assert.equal(await page.getByLabel(`${row} resource`).getAttribute('aria-invalid'), 'true');
    await expectNoViolations('access policy with a problem');
    // 2. Staff may read vital signs: saved, and still there after a reload.
    await page.getByLabel(`${row} resource`).fill('Observation');
    await page.getByLabel(`${row} criteria`).fill('category=vital-signs');
    await page.getByRole('button', { name: 'Save access policy' }).click();
    await page.getByText('Access policy saved').waitFor();
    await page.reload();
    await table.waitFor();
    const resources = await values('resource');
    const criteria = await values('criteria');
    const roles = await values('role');
    const saved = resources.findIndex((resource, index) => resource === 'Observation' && roles[index] === 'staff');
    assert.ok(saved >= 0, `no staff Observation row in ${resources.join(', ')}`);
    assert.equal(criteria[saved], 'category=vital-signs');
  });
});
