import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { bootstrapTenant, loadDemoDataOnce, loadShippedTerminologyOnce } from './bootstrap.ts';
import type { Config } from './config.ts';
import { ensureGeneratedKeks, withConfiguredEncryption } from './modules/encryption/index.ts';
import { migrate, openDatabase, type Database } from './platform/db/index.ts';
import { createMetrics, observeQueries } from './platform/metrics.ts';

/**
 * Starts CareGraph: opens and migrates the database, prepares the default tenant, loads the shipped
 * terminology and demo data on first start, listens, and drains in-flight requests on SIGTERM/SIGINT before exiting.
 */
export async function startServer(configured: Config): Promise<FastifyInstance> {
  const config = withDataDirKeyEncryptionKey(configured);
  const metrics = createMetrics();
  // Wrapped before anything writes resources, so the demo data is sealed too.
  const db = withConfiguredEncryption(await openDatabase(config, observeQueries(metrics)), config.encryption);
  let app: FastifyInstance | undefined;
  try {
    await migrate(db);
    app = await buildApp(config, { db, metrics, ownsDatabase: true });
    await bootstrapTenant(db, config, app.log);
    await loadShippedTerminologyOnce(db, config, app.log);
    await loadDemoDataOnce(db, config, app.log);
    await app.listen({ host: config.host, port: config.port });
    if (config.auditDisabledForBenchmark) {
      app.log.warn('audit recording is OFF (CAREGRAPH_AUDIT_DISABLED_FOR_BENCHMARK): for benchmarks only');
    }
    app.audit.startPublisher(config.auditPublishIntervalMs);
  } catch (error) {
    // A failed start (port taken, database unreachable) must not leave the database open.
    await closeAfterFailedStart(app, db);
    throw error;
  }
  handleShutdownSignals(app, config);
  return app;
}

/**
 * With no key-encryption key configured, one is generated into the data directory (and kept there),
 * as the other secrets of a fresh install are: field encryption is always on when the server runs.
 */
export function withDataDirKeyEncryptionKey(config: Config): Config {
  if (config.encryption.keks.length > 0) {
    return config;
  }
  const keks = Object.freeze(ensureGeneratedKeks(config.dataDir));
  return Object.freeze({ ...config, encryption: Object.freeze({ ...config.encryption, keks }) });
}

async function closeAfterFailedStart(app: FastifyInstance | undefined, db: Database): Promise<void> {
  try {
    await (app ? app.close() : db.close());
  } catch {
    // The start error is the one worth reporting.
  }
}

/**
 * On SIGTERM or SIGINT: report not-ready, wait `shutdownDelayMs` for load balancers to notice,
 * stop accepting connections, let in-flight requests finish, close the database, exit 0. Exits 1
 * when draining takes longer than `shutdownTimeoutMs`.
 */
function handleShutdownSignals(app: FastifyInstance, config: Config): void {
  let isStopping = false;
  const stop = async (signal: string) => {
    if (isStopping) {
      return;
    }
    isStopping = true;
    app.markNotReady();
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    const timer = setTimeout(() => {
      // What still holds the process open names what did not finish (a query, a socket, a timer).
      app.log.error({ stillOpen: process.getActiveResourcesInfo() }, 'shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownDelayMs + config.shutdownTimeoutMs);
    timer.unref();
    try {
      await delay(config.shutdownDelayMs);
      await app.close();
      process.exit(0);
    } catch (error) {
      app.log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
