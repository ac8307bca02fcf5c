import fp from 'fastify-plugin';
import type { FastifyBaseLogger } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Queryable, QueryObserver } from './db/index.ts';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
  interface FastifyRequest {
    /** Low-cardinality route label for metrics, e.g. `fhir:read` — set by handlers that know better. */
    metricsRoute?: string;
  }
}

/** The server's Prometheus metrics, in a registry of its own (several apps can share a process in tests). */
export type Metrics = {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  dbQueryDuration: Histogram<'outcome'>;
};

/** Creates the registry; the database observer needs it before the app exists. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Counter({
      name: 'caregraph_http_requests_total',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'caregraph_http_request_duration_seconds',
      help: 'HTTP request latency by method, route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    dbQueryDuration: new Histogram({
      name: 'caregraph_db_query_duration_seconds',
      help: 'Database query latency',
      labelNames: ['outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers: [registry],
    }),
  };
}

/** The database observer that feeds `caregraph_db_query_duration_seconds`; pass it to `openDatabase`. */
export function observeQueries(metrics: Metrics): QueryObserver {
  return (seconds, isError) => metrics.dbQueryDuration.observe({ outcome: isError ? 'error' : 'ok' }, seconds);
}

export const DB_SIZE_METRIC = 'caregraph_db_size_bytes';

/** The database's size on disk: `pg_database_size` answers on PostgreSQL and on PGlite alike. */
export async function readDatabaseSize(db: Queryable): Promise<number> {
  // bigint arrives as text from node-postgres; the cast makes both drivers agree.
  const result = await db.query<{ bytes: string }>('SELECT pg_database_size(current_database())::text AS bytes', [], {
    name: 'metrics_db_size',
  });
  return Number(result.rows[0]?.bytes ?? Number.NaN);
}

/**
 * A gauge of the database size, measured when `/metrics` is scraped (not on a timer, so an idle
 * server queries nothing). A failed measurement keeps the last value and is logged, so one slow
 * disk does not fail the whole scrape.
 */
function registerDatabaseSizeGauge(registry: Registry, db: Queryable, log: FastifyBaseLogger): Gauge {
  return new Gauge({
    name: DB_SIZE_METRIC,
    help: 'Size of the database in bytes (pg_database_size)',
    registers: [registry],
    async collect() {
      try {
        this.set(await readDatabaseSize(db));
      } catch (error) {
        log.warn({ err: error }, 'could not measure the database size for metrics');
      }
    },
  });
}

/** Records every request and serves `/metrics` (public, like health checks). */
export const metricsPlugin = fp<{ metrics: Metrics }>(async (app, options) => {
  const { metrics } = options;
  app.decorate('metrics', metrics);
  // Registered here, where the database is known; removed on close so a registry can outlive the app.
  registerDatabaseSizeGauge(metrics.registry, app.db, app.log);
  app.addHook('onClose', async () => {
    metrics.registry.removeSingleMetric(DB_SIZE_METRIC);
  });
  app.addHook('onResponse', async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.metricsRoute ?? request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
  });
  app.get('/metrics', async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
});
