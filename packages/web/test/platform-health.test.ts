import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatBytes, formatLatency, formatRate } from '../src/features/platform-health/format-metrics.ts';
import {
  appendSnapshot,
  healthPointBetween,
  healthPoints,
  histogramQuantile,
  snapshotOf,
  type MetricsSnapshot,
} from '../src/features/platform-health/health-series.ts';
import { layoutMetricChart } from '../src/features/platform-health/metric-chart-layout.ts';
import { parsePrometheusText } from '../src/features/platform-health/prometheus-text.ts';

const SCRAPE = `# HELP caregraph_http_requests_total HTTP requests by method, route and status
# TYPE caregraph_http_requests_total counter
caregraph_http_requests_total{method="GET",route="fhir:GET Patient",status="200"} 40
caregraph_http_requests_total{method="POST",route="fhir:POST Patient",status="201"} 5
caregraph_http_requests_total{method="GET",route="fhir:GET Patient/…",status="404"} 3
caregraph_http_requests_total{method="GET",route="fhir:GET Patient",status="500"} 2
caregraph_http_requests_total{method="GET",route="/metrics",status="200"} 17
# TYPE caregraph_http_request_duration_seconds histogram
caregraph_http_request_duration_seconds_bucket{le="0.01",method="GET",route="fhir:GET Patient",status="200"} 30
caregraph_http_request_duration_seconds_bucket{le="0.1",method="GET",route="fhir:GET Patient",status="200"} 40
caregraph_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="fhir:GET Patient",status="200"} 40
caregraph_http_request_duration_seconds_bucket{le="0.01",method="GET",route="/metrics",status="200"} 17
caregraph_http_request_duration_seconds_bucket{le="0.1",method="GET",route="/metrics",status="200"} 17
caregraph_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/metrics",status="200"} 17
caregraph_http_request_duration_seconds_sum{method="GET",route="fhir:GET Patient",status="200"} 0.4
# TYPE caregraph_db_size_bytes gauge
caregraph_db_size_bytes 7250447
`;

const snapshot = (time: number, overrides: Partial<MetricsSnapshot> = {}): MetricsSnapshot => ({
  time,
  requests: 0,
  errors5xx: 0,
  errors4xx: 0,
  latencyBuckets: [],
  ...overrides,
});

describe('Prometheus text parsing', () => {
  it('reads names, labels and values and skips HELP and TYPE comments', () => {
    const samples = parsePrometheusText(SCRAPE);
    assert.equal(samples.length, 13);
    assert.deepEqual(samples[0], {
      name: 'caregraph_http_requests_total',
      labels: { method: 'GET', route: 'fhir:GET Patient', status: '200' },
      value: 40,
    });
    assert.deepEqual(samples.at(-1), { name: 'caregraph_db_size_bytes', labels: {}, value: 7250447 });
  });

  it('unescapes label values and reads special values, exponents and timestamps', () => {
    const samples = parsePrometheusText(
      [
        'a{path="C:\\\\dir",quote="say \\"hi\\"",line="one\\ntwo"} 1',
        'b{le="+Inf"} +Inf',
        'c -Inf',
        'd NaN',
        'e 1.5e3 1700000000000',
        'f{ spaced = "yes" , } 2',
      ].join('\n'),
    );
    assert.deepEqual(samples[0]?.labels, { path: 'C:\\dir', quote: 'say "hi"', line: 'one\ntwo' });
    assert.equal(samples[1]?.value, Number.POSITIVE_INFINITY);
    assert.equal(samples[2]?.value, Number.NEGATIVE_INFINITY);
    assert.ok(Number.isNaN(samples[3]?.value));
    assert.equal(samples[4]?.value, 1500);
    assert.deepEqual(samples[5], { name: 'f', labels: { spaced: 'yes' }, value: 2 });
  });

  it('skips lines that do not parse and keeps the rest', () => {
    const samples = parsePrometheusText('good 1\n{no_name="x"} 2\nbroken{a="unterminated} 3\nnovalue\nalso_good 4');
    assert.deepEqual(
      samples.map((sample) => sample.name),
      ['good', 'also_good'],
    );
  });
});

describe('health series', () => {
  it('sums requests, errors and latency buckets over routes, leaving out the scrapes of /metrics', () => {
    const result = snapshotOf(parsePrometheusText(SCRAPE), 1000);
    assert.equal(result.requests, 50);
    assert.equal(result.errors5xx, 2);
    assert.equal(result.errors4xx, 3);
    assert.deepEqual(result.latencyBuckets, [
      { le: 0.01, count: 30 },
      { le: 0.1, count: 40 },
      { le: Number.POSITIVE_INFINITY, count: 40 },
    ]);
    assert.equal(result.dbSizeBytes, 7250447);
  });

  it('estimates quantiles by linear interpolation inside the bucket, as histogram_quantile does', () => {
    const buckets = [
      { le: 0.01, count: 50 },
      { le: 0.1, count: 90 },
      { le: 1, count: 100 },
      { le: Number.POSITIVE_INFINITY, count: 100 },
    ];
    // Rank 50 is the end of the first bucket; rank 95 is halfway through the third (90…100).
    assert.equal(histogramQuantile(0.5, buckets), 0.01);
    assert.ok(Math.abs(histogramQuantile(0.95, buckets)! - 0.55) < 1e-9);
    // Rank 25 is halfway through the first bucket, interpolated from zero.
    assert.equal(histogramQuantile(0.25, buckets), 0.005);
  });

  it('answers the largest finite bound when the rank lies in +Inf, and nothing for an empty histogram', () => {
    const slow = [
      { le: 0.1, count: 1 },
      { le: 1, count: 2 },
      { le: Number.POSITIVE_INFINITY, count: 10 },
    ];
    assert.equal(histogramQuantile(0.95, slow), 1);
    assert.equal(histogramQuantile(0.5, [{ le: Number.POSITIVE_INFINITY, count: 0 }]), undefined);
    assert.equal(histogramQuantile(0.5, []), undefined);
  });

  it('turns two scrapes five seconds apart into per-second rates and the latency of the requests between them', () => {
    const previous = snapshot(10_000, {
      requests: 100,
      errors5xx: 1,
      errors4xx: 4,
      latencyBuckets: [
        { le: 0.01, count: 80 },
        { le: 0.1, count: 100 },
        { le: Number.POSITIVE_INFINITY, count: 100 },
      ],
      dbSizeBytes: 1000,
    });
    const current = snapshot(15_000, {
      requests: 150,
      errors5xx: 6,
      errors4xx: 9,
      latencyBuckets: [
        { le: 0.01, count: 80 },
        { le: 0.1, count: 150 },
        { le: Number.POSITIVE_INFINITY, count: 150 },
      ],
      dbSizeBytes: 2000,
    });
    const point = healthPointBetween(previous, current);
    assert.equal(point.time, 15_000);
    assert.equal(point.requestsPerSecond, 10);
    assert.equal(point.errors5xxPerSecond, 1);
    assert.equal(point.errors4xxPerSecond, 1);
    // All 50 new requests fell in 0.01…0.1: the median is halfway.
    assert.ok(Math.abs(point.latencyP50! - 0.055) < 1e-9);
    assert.ok(Math.abs(point.latencyP95! - 0.0955) < 1e-9);
    assert.equal(point.dbSizeBytes, 2000);
  });

  it('reads a smaller counter as a restart and counts from zero', () => {
    const point = healthPointBetween(
      snapshot(0, { requests: 900, errors5xx: 9 }),
      snapshot(5000, { requests: 20, errors5xx: 5 }),
    );
    assert.equal(point.requestsPerSecond, 4);
    assert.equal(point.errors5xxPerSecond, 1);
  });

  it('has no latency for an interval without requests', () => {
    const buckets = [{ le: Number.POSITIVE_INFINITY, count: 5 }];
    const point = healthPointBetween(
      snapshot(0, { requests: 5, latencyBuckets: buckets }),
      snapshot(5000, { requests: 5, latencyBuckets: buckets }),
    );
    assert.equal(point.requestsPerSecond, 0);
    assert.equal(point.latencyP50, undefined);
  });

  it('keeps a rolling window of the latest scrapes and makes one point per pair', () => {
    let window: MetricsSnapshot[] = [];
    for (let index = 0; index < 5; index += 1) {
      window = appendSnapshot(window, snapshot(index * 5000, { requests: index * 10 }), 3);
    }
    assert.deepEqual(
      window.map((entry) => entry.time),
      [10_000, 15_000, 20_000],
    );
    const points = healthPoints(window);
    assert.deepEqual(
      points.map((point) => point.requestsPerSecond),
      [2, 2],
    );
  });
});

describe('metric chart layout and formats', () => {
  it('plots from zero to a nice maximum and breaks the line where nothing was measured', () => {
    const layout = layoutMetricChart(
      [
        {
          name: 'p50',
          points: [
            { time: 0, value: 1 },
            { time: 5000, value: undefined },
            { time: 10_000, value: 4 },
            { time: 15_000, value: 3 },
          ],
        },
      ],
      { width: 400, height: 160 },
      String,
    );
    assert.equal(layout.yTicks[0]?.label, '0');
    assert.equal(layout.yTicks[0]?.y, layout.plot.bottom);
    assert.equal(layout.yTicks.at(-1)?.label, '5');
    // Two segments: the lone first point, then the last two.
    assert.equal(layout.series[0]?.path.match(/M/g)?.length, 2);
    assert.deepEqual(layout.series[0]?.last, {
      x: layout.plot.right,
      y: layout.yTicks.find((t) => t.label === '3')?.y,
    });
  });

  it('formats rates, latencies and sizes for people', () => {
    assert.equal(formatRate(0.4), '0.40/s');
    assert.equal(formatRate(123.4), '123/s');
    assert.equal(formatLatency(0.0042), '4.2 ms');
    assert.equal(formatLatency(0.25), '250 ms');
    assert.equal(formatLatency(1.5), '1.50 s');
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(7_250_447), '6.9 MB');
    assert.equal(formatBytes(1_145_052_519), '1.1 GB');
  });
});
