import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { generate } from 'otplib';
import type { TestApp, TestTenant } from '../../../test/create-test-app.ts';
import { createUser, tryFindUserByEmailAddress, type Role } from '../../identity/index.ts';
import { registerClient } from '../index.ts';
import { createPkce, tokenParts } from '../oauth-test-support.ts';
import { findFreePort, formAction, startListeningApp, TestBrowser, type Stop } from './upstream-test-support.ts';

const APP_REDIRECT = 'http://app.test/callback';
const PASSWORD = 'copper harbour lantern 61';

type Listening = TestApp & { baseUrl: string };
type ProviderSettings = {
  allowedEmailDomains?: string[];
  justInTimeProvisioning?: boolean;
  defaultRole?: string | null;
  acceptUpstreamMfa?: boolean;
  issuer?: string;
  enabled?: boolean;
};

// Two whole servers on real loopback ports: `upstream` is the identity provider, `local` the server
// a tenant configured to trust it. Different loopback addresses keep their cookies apart, as two
// hosts would in a browser.
describe('single sign-on through an upstream OpenID provider (a second CareGraph server)', () => {
  let upstream: Listening;
  let local: Listening;
  let upstreamTenant: TestTenant;
  let localTenant: TestTenant;
  let upstreamClient: { clientId: string; clientSecret: string };
  let appClientId: string;

  before(async () => {
    upstream = await startListeningApp('127.0.0.2');
    local = await startListeningApp('127.0.0.1', {
      CAREGRAPH_IDENTITY_PROVIDER_KEY: randomBytes(32).toString('base64'),
    });
    upstreamTenant = await upstream.createTestTenant();
    localTenant = await local.createTestTenant();
    const registered = await registerClient(upstream.db, {
      tenantId: upstreamTenant.id,
      clientName: 'CareGraph (local)',
      isConfidential: true,
      redirectUris: [`${local.baseUrl}/oauth/upstream/callback`],
      grantTypes: ['authorization_code'],
      allowedScopes: ['openid', 'email', 'profile'],
    });
    upstreamClient = { clientId: registered.clientId, clientSecret: registered.clientSecret ?? '' };
    ({ clientId: appClientId } = await registerClient(local.db, {
      tenantId: localTenant.id,
      clientName: 'Ward app',
      isConfidential: false,
      redirectUris: [APP_REDIRECT],
      grantTypes: ['authorization_code'],
      allowedScopes: ['openid', 'profile'],
    }));
  });
  after(async () => {
    await local.close();
    await upstream.close();
  });

  const newEmail = (domain = 'upstream.example') => `user-${randomBytes(4).toString('hex')}@${domain}`;

  async function createUpstreamUser(email: string) {
    const deps = { db: upstream.db, now: () => new Date() };
    return createUser(deps, {
      tenantId: upstreamTenant.id,
      email,
      displayName: 'Ada Upstream',
      roles: ['clinician'],
      password: PASSWORD,
    });
  }

  async function createLocalUser(email: string, roles: Role[] = ['clinician']) {
    const deps = { db: local.db, now: () => new Date() };
    return createUser(deps, { tenantId: localTenant.id, email, displayName: 'Ada Local', roles, password: PASSWORD });
  }

  async function addProvider(settings: ProviderSettings = {}): Promise<string> {
    const response = await localTenant.request({
      method: 'POST',
      url: '/api/admin/identity-providers',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({
        displayName: `Upstream ${randomBytes(3).toString('hex')}`,
        issuer: upstream.baseUrl,
        clientId: upstreamClient.clientId,
        clientSecret: upstreamClient.clientSecret,
        ...settings,
      }),
    });
    assert.equal(response.statusCode, 201, response.body);
    return response.json<{ id: string }>().id;
  }

  /** A browser that stops at the app's redirect URI, as the app would take over there. */
  const newBrowser = () => new TestBrowser((url) => url.origin === new URL(APP_REDIRECT).origin);

  /** 1-2. The app sends the browser to the local server, whose sign-in page offers the provider. */
  async function openLocalSignIn(browser: TestBrowser, challenge: string): Promise<Stop> {
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: appClientId,
      redirect_uri: APP_REDIRECT,
      scope: 'openid profile',
      state: 'app-state',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const page = await browser.get(`${local.baseUrl}/oauth/authorize?${query.toString()}`);
    assert.equal(page.status, 200, page.body);
    return page;
  }

  /** 3-5. The provider's button leads to the upstream; signing in (and consenting) there leads back. */
  async function signInUpstream(
    browser: TestBrowser,
    options: { providerId: string; email: string; challenge: string; decision?: 'allow' | 'deny'; totpSecret?: string },
  ): Promise<Stop> {
    const signInPage = await openLocalSignIn(browser, options.challenge);
    const upstreamLogin = await browser.post(formAction(signInPage, `value="${options.providerId}"`), {
      provider: options.providerId,
    });
    assert.equal(upstreamLogin.url.origin, upstream.baseUrl, upstreamLogin.body);
    let upstreamPage = await browser.post(formAction(upstreamLogin, 'name="password"'), {
      email: options.email,
      password: PASSWORD,
    });
    if (options.totpSecret !== undefined) {
      assert.match(upstreamPage.body, /Second factor/);
      const code = await generate({ secret: options.totpSecret, epoch: Math.floor(Date.now() / 1000) + 30 });
      upstreamPage = await browser.post(formAction(upstreamPage, 'name="code"'), {
        challengeToken: /name="challengeToken" value="([^"]+)"/.exec(upstreamPage.body)?.[1] ?? '',
        method: 'totp',
        code,
      });
    }
    assert.equal(upstreamPage.url.origin, upstream.baseUrl);
    assert.match(upstreamPage.body, /Allow access/);
    return browser.post(formAction(upstreamPage, 'value="allow"'), { decision: options.decision ?? 'allow' });
  }

  /** 6-7. Consent on the local server, then the app exchanges its code for tokens. */
  async function consentAndExchange(browser: TestBrowser, page: Stop, verifier: string) {
    assert.equal(page.url.origin, local.baseUrl);
    assert.match(page.body, /Allow access/, page.body);
    const redirect = await browser.post(formAction(page, 'value="allow"'), { decision: 'allow' });
    assert.equal(`${redirect.url.origin}${redirect.url.pathname}`, APP_REDIRECT);
    const response = await fetch(`${local.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: redirect.url.searchParams.get('code') ?? '',
        redirect_uri: APP_REDIRECT,
        client_id: appClientId,
        code_verifier: verifier,
      }),
    });
    assert.equal(response.status, 200);
    return (await response.json()) as { access_token: string; id_token: string };
  }

  async function upstreamEvents(userId?: string) {
    const { rows } = await local.db.query<{ content: string }>(
      `SELECT content FROM audit_entry WHERE content::jsonb ->> 'tenant' = $1
         AND content::jsonb ->> 'detail' LIKE 'login.upstream%' ORDER BY txid, seq`,
      [localTenant.id],
    );
    return rows
      .map((row) => JSON.parse(row.content) as { detail: string; outcome: string; agent: { name: string } })
      .filter((entry) => userId === undefined || entry.agent.name === userId);
  }

  async function enrolTotp(app: Listening, tenantId: string, email: string): Promise<string> {
    const post = async (url: string, body: object) => {
      const response = await fetch(`${app.baseUrl}/api/auth${url}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return (await response.json()) as { challengeToken: string; secret: string };
    };
    const { challengeToken } = await post('/login', { tenant: tenantId, email, password: PASSWORD, enrolMfa: true });
    const { secret } = await post('/mfa/enrol/totp', { challengeToken });
    await post('/mfa/enrol/totp/confirm', { challengeToken, code: await generate({ secret }) });
    return secret;
  }

  it('signs in the local user with the same verified address and issues tokens for them', async () => {
    const email = newEmail();
    await createUpstreamUser(email);
    const localUser = await createLocalUser(email);
    const providerId = await addProvider();
    const browser = newBrowser();
    const pkce = createPkce();

    const back = await signInUpstream(browser, { providerId, email, challenge: pkce.challenge });
    const tokens = await consentAndExchange(browser, back, pkce.verifier);

    const idToken = tokenParts(tokens.id_token).claims;
    assert.equal(idToken.sub, `${localTenant.id}:${localUser.id}`);
    assert.equal(idToken.iss, local.baseUrl);
    assert.equal(tokenParts(tokens.access_token).claims.tenant, localTenant.id);
    // The upstream's code went to the callback on the local server, never to the app.
    assert.ok(browser.visited.some((url) => url.href.startsWith(`${local.baseUrl}/oauth/upstream/callback?`)));
    assert.deepEqual(
      (await upstreamEvents(localUser.id)).map((entry) => [entry.detail, entry.outcome]),
      [[`login.upstream provider:${providerId}`, '0']],
    );
  });

  it('signs the same upstream account in again through its link, after its address changed upstream', async () => {
    const email = newEmail();
    const upstreamUser = await createUpstreamUser(email);
    const localUser = await createLocalUser(email);
    const providerId = await addProvider();
    const first = createPkce();
    const firstBrowser = newBrowser();
    await consentAndExchange(
      firstBrowser,
      await signInUpstream(firstBrowser, { providerId, email, challenge: first.challenge }),
      first.verifier,
    );

    const renamed = newEmail();
    await upstream.db.query('UPDATE app_user SET email = $3 WHERE tenant_id = $1 AND id = $2', [
      upstreamTenant.id,
      upstreamUser.id,
      renamed,
    ]);
    const browser = newBrowser();
    const second = createPkce();
    const back = await signInUpstream(browser, { providerId, email: renamed, challenge: second.challenge });
    const tokens = await consentAndExchange(browser, back, second.verifier);

    assert.equal(tokenParts(tokens.id_token).claims.sub, `${localTenant.id}:${localUser.id}`);
  });

  it('provisions a user just in time with the default role when no local user has the address', async () => {
    const email = newEmail();
    await createUpstreamUser(email);
    const providerId = await addProvider({ justInTimeProvisioning: true, defaultRole: 'nurse' });
    const browser = newBrowser();
    const pkce = createPkce();

    const tokens = await consentAndExchange(
      browser,
      await signInUpstream(browser, { providerId, email, challenge: pkce.challenge }),
      pkce.verifier,
    );

    const created = await tryFindUserByEmailAddress(local.db, localTenant.id, email);
    assert.deepEqual(created?.roles, ['nurse']);
    assert.equal(created?.displayName, 'Ada Upstream');
    assert.equal(tokenParts(tokens.id_token).claims.sub, `${localTenant.id}:${created.id}`);
  });

  it('refuses an upstream account without a local user when provisioning is off, and creates nothing', async () => {
    const email = newEmail();
    await createUpstreamUser(email);
    const providerId = await addProvider();
    const browser = newBrowser();

    const page = await signInUpstream(browser, { providerId, email, challenge: createPkce().challenge });

    assert.equal(page.status, 404);
    assert.match(page.body, /No account of this organisation belongs to that sign-in/);
    assert.match(page.body, /Back to sign-in/);
    assert.equal(await tryFindUserByEmailAddress(local.db, localTenant.id, email), undefined);
    const events = await upstreamEvents();
    assert.deepEqual(events.at(-1)?.detail, `login.upstream provider:${providerId} unknown`);
    assert.equal(events.at(-1)?.outcome, '4');
  });

  it('refuses a disabled local user, and an address outside the allowed domains', async () => {
    const email = newEmail();
    await createUpstreamUser(email);
    const localUser = await createLocalUser(email);
    const disable = await localTenant.request({ method: 'POST', url: `/api/admin/users/${localUser.id}/disable` });
    assert.equal(disable.statusCode, 200, disable.body);
    const providerId = await addProvider();

    const disabled = await signInUpstream(newBrowser(), { providerId, email, challenge: createPkce().challenge });
    assert.equal(disabled.status, 403);
    assert.match(disabled.body, /Account disabled/);

    const otherEmail = newEmail();
    await createUpstreamUser(otherEmail);
    await createLocalUser(otherEmail);
    const domainBound = await addProvider({ allowedEmailDomains: ['hospital.example'] });
    const outside = await signInUpstream(newBrowser(), {
      providerId: domainBound,
      email: otherEmail,
      challenge: createPkce().challenge,
    });
    assert.equal(outside.status, 403);
    assert.match(outside.body, /e-mail domain may not sign in/);
    assert.equal((await upstreamEvents()).at(-1)?.detail, `login.upstream provider:${domainBound} domain-not-allowed`);
  });

  it('says so when the user refuses at the upstream', async () => {
    const email = newEmail();
    await createUpstreamUser(email);
    await createLocalUser(email);
    const providerId = await addProvider();

    const page = await signInUpstream(newBrowser(), {
      providerId,
      email,
      challenge: createPkce().challenge,
      decision: 'deny',
    });

    assert.equal(page.status, 403);
    assert.match(page.body, /did not let you sign in\. \(access_denied\)/);
  });

  it('accepts a callback only in the browser that started the sign-in, and only once', async () => {
    const email = newEmail();
    await createUpstreamUser(email);
    await createLocalUser(email);
    const providerId = await addProvider();
    const browser = newBrowser();
    const isAppRedirect = browser.isStop;
    // 1. Hold the browser at the callback, as if someone else got hold of its URL first.
    browser.isStop = (url) => url.pathname === '/oauth/upstream/callback' || isAppRedirect(url);
    const held = await signInUpstream(browser, { providerId, email, challenge: createPkce().challenge });
    assert.equal(held.url.pathname, '/oauth/upstream/callback');

    // 2. Another browser (no interaction cookie) gets the expired page and uses nothing up.
    const stranger = await newBrowser().get(held.url);
    assert.equal(stranger.status, 400);
    assert.match(stranger.body, /expired/);

    // 3. The right browser finishes; the same callback a second time is refused.
    browser.isStop = isAppRedirect;
    const finished = await browser.get(held.url);
    assert.match(finished.body, /Allow access/);
    const replay = await browser.get(held.url);
    assert.equal(replay.status, 400);
    assert.match(replay.body, /expired/);

    // 4. A made-up state is refused too.
    const forged = await newBrowser().get(`${local.baseUrl}/oauth/upstream/callback?code=abc&state=forged`);
    assert.equal(forged.status, 400);
  });

  it('shows a clear page when the upstream cannot be reached', async () => {
    const port = await findFreePort('127.0.0.1');
    const providerId = await addProvider({ issuer: `http://127.0.0.1:${port}` });
    const disabledId = await addProvider({ enabled: false });
    const browser = newBrowser();

    const signInPage = await openLocalSignIn(browser, createPkce().challenge);
    assert.match(signInPage.body, /<button type="submit">Sign in with Upstream [0-9a-f]{6}<\/button>/);
    assert.ok(!signInPage.body.includes(disabledId), 'a disabled provider has no button');
    const page = await browser.post(formAction(signInPage, `value="${providerId}"`), { provider: providerId });

    assert.equal(page.status, 502);
    assert.match(page.body, /cannot be reached right now/);
    assert.equal((await upstreamEvents()).at(-1)?.detail, `login.upstream provider:${providerId} unreachable`);
  });

  it('still asks for the local second factor after an upstream sign-in without MFA', async () => {
    const email = newEmail();
    await createUpstreamUser(email);
    await createLocalUser(email);
    const secret = await enrolTotp(local, localTenant.id, email);
    const providerId = await addProvider({ acceptUpstreamMfa: true });
    const browser = newBrowser();
    const pkce = createPkce();

    const mfaPage = await signInUpstream(browser, { providerId, email, challenge: pkce.challenge });
    assert.match(mfaPage.body, /Second factor/);
    const code = await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
    const consent = await browser.post(formAction(mfaPage, 'name="code"'), {
      challengeToken: /name="challengeToken" value="([^"]+)"/.exec(mfaPage.body)?.[1] ?? '',
      method: 'totp',
      code,
    });
    const tokens = await consentAndExchange(browser, consent, pkce.verifier);

    assert.deepEqual(tokenParts(tokens.id_token).claims.amr, ['otp', 'mfa']);
  });

  it('takes the upstream’s multi-factor sign-in in place of the local one only where the tenant trusts it', async () => {
    // Two people, since a TOTP code (one per 30-second step) signs each in once.
    const [trusted, distrusted] = [newEmail(), newEmail()];
    const secrets = new Map<string, string>();
    for (const email of [trusted, distrusted]) {
      await createUpstreamUser(email);
      secrets.set(email, await enrolTotp(upstream, upstreamTenant.id, email));
      await createLocalUser(email);
      await enrolTotp(local, localTenant.id, email);
    }
    const trusting = await addProvider({ acceptUpstreamMfa: true });
    const distrusting = await addProvider();

    const browser = newBrowser();
    const pkce = createPkce();
    const back = await signInUpstream(browser, {
      providerId: trusting,
      email: trusted,
      challenge: pkce.challenge,
      totpSecret: secrets.get(trusted),
    });
    const tokens = await consentAndExchange(browser, back, pkce.verifier);
    assert.deepEqual(tokenParts(tokens.id_token).claims.amr, ['mfa']);

    const other = await signInUpstream(newBrowser(), {
      providerId: distrusting,
      email: distrusted,
      challenge: createPkce().challenge,
      totpSecret: secrets.get(distrusted),
    });
    assert.equal(other.url.origin, local.baseUrl);
    assert.match(other.body, /Second factor/);
  });
});
