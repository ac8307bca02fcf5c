import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, testConfig, type TestApp, type TestTenant } from '../../test/create-test-app.ts';
import { createUser, identityDepsOf, identitySettingsFrom, type IdentityDeps, type UserSummary } from './index.ts';

const PASSWORD = 'violet kettle harbour 42';
const JSON_BODY = { 'content-type': 'application/json' };

describe('user administration', () => {
  let testApp: TestApp;
  let tenant: TestTenant;
  let deps: IdentityDeps;
  let userCount = 0;

  async function newUser(): Promise<UserSummary> {
    userCount += 1;
    return createUser(deps, {
      tenantId: tenant.id,
      email: `desk.${userCount}@clinic.example`,
      displayName: `Front Desk ${userCount}`,
      roles: ['staff'],
      password: PASSWORD,
    });
  }

  const login = (email: string) =>
    testApp.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { tenant: tenant.id, email, password: PASSWORD },
    });

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
    deps = identityDepsOf(testApp.app, identitySettingsFrom(testConfig()));
  });
  after(() => testApp.close());

  it('refuses every admin route without credentials (401) and without the admin role (403)', async () => {
    const user = await newUser();
    const clinicianToken = await (await tenant.createClient({ roles: ['clinician'] })).accessToken();
    const routes: [string, string][] = [
      ['GET', '/api/admin/users'],
      ['POST', '/api/admin/users'],
      ['POST', `/api/admin/users/${user.id}/invite`],
      ['POST', `/api/admin/users/${user.id}/disable`],
      ['POST', `/api/admin/users/${user.id}/enable`],
      ['POST', `/api/admin/users/${user.id}/unlock`],
      ['POST', `/api/admin/users/${user.id}/reset-mfa`],
      ['PUT', `/api/admin/users/${user.id}/roles`],
      ['GET', '/api/admin/mfa-policy'],
      ['PUT', '/api/admin/mfa-policy/nurse'],
    ];

    for (const [method, url] of routes) {
      const anonymous = await testApp.app.inject({ method: method as 'GET', url });
      const clinician = await testApp.app.inject({
        method: method as 'GET',
        url,
        headers: { authorization: `Bearer ${clinicianToken}` },
      });
      assert.equal(anonymous.statusCode, 401, `${method} ${url}`);
      assert.equal(clinician.statusCode, 403, `${method} ${url}`);
      assert.equal(clinician.json<{ code: string }>().code, 'ID_FORBIDDEN');
    }
    const { rows } = await testApp.db.query('SELECT status FROM app_user WHERE tenant_id = $1 AND id = $2', [
      tenant.id,
      user.id,
    ]);
    assert.deepEqual(rows, [{ status: 'active' }]);
  });

  it('lists the tenant’s users with their factors, searchable, and no other tenant’s', async () => {
    const user = await newUser();
    const other = await testApp.createTestTenant();
    await createUser(deps, {
      tenantId: other.id,
      email: user.email,
      displayName: 'Elsewhere',
      roles: ['admin'],
      password: PASSWORD,
    });

    const listed = await tenant.request({
      method: 'GET',
      url: `/api/admin/users?search=${encodeURIComponent(user.email)}`,
    });

    assert.equal(listed.statusCode, 200);
    const { users } = listed.json<{ users: Record<string, unknown>[] }>();
    assert.deepEqual(
      users.map((entry) => [entry.id, entry.displayName, entry.mfa]),
      [[user.id, user.displayName, { totp: false, passkeys: 0, recoveryCodes: 0 }]],
    );
    assert.doesNotMatch(listed.body, /argon2/);
  });

  it('disables an account, whose right password then gets 403, and enables it again', async () => {
    const user = await newUser();

    const disabled = await tenant.request({ method: 'POST', url: `/api/admin/users/${user.id}/disable` });
    const refused = await login(user.email);
    const enabled = await tenant.request({ method: 'POST', url: `/api/admin/users/${user.id}/enable` });

    assert.equal(disabled.json<{ status: string }>().status, 'disabled');
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json<{ code: string }>().code, 'ID_ACCOUNT_DISABLED');
    assert.equal(enabled.json<{ status: string }>().status, 'active');
    assert.equal((await login(user.email)).statusCode, 200);
  });

  it('replaces an account’s roles, refusing unknown ones', async () => {
    const user = await newUser();

    const changed = await tenant.request({
      method: 'PUT',
      url: `/api/admin/users/${user.id}/roles`,
      payload: { roles: ['nurse', 'staff'] },
      headers: JSON_BODY,
    });
    const unknown = await tenant.request({
      method: 'PUT',
      url: `/api/admin/users/${user.id}/roles`,
      payload: { roles: ['superuser'] },
      headers: JSON_BODY,
    });

    assert.deepEqual(changed.json<{ roles: string[] }>().roles, ['nurse', 'staff']);
    assert.equal(unknown.statusCode, 400);
    assert.deepEqual((await login(user.email)).json<{ user: { roles: string[] } }>().user.roles, ['nurse', 'staff']);
  });

  it('answers 404 for a user of another tenant', async () => {
    const other = await testApp.createTestTenant();
    const stranger = await createUser(deps, {
      tenantId: other.id,
      email: 'stranger@clinic.example',
      displayName: 'Stranger',
      roles: ['staff'],
      password: PASSWORD,
    });

    const response = await tenant.request({ method: 'POST', url: `/api/admin/users/${stranger.id}/disable` });

    assert.equal(response.statusCode, 404);
    assert.equal(response.json<{ code: string }>().code, 'ID_USER_NOT_FOUND');
  });

  it('sets and lists the MFA policy per role', async () => {
    const set = await tenant.request({
      method: 'PUT',
      url: '/api/admin/mfa-policy/clinician',
      payload: { required: true },
      headers: JSON_BODY,
    });
    await tenant.request({
      method: 'PUT',
      url: '/api/admin/mfa-policy/patient',
      payload: { required: false },
      headers: JSON_BODY,
    });

    const listed = await tenant.request({ method: 'GET', url: '/api/admin/mfa-policy' });

    assert.equal(set.statusCode, 200);
    assert.deepEqual(listed.json(), {
      policies: [
        { role: 'clinician', required: true },
        { role: 'patient', required: false },
      ],
    });
  });
});
