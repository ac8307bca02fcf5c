import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.ts';
import { loadShippedTerminology } from './modules/terminology/shipped.ts';
import { ensureDemoUsers, ensureInitialAdmin } from './modules/identity/index.ts';
import { importFiles } from './modules/import/index.ts';
import { ensureBootstrapClient } from './modules/oauth/index.ts';
import { createApiKey, ensureTenant } from './modules/tenants/index.ts';
import type { Database } from './platform/db/index.ts';

/**
 * Makes a fresh install usable: the default tenant, its API key, and (once, on an empty tenant)
 * the demo patients. With no CAREGRAPH_API_KEY configured, a key is generated and kept in a
 * private file in the data directory rather than printed to logs.
 */
export async function bootstrapTenant(db: Database, config: Config, log: FastifyBaseLogger): Promise<void> {
  await ensureTenant(db, {
    id: config.defaultTenantId,
    name: config.defaultTenantId === 'demo' ? 'Demo Clinic' : config.defaultTenantId,
  });
  if (config.apiKey) {
    await createApiKey(db, {
      tenantId: config.defaultTenantId,
      label: 'configured',
      roles: ['admin'],
      key: config.apiKey,
    });
  } else {
    const keyFile = path.join(config.dataDir, 'api-key');
    const key = existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : undefined;
    mkdirSync(config.dataDir, { recursive: true });
    const saved = await createApiKey(db, {
      tenantId: config.defaultTenantId,
      label: 'generated',
      roles: ['admin'],
      ...(key ? { key } : {}),
    });
    if (!key) {
      writeFileSync(keyFile, `${saved}\n`, { mode: 0o600 });
      // `mode` applies only when the file is created; an existing empty file keeps its own.
      chmodSync(keyFile, 0o600);
    }
    log.info({ keyFile }, 'no CAREGRAPH_API_KEY set; the API key for the default tenant is in the key file');
  }
  await ensureInitialAdmin(
    db,
    {
      tenantId: config.defaultTenantId,
      email: config.adminEmail,
      password: config.adminPassword,
      passwordFile: path.join(config.dataDir, 'admin-password'),
    },
    log,
  );
  if (config.oauth.bootstrapClient) {
    await ensureBootstrapClient(db, { tenantId: config.defaultTenantId, ...config.oauth.bootstrapClient });
    log.info(
      { clientId: config.oauth.bootstrapClient.clientId },
      'bootstrap OAuth client registered (client_credentials, system/*.*)',
    );
  }
}

/**
 * Loads the demo patients into the default tenant when it holds no Patient yet, and (on the `demo`
 * tenant) the demo sign-ins, one per role, the patient's linked to a demo Patient.
 */
export async function loadDemoDataOnce(db: Database, config: Config, log: FastifyBaseLogger): Promise<void> {
  if (!config.loadDemoData || !existsSync(config.demoDataDir)) {
    return;
  }
  const { rows } = await db.query("SELECT 1 FROM resource WHERE tenant_id = $1 AND resource_type = 'Patient' LIMIT 1", [
    config.defaultTenantId,
  ]);
  if (rows.length === 0) {
    await importDemoData(db, config, log);
  }
  if (config.defaultTenantId === 'demo') {
    const created = await ensureDemoUsers(db, {
      tenantId: config.defaultTenantId,
      patientId: await tryFindFirstId(db, config.defaultTenantId, 'Patient'),
      practitionerId: await tryFindFirstId(db, config.defaultTenantId, 'Practitioner'),
    });
    if (created > 0) {
      log.info({ users: created }, 'demo sign-ins created (see README, Users and sign-in)');
    }
  }
}

/** The smallest id of a stored resource type: a stable pick for linking the demo sign-ins. */
async function tryFindFirstId(db: Database, tenantId: string, resourceType: string): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>(
    'SELECT id FROM resource WHERE tenant_id = $1 AND resource_type = $2 AND NOT deleted ORDER BY id LIMIT 1',
    [tenantId, resourceType],
  );
  return rows[0]?.id;
}

async function importDemoData(db: Database, config: Config, log: FastifyBaseLogger): Promise<void> {
  const started = performance.now();
  const report = await importFiles({
    repo: { db, tenantId: config.defaultTenantId, baseUrl: `${config.baseUrl}/fhir/R4`, now: () => new Date() },
    paths: [config.demoDataDir],
  });
  log.info(
    {
      resources: report.resources,
      errors: report.errors.length,
      seconds: ((performance.now() - started) / 1000).toFixed(1),
    },
    'demo data loaded',
  );
}

/**
 * Loads the code systems shipped with CareGraph, once: a part already loaded costs one query, so
 * this runs at every start, before demo data so the demo's codes resolve from the first request.
 */
export async function loadShippedTerminologyOnce(db: Database, config: Config, log: FastifyBaseLogger): Promise<void> {
  if (!config.loadShippedTerminology) {
    return;
  }
  const report = await loadShippedTerminology(db);
  const loaded = report.parts.filter((part) => part.status !== 'skipped');
  if (loaded.length > 0) {
    log.info(
      {
        parts: loaded.map((part) => part.id),
        concepts: loaded.reduce((sum, part) => sum + part.concepts, 0),
        seconds: (report.milliseconds / 1000).toFixed(1),
      },
      'shipped terminology loaded',
    );
  }
}
