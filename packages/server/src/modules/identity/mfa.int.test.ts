import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { generate } from 'otplib';
import { createTestApp, testConfig, type TestApp, type TestTenant } from '../../test/create-test-app.ts';
import { SoftwareAuthenticator } from './identity-test-support.ts';
import {
  createUser,
  identityDepsOf,
  identitySettingsFrom,
  setRoleMfaPolicy,
  type IdentityDeps,
  type LoginResult,
  type Role,
  type UserSummary,
} from './index.ts';

const PASSWORD = 'violet kettle harbour 42';
const ORIGIN = 'http://caregraph.test';

type Answer = LoginResult & { code?: string; secret?: string; uri?: string };

describe('multi-factor sign-in', () => {
  let testApp: TestApp;
  let tenant: TestTenant;
  let deps: IdentityDeps;
  let userCount = 0;

  async function newUser(roles: Role[] = ['clinician']): Promise<UserSummary> {
    userCount += 1;
    return createUser(deps, {
      tenantId: tenant.id,
      email: `doctor.${userCount}@clinic.example`,
      displayName: `Doctor ${userCount}`,
      roles,
      password: PASSWORD,
    });
  }

  async function post(url: string, payload: object): Promise<{ status: number; body: Answer }> {
    const response = await testApp.app.inject({ method: 'POST', url: `/api/auth${url}`, payload });
    return { status: response.statusCode, body: response.json<Answer>() };
  }

  async function login(user: UserSummary, extra: object = {}): Promise<Answer> {
    return (await post('/login', { tenant: tenant.id, email: user.email, password: PASSWORD, ...extra })).body;
  }

  function challengeOf(answer: Answer): string {
    assert.ok('challengeToken' in answer, `expected a challenge, got ${JSON.stringify(answer)}`);
    return answer.challengeToken;
  }

  /** Signs in with `enrolMfa` and enrols an authenticator app; returns its seed and the recovery codes. */
  async function enrolTotp(user: UserSummary): Promise<{ secret: string; recoveryCodes: string[] }> {
    const challengeToken = challengeOf(await login(user, { enrolMfa: true }));
    const { body: enrolment } = await post('/mfa/enrol/totp', { challengeToken });
    const secret = enrolment.secret ?? '';
    const { body: confirmed } = await post('/mfa/enrol/totp/confirm', {
      challengeToken,
      code: await generate({ secret }),
    });
    assert.equal(confirmed.status, 'ok');
    assert.ok(confirmed.status === 'ok' && confirmed.recoveryCodes);
    return { secret, recoveryCodes: confirmed.recoveryCodes };
  }

  async function creationOptions(challengeToken: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const url = '/api/auth/mfa/enrol/webauthn/options';
    return (await testApp.app.inject({ method: 'POST', url, payload: { challengeToken } })).json();
  }

  async function requestOptions(challengeToken: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const url = '/api/auth/mfa/webauthn/options';
    return (await testApp.app.inject({ method: 'POST', url, payload: { challengeToken } })).json();
  }

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
    deps = identityDepsOf(testApp.app, identitySettingsFrom(testConfig()));
  });
  after(() => testApp.close());

  it('enrols an authenticator app, then asks for its code at every sign-in and never takes a code twice', async () => {
    const user = await newUser();
    // 1. Enrolment: a seed and an otpauth URI, confirmed with a first code; ten recovery codes, once.
    const challengeToken = challengeOf(await login(user, { enrolMfa: true }));
    const { body: enrolment } = await post('/mfa/enrol/totp', { challengeToken });
    assert.match(enrolment.uri ?? '', /^otpauth:\/\/totp\/CareGraph:doctor\.\d+%40clinic\.example\?/);
    const secret = enrolment.secret ?? '';
    const wrong = await post('/mfa/enrol/totp/confirm', { challengeToken, code: '000000' });
    assert.equal(wrong.body.code, 'ID_INVALID_CODE');
    const { body: confirmed } = await post('/mfa/enrol/totp/confirm', {
      challengeToken,
      code: await generate({ secret }),
    });
    assert.ok(confirmed.status === 'ok');
    assert.equal(confirmed.recoveryCodes?.length, 10);

    // 2. The next sign-in stops at the second factor.
    const next = await login(user);
    assert.equal(next.status, 'mfa-required');
    assert.ok(next.status === 'mfa-required');
    assert.deepEqual(next.methods, ['totp', 'recovery-code']);

    // 3. The code of the next step (within the ±1 window) signs in; its replay does not.
    const code = await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
    const done = await post('/mfa/totp', { challengeToken: next.challengeToken, code });
    assert.equal(done.body.status, 'ok');
    assert.ok(done.body.status === 'ok' && done.body.recoveryCodes === undefined);
    const replay = await post('/mfa/totp', { challengeToken: challengeOf(await login(user)), code });
    assert.equal(replay.status, 401);
    assert.equal(replay.body.code, 'ID_INVALID_CODE');

    // 4. A finished challenge cannot be used again.
    const reused = await post('/mfa/totp', { challengeToken: next.challengeToken, code });
    assert.equal(reused.body.code, 'ID_INVALID_CHALLENGE');
  });

  it('signs in with a recovery code, each code once', async () => {
    const user = await newUser();
    const { recoveryCodes } = await enrolTotp(user);
    const [first = '', second = ''] = recoveryCodes;

    const withCode = await post('/mfa/recovery-code', {
      challengeToken: challengeOf(await login(user)),
      code: first.toUpperCase(),
    });
    const reused = await post('/mfa/recovery-code', { challengeToken: challengeOf(await login(user)), code: first });
    const another = await post('/mfa/recovery-code', { challengeToken: challengeOf(await login(user)), code: second });

    assert.equal(withCode.body.status, 'ok');
    assert.equal(reused.body.code, 'ID_INVALID_CODE');
    assert.equal(another.body.status, 'ok');
  });

  it('spends a challenge after five wrong codes', async () => {
    const user = await newUser();
    await enrolTotp(user);
    const challengeToken = challengeOf(await login(user));

    const codes: (string | undefined)[] = [];
    for (let attempt = 0; attempt < 6; attempt += 1) {
      codes.push((await post('/mfa/recovery-code', { challengeToken, code: 'aaaa-bbbb-cccc-dddd' })).body.code);
    }

    assert.deepEqual(codes, [...Array<string>(5).fill('ID_INVALID_CODE'), 'ID_INVALID_CHALLENGE']);
  });

  it('registers a passkey and signs in with it; a repeated signature counter is refused', async () => {
    const user = await newUser();
    const authenticator = new SoftwareAuthenticator(ORIGIN);
    // 1. Registration ceremony: options bound to this RP, then a 'none' attestation.
    const enrolToken = challengeOf(await login(user, { enrolMfa: true }));
    const creation = await creationOptions(enrolToken);
    assert.equal(creation.rp.id, 'caregraph.test');
    assert.equal(creation.user.name, user.email);
    const registered = await post('/mfa/enrol/webauthn', {
      challengeToken: enrolToken,
      response: authenticator.register(creation),
      name: 'Laptop',
    });
    assert.ok(registered.body.status === 'ok');
    assert.equal(registered.body.recoveryCodes?.length, 10);

    // 2. Authentication ceremony, limited to the user's passkeys.
    const challengeToken = challengeOf(await login(user));
    const request = await requestOptions(challengeToken);
    assert.deepEqual(
      request.allowCredentials?.map((credential) => credential.id),
      [authenticator.credentialId.toString('base64url')],
    );
    const signedIn = await post('/mfa/webauthn', { challengeToken, response: authenticator.authenticate(request) });
    assert.equal(signedIn.body.status, 'ok');

    // 3. A cloned authenticator replays an old counter: refused.
    const cloneToken = challengeOf(await login(user));
    const cloned = await post('/mfa/webauthn', {
      challengeToken: cloneToken,
      response: authenticator.authenticate(await requestOptions(cloneToken), { counter: 1 }),
    });
    assert.equal(cloned.status, 401);
    assert.equal(cloned.body.code, 'ID_PASSKEY_REJECTED');

    // 4. The genuine authenticator, counting on, still signs in.
    const genuineToken = challengeOf(await login(user));
    const genuine = await post('/mfa/webauthn', {
      challengeToken: genuineToken,
      response: authenticator.authenticate(await requestOptions(genuineToken), { counter: 2 }),
    });
    assert.equal(genuine.body.status, 'ok');
  });

  it('refuses an assertion that answers another sign-in’s challenge', async () => {
    const user = await newUser();
    const authenticator = new SoftwareAuthenticator(ORIGIN);
    const enrolToken = challengeOf(await login(user, { enrolMfa: true }));
    await post('/mfa/enrol/webauthn', {
      challengeToken: enrolToken,
      response: authenticator.register(await creationOptions(enrolToken)),
    });

    const firstOptions = await requestOptions(challengeOf(await login(user)));
    const second = challengeOf(await login(user));
    await requestOptions(second);
    const crossed = await post('/mfa/webauthn', {
      challengeToken: second,
      response: authenticator.authenticate(firstOptions),
    });

    assert.equal(crossed.body.code, 'ID_PASSKEY_REJECTED');
  });

  it('makes users of a role that requires MFA enrol at their next sign-in', async () => {
    const nurse = await newUser(['nurse']);
    const staff = await newUser(['staff']);
    await setRoleMfaPolicy(deps, { tenantId: tenant.id, role: 'nurse', required: true, actor: 'test' });

    const nurseLogin = await login(nurse);
    const staffLogin = await login(staff);

    assert.equal(nurseLogin.status, 'mfa-enrolment-required');
    assert.ok(nurseLogin.status === 'mfa-enrolment-required');
    assert.deepEqual(nurseLogin.methods, ['totp', 'webauthn']);
    assert.equal(staffLogin.status, 'ok');
    // A challenge to enrol cannot stand in for a verified factor.
    const misuse = await post('/mfa/recovery-code', {
      challengeToken: nurseLogin.challengeToken,
      code: 'aaaa-bbbb-cccc-dddd',
    });
    assert.equal(misuse.body.code, 'ID_INVALID_CHALLENGE');
  });

  it('lets an administrator reset a user’s MFA, after which a required factor is enrolled again', async () => {
    const user = await newUser(['admin']);
    await enrolTotp(user);
    await setRoleMfaPolicy(deps, { tenantId: tenant.id, role: 'admin', required: true, actor: 'test' });
    assert.equal((await login(user)).status, 'mfa-required');

    const reset = await tenant.request({ method: 'POST', url: `/api/admin/users/${user.id}/reset-mfa` });

    assert.equal(reset.statusCode, 200);
    assert.equal((await login(user)).status, 'mfa-enrolment-required');
    const { rows } = await testApp.db.query<{ count: number }>(
      `SELECT (SELECT count(*) FROM user_totp WHERE tenant_id = $1 AND user_id = $2)
            + (SELECT count(*) FROM user_recovery_code WHERE tenant_id = $1 AND user_id = $2) AS count`,
      [tenant.id, user.id],
    );
    assert.equal(Number(rows[0]?.count), 0);
  });
});
