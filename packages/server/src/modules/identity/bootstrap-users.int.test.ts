import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTempDir, type TempDir } from '../../test/temp-dir.ts';
import { createTestApp, type TestApp } from '../../test/create-test-app.ts';
import { DEMO_USERS, ensureDemoUsers, ensureInitialAdmin } from './index.ts';

describe('start-up sign-ins', () => {
  let testApp: TestApp;
  let temp: TempDir;

  const login = (tenant: string, email: string, password: string) =>
    testApp.app.inject({ method: 'POST', url: '/api/auth/login', payload: { tenant, email, password } });

  before(async () => {
    testApp = await createTestApp();
    temp = createTempDir('identity-bootstrap');
  });
  after(async () => {
    await testApp.close();
    temp.remove();
  });

  it('creates the first administrator with a generated password kept in a private file, once', async () => {
    const tenant = await testApp.createTestTenant();
    const passwordFile = path.join(temp.path, tenant.id, 'admin-password');
    const options = { tenantId: tenant.id, email: 'admin@clinic.example', password: undefined, passwordFile };

    await ensureInitialAdmin(testApp.db, options, testApp.app.log);
    const password = readFileSync(passwordFile, 'utf8').trim();
    await ensureInitialAdmin(testApp.db, { ...options, password: 'a different configured password' }, testApp.app.log);

    assert.equal(statSync(passwordFile).mode & 0o777, 0o600);
    assert.ok(password.length >= 24);
    const signedIn = await login(tenant.id, 'admin@clinic.example', password);
    assert.equal(signedIn.statusCode, 200);
    assert.deepEqual(signedIn.json<{ user: { roles: string[] } }>().user.roles, ['admin']);
    const { rows } = await testApp.db.query('SELECT count(*)::int AS count FROM app_user WHERE tenant_id = $1', [
      tenant.id,
    ]);
    assert.deepEqual(rows, [{ count: 1 }]);
  });

  it('uses the configured administrator password and writes no file', async () => {
    const tenant = await testApp.createTestTenant();
    const passwordFile = path.join(temp.path, tenant.id, 'admin-password');

    await ensureInitialAdmin(
      testApp.db,
      { tenantId: tenant.id, email: 'root@clinic.example', password: 'configured admin passphrase', passwordFile },
      testApp.app.log,
    );

    assert.equal((await login(tenant.id, 'root@clinic.example', 'configured admin passphrase')).statusCode, 200);
    assert.throws(() => statSync(passwordFile), { code: 'ENOENT' });
  });

  it('creates one demo sign-in per role with the documented passwords, the patient linked to a Patient', async () => {
    const tenant = await testApp.createTestTenant();
    const options = { tenantId: tenant.id, patientId: 'pat-1', practitionerId: 'pr-9' };

    const created = await ensureDemoUsers(testApp.db, options);
    const again = await ensureDemoUsers(testApp.db, options);

    assert.deepEqual([created, again], [DEMO_USERS.length, 0]);
    for (const demo of DEMO_USERS) {
      const signedIn = await login(tenant.id, demo.email, demo.password);
      assert.equal(signedIn.statusCode, 200, demo.email);
      const { user } = signedIn.json<{ user: { roles: string[]; patientId?: string; fhirUser?: string } }>();
      assert.deepEqual(user.roles, [demo.role]);
      if (demo.role === 'patient') {
        assert.deepEqual([user.patientId, user.fhirUser], ['pat-1', 'Patient/pat-1']);
      }
      if (demo.role === 'clinician') {
        assert.equal(user.fhirUser, 'Practitioner/pr-9');
      }
    }
  });

  it('puts the demo clinician and a new demo nurse on an active care team of every demo patient, once', async () => {
    const tenant = await testApp.createTestTenant();
    const create = async (resource: object) =>
      (
        await tenant.request({
          method: 'POST',
          url: '/fhir/R4/' + (resource as { resourceType: string }).resourceType,
          payload: resource,
        })
      ).json<{ id: string }>().id;
    const practitionerId = await create({ resourceType: 'Practitioner', name: [{ family: 'Demo' }] });
    const patientIds = [
      await create({ resourceType: 'Patient', gender: 'female' }),
      await create({ resourceType: 'Patient', gender: 'male' }),
    ];

    await ensureDemoUsers(testApp.db, { tenantId: tenant.id, patientId: patientIds[0], practitionerId });
    await ensureDemoUsers(testApp.db, { tenantId: tenant.id, patientId: patientIds[0], practitionerId });

    const nurse = DEMO_USERS.find((demo) => demo.role === 'nurse');
    const signedIn = await login(tenant.id, nurse?.email ?? '', nurse?.password ?? '');
    const nurseUser = signedIn.json<{ user: { fhirUser?: string } }>().user;
    assert.match(nurseUser.fhirUser ?? '', /^Practitioner\//);
    const teams = (await tenant.request({ method: 'GET', url: '/fhir/R4/CareTeam?status=active&_count=50' })).json<{
      entry?: { resource: { subject: { reference: string }; participant: { member: { reference: string } }[] } }[];
    }>();
    assert.deepEqual(
      (teams.entry ?? []).map((entry) => entry.resource.subject.reference).sort(),
      patientIds.map((id) => `Patient/${id}`).sort(),
    );
    for (const entry of teams.entry ?? []) {
      assert.deepEqual(
        entry.resource.participant.map((participant) => participant.member.reference),
        [`Practitioner/${practitionerId}`, nurseUser.fhirUser],
      );
    }
  });
});
