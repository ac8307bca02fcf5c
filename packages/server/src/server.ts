import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { bootstrapTenant, loadDemoDataOnce } from './bootstrap.ts';
import type { Config } from './config.ts';
import { migrate, openDatabase } from './platform/db/index.ts';
import { createMetrics } from './platform/metrics.ts';

/**
 * Starts CareGraph: opens and migrates the database, prepares the default tenant, loads demo data
 * on first start, listens, and drains in-flight requests on SIGTERM/SIGINT before exiting.
 */
export async function startServer(config: Config): Promise<FastifyInstance> {
  const metrics = createMetrics();
  const db = await openDatabase(config, (seconds, isError) =>
    metrics.dbQueryDuration.observe({ outcome: isError ? 'error' : 'ok' }, seconds),
  );
  await migrate(db);
  const app = await buildApp(config, { db, metrics, ownsDatabase: true });
  await bootstrapTenant(db, config, app.log);
  await loadDemoDataOnce(db, config, app.log);
  await app.listen({ host: config.host, port: config.port });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      return;
    }
    stopping = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    const timer = setTimeout(() => {
      app.log.error('shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  return app;
}
