import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.ts';
import { loadShippedTerminology } from './modules/terminology/shipped.ts';
import { ensureDemoUsers, ensureInitialAdmin } from './modules/identity/index.ts';
import { importFiles } from './modules/import/index.ts';
import { ensureDemoPortalData } from './modules/portal/index.ts';
import { ensureBootstrapClient, OAUTH_ROUTES } from './modules/oauth/index.ts';
import { createApiKey, ensureTenant } from './modules/tenants/index.ts';
import type { Database } from './platform/db/index.ts';

/** The id of the bootstrap client when CAREGRAPH_BOOTSTRAP_CLIENT_ID/SECRET are not configured. */
export const GENERATED_BOOTSTRAP_CLIENT_ID = 'caregraph-bootstrap';

/** Where the generated bootstrap client's secret is kept, below the data directory. */
export const BOOTSTRAP_CLIENT_SECRET_FILE = 'client-secret';

/**
 * Makes a fresh install usable: the default tenant, its first administrator and the bootstrap
 * OAuth client scripts get tokens with (client_credentials, `system/*.*`). With no client
 * configured, one is made with the id `caregraph-bootstrap` and a generated secret kept in a
 * private file in the data directory rather than printed to logs.
 */
export async function bootstrapTenant(db: Database, config: Config, log: FastifyBaseLogger): Promise<void> {
  await ensureTenant(db, {
    id: config.defaultTenantId,
    name: config.defaultTenantId === 'demo' ? 'Demo Clinic' : config.defaultTenantId,
  });
  warnOfRetiredApiKeys(config, log);
  if (config.apiKey) {
    // Registered only to be recognised: a script still sending it is told to use a token (403)
    // rather than that its credential is unknown (401).
    await createApiKey(db, {
      tenantId: config.defaultTenantId,
      label: 'configured',
      roles: [],
      key: config.apiKey,
    });
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
  const client = config.oauth.bootstrapClient ?? {
    clientId: GENERATED_BOOTSTRAP_CLIENT_ID,
    clientSecret: readOrCreateSecret(path.join(config.dataDir, BOOTSTRAP_CLIENT_SECRET_FILE)),
  };
  await ensureBootstrapClient(db, { tenantId: config.defaultTenantId, ...client });
  const tokenEndpoint = `${config.oauth.issuer}${OAUTH_ROUTES.token}`;
  if (config.oauth.bootstrapClient) {
    log.info(
      { clientId: client.clientId, tokenEndpoint },
      'bootstrap OAuth client registered (client_credentials, system/*.*)',
    );
  } else {
    const secretFile = path.join(config.dataDir, BOOTSTRAP_CLIENT_SECRET_FILE);
    log.info(
      {
        clientId: client.clientId,
        secretFile,
        tokenEndpoint,
        getToken: `curl -u ${client.clientId}:"$(cat ${secretFile})" -d grant_type=client_credentials ${tokenEndpoint}`,
      },
      'no CAREGRAPH_BOOTSTRAP_CLIENT_SECRET set; the bootstrap client secret is in the secret file',
    );
  }
}

/** The secret kept in `file`, or a new one written there (mode 0600). */
function readOrCreateSecret(file: string): string {
  const saved = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  if (saved.length >= 32) {
    return saved;
  }
  const secret = randomBytes(32).toString('base64url');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  // `mode` applies only when the file is created; an existing (empty or short) file keeps its own.
  chmodSync(file, 0o600);
  return secret;
}

/** API keys grant nothing any more; an operator still configuring or keeping one is told once, at start. */
function warnOfRetiredApiKeys(config: Config, log: FastifyBaseLogger): void {
  const keyFile = path.join(config.dataDir, 'api-key');
  if (config.apiKey || existsSync(keyFile)) {
    log.warn(
      { ...(config.apiKey ? { setting: 'CAREGRAPH_API_KEY' } : { keyFile }) },
      'API keys no longer grant access to the HTTP API; get a token with the bootstrap OAuth client (client_credentials)',
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
    await ensureDemoPortalData(db, {
      tenantId: config.defaultTenantId,
      fhirBaseUrl: `${config.baseUrl}/fhir/R4`,
      now: new Date(),
    });
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
