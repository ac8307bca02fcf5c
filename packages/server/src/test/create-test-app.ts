import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../app.ts';
import { loadConfig, type Config } from '../config.ts';
import { createApiKey, ensureTenant } from '../modules/tenants/index.ts';
import type { Database } from '../platform/db/index.ts';
import { createMetrics, observeQueries, type Metrics } from '../platform/metrics.ts';
import { openTestDatabase } from './test-database.ts';

/** A configuration for tests: silent logs, no demo data, overridable. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    LOG_LEVEL: 'silent',
    CAREGRAPH_DEMO_DATA: 'false',
    CAREGRAPH_TERMINOLOGY: 'false',
    CAREGRAPH_BASE_URL: 'http://caregraph.test',
    ...overrides,
  });
}

/** A tenant of its own with an API key, so test files can share one database. */
export type TestTenant = {
  id: string;
  apiKey: string;
  /** `app.inject` with this tenant's credentials and FHIR JSON content type. */
  request: (options: InjectOptions) => Promise<LightMyRequestResponse>;
};

export type TestApp = {
  app: FastifyInstance;
  db: Database;
  /** The app's metrics; database query durations are observed as in the server. */
  metrics: Metrics;
  createTestTenant: () => Promise<TestTenant>;
  close: () => Promise<void>;
};

/** Builds the app on the test database (PGlite or PostgreSQL, per CAREGRAPH_TEST_DB). */
export async function createTestApp(overrides: Record<string, string> = {}): Promise<TestApp> {
  const metrics = createMetrics();
  const db = await openTestDatabase(observeQueries(metrics));
  const app = await buildApp(testConfig(overrides), { db, metrics });
  await app.ready();
  return {
    app,
    db,
    metrics,
    async createTestTenant() {
      const id = `t-${randomBytes(6).toString('hex')}`;
      await ensureTenant(db, { id, name: `Test ${id}` });
      const apiKey = await createApiKey(db, { tenantId: id, label: 'test', roles: ['admin'] });
      return {
        id,
        apiKey,
        request: (options) =>
          app.inject({
            ...options,
            headers: {
              authorization: `Bearer ${apiKey}`,
              ...(options.payload !== undefined ? { 'content-type': 'application/fhir+json' } : {}),
              ...options.headers,
            },
          }),
      };
    },
    async close() {
      await app.close();
      await db.close();
    },
  };
}
