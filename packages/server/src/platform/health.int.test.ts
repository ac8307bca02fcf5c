import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../test/create-test-app.ts';
import { testDatabaseMode } from '../test/test-database.ts';

describe('health checks', () => {
  let testApp: TestApp;

  before(async () => {
    testApp = await createTestApp();
  });

  after(() => testApp.close());

  it('answers /healthz with 200 and no credentials', async () => {
    const response = await testApp.app.inject({ method: 'GET', url: '/healthz' });

    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { status: 'ok' });
  });

  it('answers /readyz with 200 and the database mode when the database answers', async () => {
    const response = await testApp.app.inject({ method: 'GET', url: '/readyz' });

    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { status: 'ready', database: testDatabaseMode() });
  });

  it('answers /readyz with 503 once shutdown has begun, while /healthz still answers 200', async () => {
    const isolated = await createTestApp();
    try {
      isolated.app.markNotReady();

      const ready = await isolated.app.inject({ method: 'GET', url: '/readyz' });
      const healthy = await isolated.app.inject({ method: 'GET', url: '/healthz' });

      assert.equal(ready.statusCode, 503);
      assert.deepEqual(ready.json(), { status: 'shutting-down' });
      assert.equal(healthy.statusCode, 200);
    } finally {
      await isolated.close();
    }
  });

  it('answers /readyz with 503 when the database is unreachable', async () => {
    const isolated = await createTestApp();
    try {
      // 1. Take the database away from under the app.
      await isolated.db.close();

      const response = await isolated.app.inject({ method: 'GET', url: '/readyz' });

      assert.equal(response.statusCode, 503);
      assert.deepEqual(response.json(), { status: 'database-unavailable' });
    } finally {
      await isolated.app.close();
    }
  });
});
