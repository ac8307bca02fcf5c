import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp, type TestTenant } from '../../../test/create-test-app.ts';

const URL_BASE = '/api/admin/identity-providers';
const SECRET = 'upstream-client-secret-4f9d2a';

const settings = (overrides: Record<string, unknown> = {}) => ({
  displayName: 'Regional Health ID',
  issuer: 'https://id.regional-health.example/',
  clientId: 'caregraph',
  clientSecret: SECRET,
  ...overrides,
});

describe('identity provider administration', () => {
  let testApp: TestApp;
  let tenant: TestTenant;

  before(async () => {
    testApp = await createTestApp({ CAREGRAPH_IDENTITY_PROVIDER_KEY: randomBytes(32).toString('base64') });
    tenant = await testApp.createTestTenant();
  });
  after(() => testApp.close());

  const send = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: object) =>
    tenant.request({
      method,
      url,
      ...(body === undefined ? {} : { payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });

  async function entriesFor(providerId: string) {
    const { rows } = await testApp.db.query<{ content: string }>(
      `SELECT content FROM audit_entry WHERE content::jsonb ->> 'tenant' = $1
         AND content::jsonb ->> 'detail' = $2 ORDER BY txid, seq`,
      [tenant.id, `identity-provider:${providerId}`],
    );
    return rows.map((row) => JSON.parse(row.content) as { interaction: string; action: string; type: string });
  }

  it('creates, lists, updates and deletes a provider, each change in the audit trail', async () => {
    // 1. Created with defaults filled in; the issuer loses its trailing slash.
    const created = await send('POST', URL_BASE, settings({ allowedEmailDomains: ['Regional-Health.example'] }));
    assert.equal(created.statusCode, 201, created.body);
    const provider = created.json<Record<string, unknown> & { id: string }>();
    assert.equal(provider.issuer, 'https://id.regional-health.example');
    assert.deepEqual(provider.scopes, ['openid', 'email', 'profile']);
    assert.deepEqual(provider.allowedEmailDomains, ['regional-health.example']);
    assert.equal(provider.hasClientSecret, true);
    assert.equal(provider.enabled, true);
    assert.equal(provider.redirectUri, 'http://caregraph.test/oauth/upstream/callback');

    // 2. Listed and read back, never with the secret.
    const list = await send('GET', URL_BASE);
    assert.deepEqual(
      list.json<{ providers: { id: string }[] }>().providers.map((entry) => entry.id),
      [provider.id],
    );
    const read = await send('GET', `${URL_BASE}/${provider.id}`);
    assert.equal(read.statusCode, 200);
    assert.ok(![created.body, list.body, read.body].some((body) => body.includes(SECRET)));

    // 3. Updated without a secret: the stored one is kept; then with a new one.
    const updated = await send('PUT', `${URL_BASE}/${provider.id}`, {
      ...settings({ displayName: 'Regional ID', justInTimeProvisioning: true, defaultRole: 'nurse' }),
      clientSecret: undefined,
    });
    assert.equal(updated.statusCode, 200, updated.body);
    assert.equal(updated.json<{ displayName: string }>().displayName, 'Regional ID');
    assert.equal(updated.json<{ defaultRole: string }>().defaultRole, 'nurse');
    const rotated = await send('PUT', `${URL_BASE}/${provider.id}`, settings({ clientSecret: 'a-new-secret-value' }));
    assert.equal(rotated.statusCode, 200);

    // 4. Deleted: gone from the list, a second delete is 404.
    assert.equal((await send('DELETE', `${URL_BASE}/${provider.id}`)).statusCode, 204);
    assert.equal((await send('GET', `${URL_BASE}/${provider.id}`)).statusCode, 404);
    const again = await send('DELETE', `${URL_BASE}/${provider.id}`);
    assert.equal(again.statusCode, 404);
    assert.equal(again.json<{ code: string }>().code, 'SSO_PROVIDER_NOT_FOUND');

    assert.deepEqual(
      (await entriesFor(provider.id)).map((entry) => [entry.type, entry.interaction, entry.action]),
      [
        ['security', 'identity-provider.created', 'C'],
        ['security', 'identity-provider.updated', 'U'],
        ['security', 'identity-provider.secret-replaced', 'U'],
        ['security', 'identity-provider.deleted', 'D'],
      ],
    );
  });

  it('keeps the client secret sealed in the database', async () => {
    const created = await send('POST', URL_BASE, settings());
    const { id } = created.json<{ id: string }>();

    const { rows } = await testApp.db.query<{ client_secret_sealed: string }>(
      'SELECT client_secret_sealed FROM identity_provider WHERE tenant_id = $1 AND id = $2',
      [tenant.id, id],
    );
    const sealed = rows[0]?.client_secret_sealed ?? '';
    assert.match(sealed, /^v1\.[0-9a-f]{16}\.[\w-]+\.[\w-]+$/);
    assert.ok(!sealed.includes(SECRET));
    assert.ok(
      !Buffer.from(sealed.split('.')[3] ?? '', 'base64url')
        .toString('latin1')
        .includes(SECRET),
    );
  });

  it('refuses settings that cannot work, and stores nothing', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ issuer: 'http://id.regional-health.example' }, /https:\/\//],
      [{ issuer: 'https://id.example/?tenant=1' }, /no query/],
      [{ justInTimeProvisioning: true }, /default role/],
      [{ allowedEmailDomains: ['not a domain'] }, /not a domain name/],
    ];
    const before = (await send('GET', URL_BASE)).json<{ providers: unknown[] }>().providers.length;
    for (const [overrides, message] of cases) {
      const response = await send('POST', URL_BASE, settings(overrides));
      assert.equal(response.statusCode, 400, JSON.stringify(overrides));
      assert.equal(response.json<{ code: string }>().code, 'SSO_INVALID_PROVIDER');
      assert.match(response.json<{ title: string }>().title, message);
    }
    // The schema refuses roles that are granted by hand only.
    const admin = await send('POST', URL_BASE, settings({ justInTimeProvisioning: true, defaultRole: 'admin' }));
    assert.equal(admin.statusCode, 400);
    assert.equal((await send('GET', URL_BASE)).json<{ providers: unknown[] }>().providers.length, before);
  });

  it('accepts plain http only for an issuer on a loopback address', async () => {
    for (const issuer of ['http://127.0.0.1:9999', 'http://localhost:9999/realm', 'http://[::1]:9999']) {
      const response = await send('POST', URL_BASE, settings({ issuer }));
      assert.equal(response.statusCode, 201, `${issuer}: ${response.body}`);
    }
  });

  it('answers 401 without credentials and 403 to a member of staff who is not an administrator', async () => {
    const created = await send('POST', URL_BASE, settings());
    const { id } = created.json<{ id: string }>();
    const clinician = await tenant.createClient({ roles: ['clinician'] });
    const routes: ['GET' | 'POST' | 'PUT' | 'DELETE', string][] = [
      ['GET', URL_BASE],
      ['POST', URL_BASE],
      ['GET', `${URL_BASE}/${id}`],
      ['PUT', `${URL_BASE}/${id}`],
      ['DELETE', `${URL_BASE}/${id}`],
    ];
    for (const [method, url] of routes) {
      const anonymous = await testApp.app.inject({ method, url });
      const staff = await testApp.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${await clinician.accessToken()}` },
      });
      assert.equal(anonymous.statusCode, 401, `${method} ${url}`);
      assert.equal(staff.statusCode, 403, `${method} ${url}`);
      assert.equal(staff.json<{ code: string }>().code, 'SSO_FORBIDDEN');
    }
    assert.equal((await send('GET', `${URL_BASE}/${id}`)).statusCode, 200);
  });

  it('keeps each tenant’s providers to itself', async () => {
    const created = await send('POST', URL_BASE, settings());
    const { id } = created.json<{ id: string }>();
    const other = await testApp.createTestTenant();

    const read = await other.request({ method: 'GET', url: `${URL_BASE}/${id}` });
    const removed = await other.request({ method: 'DELETE', url: `${URL_BASE}/${id}` });

    assert.equal(read.statusCode, 404);
    assert.equal(removed.statusCode, 404);
    assert.deepEqual((await other.request({ method: 'GET', url: URL_BASE })).json(), { providers: [] });
  });
});
