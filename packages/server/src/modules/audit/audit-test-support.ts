// An app on a database of its own for the audit tests: the audit log is global to a database, so
// tests that verify the whole log, or tamper with it, must not share one.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { buildApp } from '../../app.ts';
import { migrate, openDatabase, type Database } from '../../platform/db/index.ts';
import { testConfig } from '../../test/create-test-app.ts';
import { createTempDir } from '../../test/temp-dir.ts';
import { testDatabaseMode } from '../../test/test-database.ts';
import { OAUTH_ROUTES, registerClient } from '../oauth/index.ts';
import { ensureTenant } from '../tenants/index.ts';
import type { AuditEntry } from './audit-entry.ts';

export type AuditTestTenant = {
  id: string;
  /** The client id its requests are made with: the `name` of the entries' agent. */
  agentName: string;
  request: (options: InjectOptions) => Promise<LightMyRequestResponse>;
};

export type AuditTestApp = {
  app: FastifyInstance;
  db: Database;
  /** The PEM file of the tree head signing key. */
  keyFile: string;
  /**
   * A tenant with one OAuth system client (client credentials, `system/*.*`) per label and roles,
   * e.g. `{ admin: ['admin'], nurse: ['clinician'] }`; requests carry the client's access token.
   */
  createTenant: (keys: Record<string, string[]>) => Promise<{ id: string; as: (label: string) => AuditTestTenant }>;
  close: () => Promise<void>;
};

/** A fresh database: in-memory PGlite, or a PostgreSQL database created (and dropped) for the file. */
async function openIsolatedDatabase(): Promise<{ db: Database; drop: () => Promise<void> }> {
  if (testDatabaseMode() !== 'postgres') {
    const db = await openDatabase({ databaseUrl: undefined, dataDir: 'memory://', databasePoolSize: 1 });
    await migrate(db);
    return { db, drop: async () => {} };
  }
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    throw new Error('CAREGRAPH_TEST_DB=postgres needs TEST_DATABASE_URL');
  }
  const name = `audit_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const databaseUrl = new URL(url);
  databaseUrl.pathname = `/${name}`;
  const db = await openDatabase({ databaseUrl: databaseUrl.toString(), dataDir: 'memory://', databasePoolSize: 4 });
  await migrate(db);
  return {
    db,
    async drop() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** A tenant's entries (or, for `null`, those of no tenant), in the order they were written. */
export async function readEntries(db: Database, tenantId: string | null): Promise<AuditEntry[]> {
  const { rows } = await db.query<{ content: string }>(
    `SELECT content FROM audit_entry WHERE (content::jsonb ->> 'tenant') IS NOT DISTINCT FROM $1 ORDER BY txid, seq`,
    [tenantId],
  );
  return rows.map((row) => JSON.parse(row.content) as AuditEntry);
}

/** Registers a system client and answers an access token from the real token endpoint, as a script gets one. */
async function createClientToken(
  app: FastifyInstance,
  db: Database,
  options: { tenantId: string; clientId: string; roles: string[] },
): Promise<string> {
  const { clientSecret = '' } = await registerClient(db, {
    tenantId: options.tenantId,
    clientId: options.clientId,
    clientName: options.clientId,
    isConfidential: true,
    grantTypes: ['client_credentials'],
    allowedScopes: ['system/*.*'],
    roles: options.roles,
  });
  const response = await app.inject({
    method: 'POST',
    url: OAUTH_ROUTES.token,
    headers: {
      authorization: `Basic ${Buffer.from(`${options.clientId}:${clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    payload: 'grant_type=client_credentials',
  });
  if (response.statusCode !== 200) {
    throw new Error(`no token for ${options.clientId}: ${response.statusCode} ${response.body.slice(0, 300)}`);
  }
  return response.json<{ access_token: string }>().access_token;
}

/** Builds the app on an isolated database with a signing key in a temporary file. */
export async function createAuditTestApp(): Promise<AuditTestApp> {
  const dir = createTempDir('audit-key');
  const keyFile = path.join(dir.path, 'signing-key.pem');
  writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const { db, drop } = await openIsolatedDatabase();
  const app = await buildApp(testConfig({ CAREGRAPH_AUDIT_SIGNING_KEY: keyFile }), { db });
  await app.ready();
  return {
    app,
    db,
    keyFile,
    async createTenant(keys) {
      const id = `t-${randomBytes(6).toString('hex')}`;
      await ensureTenant(db, { id, name: `Test ${id}` });
      const tenant: Record<string, AuditTestTenant> = {};
      for (const [label, roles] of Object.entries<string[]>(keys)) {
        const token = await createClientToken(app, db, { tenantId: id, clientId: `${label}-${id}`, roles });
        tenant[label] = {
          id,
          agentName: `${label}-${id}`,
          request: (options) =>
            app.inject({
              ...options,
              headers: {
                authorization: `Bearer ${token}`,
                ...(options.payload !== undefined ? { 'content-type': 'application/fhir+json' } : {}),
                ...options.headers,
              },
            }),
        };
      }
      return {
        id,
        as(label) {
          const found = tenant[label];
          if (!found) {
            throw new Error(`no client labelled ${label}`);
          }
          return found;
        },
      };
    },
    async close() {
      await app.close();
      await db.close();
      await drop();
      dir.remove();
    },
  };
}
