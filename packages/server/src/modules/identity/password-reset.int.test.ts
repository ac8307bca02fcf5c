import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, testConfig, type TestApp, type TestTenant } from '../../test/create-test-app.ts';
import { startTestSmtpServer, type TestSmtpServer } from './identity-test-support.ts';
import {
  createUser,
  identityDepsOf,
  identitySettingsFrom,
  requestPasswordReset,
  resetPassword,
  type IdentityDeps,
  type UserSummary,
} from './index.ts';
import { tokenOfLink } from './links.ts';

const PASSWORD = 'violet kettle harbour 42';
const NEW_PASSWORD = 'amber lantern orchard 7';

describe('password reset and invitations by e-mail', () => {
  let smtp: TestSmtpServer;
  let testApp: TestApp;
  let tenant: TestTenant;
  let deps: IdentityDeps;
  let userCount = 0;

  async function newUser(): Promise<UserSummary> {
    userCount += 1;
    return createUser(deps, {
      tenantId: tenant.id,
      email: `clerk.${userCount}@clinic.example`,
      displayName: `Clerk ${userCount}`,
      roles: ['staff'],
      password: PASSWORD,
    });
  }

  const post = (url: string, payload: object) => testApp.app.inject({ method: 'POST', url, payload });
  const login = (email: string, password: string) => post('/api/auth/login', { tenant: tenant.id, email, password });

  /** The token of the one link in a mail. */
  function linkToken(text: string, page: string): string {
    const link = new RegExp(`http://caregraph\\.test/${page}#token=[A-Za-z0-9_-]+`).exec(text)?.[0];
    const token = link && tokenOfLink(link);
    assert.ok(token, `no ${page} link in:\n${text}`);
    return token;
  }

  before(async () => {
    smtp = await startTestSmtpServer();
    const overrides = { CAREGRAPH_SMTP_URL: smtp.url, CAREGRAPH_MAIL_FROM: 'CareGraph <no-reply@clinic.example>' };
    testApp = await createTestApp(overrides);
    tenant = await testApp.createTestTenant();
    deps = identityDepsOf(testApp.app, identitySettingsFrom(testConfig(overrides)));
  });
  after(async () => {
    await testApp.close();
    await smtp.close();
  });

  it('mails a reset link that sets a new password once', async () => {
    const user = await newUser();

    // 1. Ask for a reset: 202, and a mail with a link arrives.
    const requested = await post('/api/auth/password-reset', { tenant: tenant.id, email: user.email });
    assert.equal(requested.statusCode, 202);
    const mail = await smtp.takeMessage(user.email);
    assert.equal(mail.subject, 'Reset your CareGraph password');
    const token = linkToken(mail.text, 'reset-password');

    // 2. A weak password is refused without spending the link.
    const weak = await post('/api/auth/password-reset/confirm', { token, password: 'password1234' });
    assert.equal(weak.statusCode, 400);
    assert.deepEqual(weak.json(), {
      type: 'about:blank',
      title: 'Password is too common',
      status: 400,
      code: 'ID_WEAK_PASSWORD',
    });

    // 3. The link sets the new password; the old one stops working.
    const confirmed = await post('/api/auth/password-reset/confirm', { token, password: NEW_PASSWORD });
    assert.equal(confirmed.statusCode, 204);
    assert.equal((await login(user.email, PASSWORD)).statusCode, 401);
    assert.equal((await login(user.email, NEW_PASSWORD)).statusCode, 200);

    // 4. The link works once.
    const again = await post('/api/auth/password-reset/confirm', { token, password: 'another fine passphrase' });
    assert.equal(again.statusCode, 400);
    assert.equal(again.json<{ code: string }>().code, 'ID_INVALID_TOKEN');
  });

  it('answers an unknown address exactly like a known one and mails nothing', async () => {
    const before = smtp.received.length;
    const user = await newUser();

    const unknown = await post('/api/auth/password-reset', { tenant: tenant.id, email: 'nobody@clinic.example' });
    const known = await post('/api/auth/password-reset', { tenant: tenant.id, email: user.email });

    assert.equal(unknown.statusCode, 202);
    assert.equal(known.statusCode, 202);
    assert.equal(unknown.body, known.body);
    await smtp.takeMessage(user.email);
    assert.equal(smtp.received.length, before + 1);
  });

  it('retires the other reset links of the account once one is used', async () => {
    const user = await newUser();
    await post('/api/auth/password-reset', { tenant: tenant.id, email: user.email });
    const first = linkToken((await smtp.takeMessage(user.email)).text, 'reset-password');
    await post('/api/auth/password-reset', { tenant: tenant.id, email: user.email });
    const second = linkToken((await smtp.takeMessage(user.email)).text, 'reset-password');

    assert.equal(
      (await post('/api/auth/password-reset/confirm', { token: second, password: NEW_PASSWORD })).statusCode,
      204,
    );
    const stale = await post('/api/auth/password-reset/confirm', { token: first, password: 'another fine passphrase' });

    assert.equal(stale.json<{ code: string }>().code, 'ID_INVALID_TOKEN');
  });

  it('expires a reset link after 30 minutes', async () => {
    const user = await newUser();
    let now = new Date('2026-03-01T09:00:00Z');
    const clocked: IdentityDeps = { ...deps, now: () => now };
    await requestPasswordReset(clocked, { tenantId: tenant.id, email: user.email });
    const token = linkToken((await smtp.takeMessage(user.email)).text, 'reset-password');

    now = new Date('2026-03-01T09:30:01Z');

    await assert.rejects(resetPassword(clocked, { token, password: NEW_PASSWORD }), { code: 'ID_INVALID_TOKEN' });
  });

  it('sends at most three reset mails an hour to one account', async () => {
    const user = await newUser();
    const now = new Date('2026-03-01T11:00:00Z');
    const clocked: IdentityDeps = { ...deps, now: () => now };
    for (let request = 0; request < 4; request += 1) {
      await requestPasswordReset(clocked, { tenantId: tenant.id, email: user.email });
    }
    for (let mail = 0; mail < 3; mail += 1) {
      await smtp.takeMessage(user.email);
    }

    await assert.rejects(smtp.takeMessage(user.email, 300), /no mail/);
  });

  it('invites a user by e-mail; the invitation sets their password once and they can sign in', async () => {
    // 1. An administrator invites a clinician.
    const invited = await tenant.request({
      method: 'POST',
      url: '/api/admin/users',
      payload: {
        email: 'Dr.Hale@Clinic.Example',
        displayName: 'Dr Hale',
        roles: ['clinician'],
        fhirUser: 'Practitioner/pr-1',
      },
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(invited.statusCode, 201);
    const user = invited.json<{ id: string; status: string; email: string; fhirUser: string }>();
    assert.deepEqual(
      [user.status, user.email, user.fhirUser],
      ['invited', 'dr.hale@clinic.example', 'Practitioner/pr-1'],
    );

    // 2. Before accepting, there is no password to sign in with.
    assert.equal((await login(user.email, PASSWORD)).statusCode, 401);

    // 3. The mail carries the link; accepting sets the password.
    const mail = await smtp.takeMessage('dr.hale@clinic.example');
    assert.match(mail.text, /Hello Dr Hale/);
    const token = linkToken(mail.text, 'accept-invite');
    const accepted = await post('/api/auth/invite/accept', { token, password: PASSWORD });
    assert.equal(accepted.statusCode, 200);
    assert.equal(accepted.json<{ status: string }>().status, 'active');

    // 4. They sign in; the link does not work twice.
    assert.equal((await login(user.email, PASSWORD)).json<{ status: string }>().status, 'ok');
    const again = await post('/api/auth/invite/accept', { token, password: NEW_PASSWORD });
    assert.equal(again.json<{ code: string }>().code, 'ID_INVALID_TOKEN');
  });

  it('refuses to invite an address the tenant already has', async () => {
    const user = await newUser();

    const duplicate = await tenant.request({
      method: 'POST',
      url: '/api/admin/users',
      payload: { email: user.email.toUpperCase(), displayName: 'Again', roles: ['staff'] },
      headers: { 'content-type': 'application/json' },
    });

    assert.equal(duplicate.statusCode, 409);
    assert.equal(duplicate.json<{ code: string }>().code, 'ID_EMAIL_TAKEN');
  });
});
