import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { createTestApp, testConfig, type TestApp, type TestTenant } from '../../test/create-test-app.ts';
import {
  authenticateUser,
  createUser,
  IdentityError,
  identityDepsOf,
  identitySettingsFrom,
  type IdentityDeps,
  type UserSummary,
} from './index.ts';

const OVERRIDES = { CAREGRAPH_LOCKOUT_THRESHOLD: '3', CAREGRAPH_LOCKOUT_MINUTES: '15' };
const PASSWORD = 'violet kettle harbour 42';

describe('password sign-in', () => {
  let testApp: TestApp;
  let tenant: TestTenant;
  let deps: IdentityDeps;
  let userCount = 0;

  async function newUser(): Promise<UserSummary> {
    userCount += 1;
    return createUser(deps, {
      tenantId: tenant.id,
      email: `Nurse.${userCount}@Clinic.Example`,
      displayName: `Nurse ${userCount}`,
      roles: ['nurse'],
      password: PASSWORD,
    });
  }

  function login(email: string, password: string, ip = '198.51.100.1'): Promise<LightMyRequestResponse> {
    return testApp.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { tenant: tenant.id, email, password },
      remoteAddress: ip,
    });
  }

  before(async () => {
    testApp = await createTestApp(OVERRIDES);
    tenant = await testApp.createTestTenant();
    deps = identityDepsOf(testApp.app, identitySettingsFrom(testConfig(OVERRIDES)));
  });
  after(() => testApp.close());

  it('signs in with the right password, any case of the address, and answers no credential material', async () => {
    const user = await newUser();

    const response = await login(user.email.toUpperCase(), PASSWORD);

    assert.equal(response.statusCode, 200);
    const body = response.json<{ status: string; user: Record<string, unknown> }>();
    assert.equal(body.status, 'ok');
    assert.equal(body.user.id, user.id);
    assert.equal(body.user.email, 'nurse.1@clinic.example');
    assert.deepEqual(body.user.roles, ['nurse']);
    assert.doesNotMatch(response.body, /argon2|password/i);
  });

  it('answers a wrong password and an unknown address with the same 401', async () => {
    const user = await newUser();

    const wrongPassword = await login(user.email, 'not the password at all', '198.51.100.2');
    const unknownAddress = await login('nobody@clinic.example', PASSWORD, '198.51.100.2');

    assert.equal(wrongPassword.statusCode, 401);
    assert.equal(wrongPassword.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.deepEqual(wrongPassword.json(), unknownAddress.json());
    assert.equal(wrongPassword.json<{ code: string }>().code, 'ID_INVALID_CREDENTIALS');
  });

  it('slows repeated failures from one address with 429 and Retry-After, without counting refused attempts', async () => {
    const ip = '203.0.113.7';
    // 1. Three free failures (on an address with no account: throttling does not depend on one).
    for (let attempt = 0; attempt < 3; attempt += 1) {
      assert.equal((await login('ghost@clinic.example', 'guess number one', ip)).statusCode, 401);
    }
    // 2. The fourth comes too soon.
    const throttled = await login('ghost@clinic.example', 'guess number two', ip);
    assert.equal(throttled.statusCode, 429);
    assert.equal(throttled.json<{ code: string }>().code, 'ID_THROTTLED');
    const retryAfter = Number(throttled.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 2, `Retry-After ${retryAfter}`);
    // 3. Another address is not held back.
    assert.equal((await login('ghost@clinic.example', 'guess number three', '203.0.113.8')).statusCode, 401);
    const { rows } = await testApp.db.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM login_attempt WHERE tenant_id = $1 AND ip = $2',
      [tenant.id, ip],
    );
    assert.equal(rows[0]?.count, 3);
  });

  it('locks an account after three wrong passwords from different addresses; then even the right one gets 423', async () => {
    const user = await newUser();
    for (const ip of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) {
      assert.equal((await login(user.email, 'wrong password here', ip)).statusCode, 401);
    }

    const right = await login(user.email, PASSWORD, '192.0.2.4');
    const wrong = await login(user.email, 'wrong password here', '192.0.2.5');

    assert.equal(right.statusCode, 423);
    assert.equal(right.json<{ code: string }>().code, 'ID_ACCOUNT_LOCKED');
    const retryAfter = Number(right.headers['retry-after']);
    assert.ok(retryAfter > 14 * 60 && retryAfter <= 15 * 60, `Retry-After ${retryAfter}`);
    // A wrong password learns nothing about the lock.
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.json<{ code: string }>().code, 'ID_INVALID_CREDENTIALS');
  });

  it('unlocks by itself once the lock period has passed', async () => {
    const user = await newUser();
    let now = new Date('2026-03-01T09:00:00Z');
    const clocked: IdentityDeps = { ...deps, now: () => now };
    const attempt = (password: string, ip: string) =>
      authenticateUser(clocked, { tenantId: tenant.id, email: user.email, password, ip });
    // 1. Three failures lock the account for 15 minutes.
    for (const ip of ['10.1.0.1', '10.1.0.2', '10.1.0.3']) {
      await assert.rejects(attempt('wrong password here', ip), { code: 'ID_INVALID_CREDENTIALS' });
    }
    // 2. Fourteen minutes later it is still locked.
    now = new Date('2026-03-01T09:14:00Z');
    await assert.rejects(attempt(PASSWORD, '10.1.0.4'), (error: unknown) => {
      assert.ok(error instanceof IdentityError);
      assert.equal(error.code, 'ID_ACCOUNT_LOCKED');
      assert.equal(error.retryAfterSeconds, 60);
      return true;
    });
    // 3. After sixteen, the right password signs in and the count starts over.
    now = new Date('2026-03-01T09:16:00Z');
    const result = await attempt(PASSWORD, '10.1.0.4');

    assert.equal(result.status, 'ok');
    const { rows } = await testApp.db.query<{ status: string; failed_attempts: number }>(
      'SELECT status, failed_attempts FROM app_user WHERE tenant_id = $1 AND id = $2',
      [tenant.id, user.id],
    );
    assert.deepEqual(rows[0], { status: 'active', failed_attempts: 0 });
  });

  it('lets an administrator unlock a locked account', async () => {
    const user = await newUser();
    for (const ip of ['192.0.2.11', '192.0.2.12', '192.0.2.13']) {
      await login(user.email, 'wrong password here', ip);
    }
    assert.equal((await login(user.email, PASSWORD, '192.0.2.14')).statusCode, 423);

    const unlocked = await tenant.request({ method: 'POST', url: `/api/admin/users/${user.id}/unlock` });

    assert.equal(unlocked.statusCode, 200);
    assert.equal(unlocked.json<{ status: string }>().status, 'active');
    assert.equal((await login(user.email, PASSWORD, '192.0.2.14')).statusCode, 200);
  });

  it('records every attempt in the audit trail by user id, never by address or password', async () => {
    const user = await newUser();
    await login(user.email, 'wrong password here', '192.0.2.21');
    await login(user.email, PASSWORD, '192.0.2.21');

    const { rows } = await testApp.db.query<{ content: string }>(
      `SELECT content FROM audit_entry
       WHERE content::jsonb ->> 'tenant' = $1 AND content::jsonb -> 'agent' @> $2::jsonb
       ORDER BY txid, seq`,
      [tenant.id, JSON.stringify({ kind: 'user', name: user.id })],
    );
    const details = rows.map((row) => JSON.parse(row.content) as { detail: string; outcome: string });

    assert.deepEqual(
      details.map((entry) => [entry.detail, entry.outcome]),
      [
        ['login.password wrong-password', '4'],
        ['login.password', '0'],
        ['login.completed', '0'],
      ],
    );
    assert.ok(rows.every((row) => !row.content.includes(user.email) && !row.content.includes(PASSWORD)));
    const created = await testApp.db.query<{ agent: string }>(
      `SELECT content::jsonb -> 'agent' ->> 'name' AS agent FROM audit_entry
       WHERE content::jsonb ->> 'tenant' = $1 AND content LIKE '%' || $2 || '%'`,
      [tenant.id, `"detail":"user.created user:${user.id}"`],
    );
    assert.deepEqual(created.rows, [{ agent: 'caregraph' }]);
  });
});
