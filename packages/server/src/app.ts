import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import type { Config } from './config.ts';
import { accessPlugin } from './modules/access/index.ts';
import { auditPlugin } from './modules/audit/index.ts';
import { hstsPlugin, httpsOptionsFrom, withConfiguredEncryption } from './modules/encryption/index.ts';
import { fhirPlugin } from './modules/fhir/index.ts';
import { identityPlugin, identitySettingsFrom, tryFindUser } from './modules/identity/index.ts';
import { journeyPlugin } from './modules/journey/index.ts';
import { mpiPlugin } from './modules/mpi/index.ts';
import { oauthPlugin, oauthSettingsFrom } from './modules/oauth/index.ts';
import { registerTenantSettingsRoutes } from './modules/tenants/tenant-settings.ts';
import { terminologyPlugin } from './modules/terminology/index.ts';
import { bindingsPlugin } from './modules/terminology/bindings/index.ts';
import type { Database } from './platform/db/index.ts';
import { dbPlugin } from './platform/db-plugin.ts';
import { healthPlugin } from './platform/health.ts';
import { loggerOptions } from './platform/logging.ts';
import { createMailer, mailerPlugin } from './platform/mailer.ts';
import { createMetrics, metricsPlugin, type Metrics } from './platform/metrics.ts';
import { problemErrorHandler, problemNotFoundHandler } from './platform/problem-errors.ts';
import { requestContextPlugin } from './platform/request-context.ts';
import { webAppNotFoundHandler } from './platform/web-app.ts';

export const VERSION = '0.1.0';

/** What `buildApp` needs beyond configuration. */
export type AppDependencies = {
  db: Database;
  metrics?: Metrics;
  /** Close the database with the app (true when the app opened it). */
  ownsDatabase?: boolean;
  /** Where logs go; tests capture them to check redaction. */
  logStream?: DestinationStream;
};

/** Builds the whole server: platform plugins, then modules. Never listens. */
export async function buildApp(config: Config, dependencies: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(config.logLevel, dependencies.logStream),
    bodyLimit: config.bodyLimit,
    // Let in-flight requests finish on close while refusing new ones (graceful shutdown).
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true },
    // HTTPS when a certificate and key are configured.
    ...httpsOptionsFrom(config.tls),
  });
  app.setErrorHandler(problemErrorHandler);
  const hasWebApp = existsSync(config.webDistDir);
  // Fastify's default 404 handler logs the full URL, query string included; these log nothing.
  app.setNotFoundHandler(hasWebApp ? webAppNotFoundHandler : problemNotFoundHandler);
  await app.register(hstsPlugin, { settings: config.tls });
  // Every module reads and writes through this: sealed fields are opened in query results, and sealed on write.
  const db = withConfiguredEncryption(dependencies.db, config.encryption);
  await app.register(dbPlugin, { db, closeOnShutdown: dependencies.ownsDatabase ?? false });
  // Before every other route: it lists them (the authorisation matrix test) and serves access policies.
  await app.register(accessPlugin);
  await app.register(metricsPlugin, { metrics: dependencies.metrics ?? createMetrics() });
  await app.register(requestContextPlugin);
  // Before every module: FHIR, journey and authentication record through `app.audit`.
  await app.register(auditPlugin, {
    signingKey: { keyFile: config.auditSigningKeyFile, dataDir: config.dataDir },
    isRecordingDisabled: config.auditDisabledForBenchmark,
    findUserName: async (tenantId, userId) => (await tryFindUser(app.db, tenantId, userId))?.displayName,
  });
  await app.register(healthPlugin);
  await app.register(mailerPlugin, {
    mailer: createMailer({
      smtpUrl: config.smtpUrl,
      from: config.mailFrom,
      dropDir: path.join(config.dataDir, 'mail'),
    }),
  });
  // Before FHIR, so its CORS hook reaches `/fhir/R4` and `authenticate` can verify its tokens.
  await app.register(oauthPlugin, {
    settings: oauthSettingsFrom(config),
    identity: identitySettingsFrom(config),
    defaultTenantId: config.defaultTenantId,
  });
  // Upgrades only the routes declared with `websocket: true`; closes open sockets on shutdown.
  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });
  await app.register(fhirPlugin, { prefix: '/fhir/R4', baseUrl: config.baseUrl, version: VERSION });
  await app.register(terminologyPlugin, { prefix: '/api/terminology', baseUrl: config.baseUrl });
  await app.register(bindingsPlugin, { prefix: '/api/terminology' });
  await app.register(journeyPlugin, { prefix: '/api', baseUrl: config.baseUrl });
  await app.register(mpiPlugin, { prefix: '/api/mpi', baseUrl: config.baseUrl });
  await app.register(identityPlugin, {
    prefix: '/api',
    settings: identitySettingsFrom(config),
    defaultTenantId: config.defaultTenantId,
  });
  await app.register(async (child) => registerTenantSettingsRoutes(child), { prefix: '/api/admin/tenant' });
  if (hasWebApp) {
    await app.register(fastifyStatic, { root: config.webDistDir, prefix: '/', wildcard: false });
  } else {
    app.log.warn({ webDistDir: config.webDistDir }, 'web build not found; run npm run build');
  }
  return app;
}
