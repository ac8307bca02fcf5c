import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp, type TestTenant } from '../../test/create-test-app.ts';

describe('tenant settings', () => {
  let testApp: TestApp;
  let tenant: TestTenant;

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
  });
  after(() => testApp.close());

  it('shows and renames the tenant, recording the rename in the audit trail', async () => {
    const shown = await tenant.request({ method: 'GET', url: '/api/admin/tenant' });
    assert.deepEqual(shown.json(), { id: tenant.id, name: `Test ${tenant.id}` });

    const renamed = await tenant.request({
      method: 'PUT',
      url: '/api/admin/tenant',
      payload: JSON.stringify({ name: '  Riverside Clinic ' }),
      headers: { 'content-type': 'application/json' },
    });

    assert.equal(renamed.statusCode, 200, renamed.body);
    assert.deepEqual(renamed.json(), { id: tenant.id, name: 'Riverside Clinic' });
    const { rows } = await testApp.db.query(
      `SELECT 1 FROM audit_entry WHERE content::jsonb ->> 'tenant' = $1
         AND content::jsonb ->> 'interaction' = 'tenant.renamed'`,
      [tenant.id],
    );
    assert.equal(rows.length, 1);
  });

  it('refuses a blank name, callers without credentials, and members of staff who are not administrators', async () => {
    const blank = await tenant.request({
      method: 'PUT',
      url: '/api/admin/tenant',
      payload: JSON.stringify({ name: '   ' }),
      headers: { 'content-type': 'application/json' },
    });
    const anonymous = await testApp.app.inject({ method: 'GET', url: '/api/admin/tenant' });
    const clinician = await tenant.createClient({ roles: ['clinician'] });
    const staff = await testApp.app.inject({
      method: 'GET',
      url: '/api/admin/tenant',
      headers: { authorization: `Bearer ${await clinician.accessToken()}` },
    });

    assert.equal(blank.statusCode, 400);
    assert.equal(anonymous.statusCode, 401);
    assert.equal(staff.statusCode, 403);
    assert.equal(staff.json<{ code: string }>().code, 'TENANT_FORBIDDEN');
  });
});
