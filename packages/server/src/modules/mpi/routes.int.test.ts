import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ModelVersion, MpiSettings } from '@caregraph/core/domain';
import { createTestApp, type TestApp } from '../../test/create-test-app.ts';
import { createResource, json } from '../fhir/fhir-test-support.ts';
import { buildPerson, BORDERLINE, NEAR_DUPLICATE, SOMEONE_ELSE } from './mpi-test-support.ts';

describe('master patient index API', () => {
  let testApp: TestApp;

  before(async () => {
    testApp = await createTestApp();
  });
  after(async () => {
    await testApp.close();
  });

  const jsonHeaders = { 'content-type': 'application/json' };

  it('trains a new model version, rolls back to it, and lists versions', async () => {
    const tenant = await testApp.createTestTenant();
    for (const overrides of [{}, NEAR_DUPLICATE, BORDERLINE, SOMEONE_ELSE]) {
      await createResource(tenant, buildPerson(overrides));
    }
    // 1. Two trainings: versions 1 and 2, the latest active.
    for (const version of [1, 2]) {
      const trained = await tenant.request({
        method: 'POST',
        url: '/api/mpi/train',
        payload: { seed: 7 },
        headers: jsonHeaders,
      });
      assert.equal(trained.statusCode, 200, trained.body);
      const model = json<ModelVersion>(trained);
      assert.equal(model.version, version);
      assert.equal(model.active, true);
      assert.equal(model.records, 4);
    }
    // 2. Rollback to version 1.
    const activated = await tenant.request({ method: 'POST', url: '/api/mpi/models/1/activate' });
    assert.equal(activated.statusCode, 200, activated.body);
    const list = json<{ models: ModelVersion[] }>(await tenant.request({ method: 'GET', url: '/api/mpi/models' }));
    assert.deepEqual(
      list.models.map((model) => [model.version, model.active]),
      [
        [2, false],
        [1, true],
      ],
    );
    // 3. An unknown version is a 404 with its code.
    const missing = await tenant.request({ method: 'POST', url: '/api/mpi/models/9/activate' });
    assert.equal(missing.statusCode, 404);
    assert.equal(json<{ code: string }>(missing).code, 'MPI_MODEL_NOT_FOUND');
  });

  it('refuses training, rollback and settings without the admin role, and training an empty tenant', async () => {
    const tenant = await testApp.createTestTenant();
    const empty = await tenant.request({ method: 'POST', url: '/api/mpi/train' });
    assert.equal(empty.statusCode, 409, empty.body);
    assert.equal(json<{ code: string }>(empty).code, 'MPI_NOT_ENOUGH_RECORDS');
    const key = await (await tenant.createClient({ roles: [] })).accessToken();
    const asClerk = (method: 'POST' | 'PUT' | 'GET', url: string, payload?: unknown) =>
      testApp.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${key}`, ...(payload ? jsonHeaders : {}) },
        ...(payload ? { payload: JSON.stringify(payload) } : {}),
      });
    for (const response of [
      await asClerk('POST', '/api/mpi/train'),
      await asClerk('POST', '/api/mpi/models/1/activate'),
      await asClerk('PUT', '/api/mpi/settings', { sourceTrust: ['urn:a'] }),
    ]) {
      assert.equal(response.statusCode, 403, response.body);
      assert.equal(json<{ code: string }>(response).code, 'MPI_FORBIDDEN');
    }
    // The review queue shows patients' demographics: the access policy must grant Patient read over every patient.
    assert.equal((await asClerk('GET', '/api/mpi/reviews')).statusCode, 403);
    assert.equal((await testApp.app.inject({ method: 'GET', url: '/api/mpi/reviews' })).statusCode, 401);
  });

  it('stores the source trust order and answers 404s with codes', async () => {
    const tenant = await testApp.createTestTenant();
    const saved = await tenant.request({
      method: 'PUT',
      url: '/api/mpi/settings',
      payload: { sourceTrust: ['urn:registration', 'urn:lab'] },
      headers: jsonHeaders,
    });
    assert.equal(saved.statusCode, 200, saved.body);
    assert.deepEqual(json<MpiSettings>(await tenant.request({ method: 'GET', url: '/api/mpi/settings' })), {
      sourceTrust: ['urn:registration', 'urn:lab'],
    });
    const review = await tenant.request({ method: 'GET', url: '/api/mpi/reviews/nope' });
    assert.equal(json<{ code: string }>(review).code, 'MPI_REVIEW_NOT_FOUND');
    const person = await tenant.request({ method: 'GET', url: '/api/mpi/persons/nope' });
    assert.equal(person.statusCode, 404);
    assert.equal(json<{ code: string }>(person).code, 'MPI_PERSON_NOT_FOUND');
    const cursor = await tenant.request({ method: 'GET', url: '/api/mpi/reviews?cursor=xyz' });
    assert.equal(cursor.statusCode, 400);
    assert.equal(json<{ code: string }>(cursor).code, 'MPI_BAD_CURSOR');
  });
});
