import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../app.ts';
import { loadConfig, type Config } from '../config.ts';
import { OAUTH_ROUTES, registerClient } from '../modules/oauth/index.ts';
import { ensureTenant } from '../modules/tenants/index.ts';
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

/** A confidential OAuth client registered for tests: client credentials, `system/` scopes. */
export type TestClient = {
  clientId: string;
  clientSecret: string;
  /** A current access token of the client: fetched once, fetched again shortly before it expires. */
  accessToken: () => Promise<string>;
};

/**
 * A tenant of its own with an OAuth system client (client credentials, `system/*.*`, role
 * `admin`), so test files can share one database.
 */
export type TestTenant = {
  id: string;
  client: TestClient;
  /** The tenant client's current access token (see `TestClient.accessToken`). */
  accessToken: () => Promise<string>;
  /** `app.inject` with the tenant client's access token and FHIR JSON content type. */
  request: (options: InjectOptions) => Promise<LightMyRequestResponse>;
  /** Another system client of this tenant, for tests of what a role or scope may do. */
  createClient: (options: { roles: string[]; scopes?: string[] }) => Promise<TestClient>;
};

export type TestApp = {
  app: FastifyInstance;
  db: Database;
  /** The app's metrics; database query durations are observed as in the server. */
  metrics: Metrics;
  createTestTenant: () => Promise<TestTenant>;
  close: () => Promise<void>;
};

/** Renew this long before expiry, so a token handed out is never one a slow test sees expire. */
const RENEW_BEFORE_MS = 5 * 60_000;

/**
 * Registers a client and answers a token source for it. Tokens come from the real token endpoint
 * (through `app.inject`), as a script's would: issuance, signing and its audit entry included.
 */
async function createTestClient(
  app: FastifyInstance,
  db: Database,
  options: { tenantId: string; roles: string[]; scopes: string[] },
): Promise<TestClient> {
  const { clientId, clientSecret } = await registerClient(db, {
    tenantId: options.tenantId,
    clientId: `test-${randomBytes(6).toString('hex')}`,
    clientName: 'Test system client',
    isConfidential: true,
    grantTypes: ['client_credentials'],
    allowedScopes: options.scopes,
    roles: options.roles,
  });
  if (clientSecret === undefined) {
    throw new Error('a confidential client has a secret');
  }
  let current: { token: string; renewAt: number } | undefined;
  const fetchToken = async () => {
    const response = await app.inject({
      method: 'POST',
      url: OAUTH_ROUTES.token,
      headers: {
        authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: 'grant_type=client_credentials',
    });
    if (response.statusCode !== 200) {
      throw new Error(`the test client got no token: ${response.statusCode} ${response.body.slice(0, 300)}`);
    }
    const body = response.json<{ access_token: string; expires_in: number }>();
    return { token: body.access_token, renewAt: Date.now() + body.expires_in * 1000 - RENEW_BEFORE_MS };
  };
  return {
    clientId,
    clientSecret,
    async accessToken() {
      if (!current || Date.now() >= current.renewAt) {
        current = await fetchToken();
      }
      return current.token;
    },
  };
}

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
      const client = await createTestClient(app, db, { tenantId: id, roles: ['admin'], scopes: ['system/*.*'] });
      // Fetched now, so a test's first request costs what every later one does.
      await client.accessToken();
      return {
        id,
        client,
        accessToken: client.accessToken,
        request: async (options) =>
          app.inject({
            ...options,
            headers: {
              authorization: `Bearer ${await client.accessToken()}`,
              ...(options.payload !== undefined ? { 'content-type': 'application/fhir+json' } : {}),
              ...options.headers,
            },
          }),
        createClient: ({ roles, scopes = ['system/*.*'] }) =>
          createTestClient(app, db, { tenantId: id, roles, scopes }),
      };
    },
    async close() {
      await app.close();
      await db.close();
    },
  };
}
