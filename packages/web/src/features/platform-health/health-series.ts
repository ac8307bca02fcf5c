import type { PrometheusSample } from './prometheus-text.ts';

/** The counters of one scrape of `/metrics` that the health screen plots. */
export type MetricsSnapshot = {
  /** When it was scraped, in epoch milliseconds. */
  time: number;
  /** HTTP requests answered since the server started. */
  requests: number;
  errors5xx: number;
  errors4xx: number;
  /** The latency histogram over all routes: cumulative counts per upper bound (seconds), ascending. */
  latencyBuckets: HistogramBucket[];
  /** Absent when the server does not export it. */
  dbSizeBytes?: number;
};

export type HistogramBucket = { le: number; count: number };

/** What happened between two scrapes, per second, and the latency quantiles of those requests. */
export type HealthPoint = {
  time: number;
  requestsPerSecond: number;
  errors5xxPerSecond: number;
  errors4xxPerSecond: number;
  /** Seconds; absent when no request was answered in the interval. */
  latencyP50?: number;
  latencyP95?: number;
  dbSizeBytes?: number;
};

const REQUESTS = 'caregraph_http_requests_total';
const LATENCY_BUCKET = 'caregraph_http_request_duration_seconds_bucket';
const DB_SIZE = 'caregraph_db_size_bytes';
/** The screen's own polling is left out, so an idle server reads as idle. */
const SCRAPE_ROUTE = '/metrics';

/** Sums the request counters and the latency histogram of a scrape over every route and method. */
export function snapshotOf(samples: readonly PrometheusSample[], time: number): MetricsSnapshot {
  let requests = 0;
  let errors5xx = 0;
  let errors4xx = 0;
  const buckets = new Map<number, number>();
  let dbSizeBytes: number | undefined;
  for (const sample of samples) {
    if (sample.name === DB_SIZE) {
      dbSizeBytes = sample.value;
      continue;
    }
    if (sample.labels.route === SCRAPE_ROUTE) {
      continue;
    }
    if (sample.name === REQUESTS) {
      requests += sample.value;
      const status = sample.labels.status ?? '';
      errors5xx += status.startsWith('5') ? sample.value : 0;
      errors4xx += status.startsWith('4') ? sample.value : 0;
    } else if (sample.name === LATENCY_BUCKET) {
      const le = sample.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(sample.labels.le);
      if (!Number.isNaN(le)) {
        buckets.set(le, (buckets.get(le) ?? 0) + sample.value);
      }
    }
  }
  const latencyBuckets = [...buckets].map(([le, count]) => ({ le, count })).sort((left, right) => left.le - right.le);
  return {
    time,
    requests,
    errors5xx,
    errors4xx,
    latencyBuckets,
    ...(dbSizeBytes === undefined ? {} : { dbSizeBytes }),
  };
}

/**
 * The q-quantile of a cumulative histogram, as Prometheus' histogram_quantile() estimates it:
 * find the bucket the rank falls in and interpolate linearly inside it (from 0 for the first
 * bucket). A rank in the +Inf bucket answers the largest finite bound. Undefined when empty.
 */
export function histogramQuantile(q: number, buckets: readonly HistogramBucket[]): number | undefined {
  const total = buckets.at(-1)?.count ?? 0;
  if (total <= 0) {
    return undefined;
  }
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bucket of buckets) {
    if (bucket.count >= rank) {
      if (bucket.le === Number.POSITIVE_INFINITY) {
        return lowerBound;
      }
      const inBucket = bucket.count - lowerCount;
      return inBucket <= 0 ? bucket.le : lowerBound + (bucket.le - lowerBound) * ((rank - lowerCount) / inBucket);
    }
    lowerBound = bucket.le;
    lowerCount = bucket.count;
  }
  return lowerBound;
}

/** A counter's increase; a smaller value means the server restarted and counted from zero again. */
function increase(previous: number, current: number): number {
  return current >= previous ? current - previous : current;
}

/** Rates and latency quantiles between two consecutive scrapes. */
export function healthPointBetween(previous: MetricsSnapshot, current: MetricsSnapshot): HealthPoint {
  const seconds = Math.max((current.time - previous.time) / 1000, 0.001);
  const restarted = current.requests < previous.requests;
  const previousBuckets = new Map(previous.latencyBuckets.map((bucket) => [bucket.le, bucket.count]));
  const buckets = current.latencyBuckets.map((bucket) => ({
    le: bucket.le,
    count: restarted ? bucket.count : increase(previousBuckets.get(bucket.le) ?? 0, bucket.count),
  }));
  const p50 = histogramQuantile(0.5, buckets);
  const p95 = histogramQuantile(0.95, buckets);
  return {
    time: current.time,
    requestsPerSecond: increase(previous.requests, current.requests) / seconds,
    errors5xxPerSecond: (restarted ? current.errors5xx : increase(previous.errors5xx, current.errors5xx)) / seconds,
    errors4xxPerSecond: (restarted ? current.errors4xx : increase(previous.errors4xx, current.errors4xx)) / seconds,
    ...(p50 === undefined ? {} : { latencyP50: p50 }),
    ...(p95 === undefined ? {} : { latencyP95: p95 }),
    ...(current.dbSizeBytes === undefined ? {} : { dbSizeBytes: current.dbSizeBytes }),
  };
}

/** Scrapes kept: ten minutes at one scrape every five seconds. */
export const WINDOW_SIZE = 121;

/** Adds a scrape to the rolling window, dropping the oldest beyond `size`. */
export function appendSnapshot(
  window: readonly MetricsSnapshot[],
  snapshot: MetricsSnapshot,
  size: number = WINDOW_SIZE,
): MetricsSnapshot[] {
  return [...window, snapshot].slice(-size);
}

/** One point per pair of consecutive scrapes. */
export function healthPoints(window: readonly MetricsSnapshot[]): HealthPoint[] {
  return window.flatMap((snapshot, index) => {
    const previous = window[index - 1];
    return previous ? [healthPointBetween(previous, snapshot)] : [];
  });
}
