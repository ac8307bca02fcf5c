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
import { createApiKey, ensureTenant } from '../tenants/index.ts';
import type { AuditEntry } from './audit-entry.ts';

export type AuditTestTenant = {
  id: string;
  request: (options: InjectOptions) => Promise<LightMyRequestResponse>;
};

export type AuditTestApp = {
  app: FastifyInstance;
  db: Database;
  /** The PEM file of the tree head signing key. */
  keyFile: string;
  /** A tenant with one API key per label and roles, e.g. `{ admin: ['admin'], nurse: ['clinician'] }`. */
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
        const apiKey = await createApiKey(db, { tenantId: id, label, roles });
        tenant[label] = {
          id,
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
      }
      return {
        id,
        as(label) {
          const found = tenant[label];
          if (!found) {
            throw new Error(`no API key labelled ${label}`);
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
