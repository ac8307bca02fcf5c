import fp from 'fastify-plugin';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { QueryObserver } from './db/index.ts';

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

/** Records every request and serves `/metrics` (public, like health checks). */
export const metricsPlugin = fp<{ metrics: Metrics }>(async (app, options) => {
  const { metrics } = options;
  app.decorate('metrics', metrics);
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
