import { useMemo } from 'react';
import { Card } from '../../components/Card.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { POLL_INTERVAL_MS, useMetricsWindow } from './api.ts';
import { formatBytes, formatLatency, formatRate } from './format-metrics.ts';
import { healthPoints, type HealthPoint } from './health-series.ts';
import type { MetricSeries } from './metric-chart-layout.ts';
import { MetricChart } from './MetricChart.tsx';
import './platform-health.css';

function seriesOf(points: readonly HealthPoint[], name: string, pick: (point: HealthPoint) => number | undefined) {
  return { name, points: points.map((point) => ({ time: point.time, value: pick(point) })) } satisfies MetricSeries;
}

/**
 * The server's health from its Prometheus metrics, scraped every five seconds: request rate,
 * latency p50/p95, error rates and database size, each as a line over the last ten minutes.
 */
export function PlatformHealthPanel() {
  const metrics = useMetricsWindow();
  const points = useMemo(() => healthPoints(metrics.data ?? []), [metrics.data]);
  const charts = useMemo(
    () => ({
      requests: [seriesOf(points, 'Requests', (point) => point.requestsPerSecond)],
      latency: [
        seriesOf(points, 'p50', (point) => point.latencyP50),
        seriesOf(points, 'p95', (point) => point.latencyP95),
      ],
      errors: [
        seriesOf(points, '5xx', (point) => point.errors5xxPerSecond),
        seriesOf(points, '4xx', (point) => point.errors4xxPerSecond),
      ],
      database: [seriesOf(points, 'Size', (point) => point.dbSizeBytes)],
    }),
    [points],
  );
  const hasDatabaseSize = points.some((point) => point.dbSizeBytes !== undefined);
  return (
    <Card
      title="Server metrics"
      actions={
        <span className="muted platform-health__status" role="status">
          {metrics.isFetching ? 'Updating…' : `Updated every ${POLL_INTERVAL_MS / 1000} s`}
        </span>
      }
    >
      {metrics.isError && (
        <ErrorMessage
          error={metrics.error}
          what={metrics.data ? 'the latest metrics (showing the last ones received)' : 'the server metrics'}
          onRetry={() => void metrics.refetch()}
        />
      )}
      {metrics.isPending && <p className="muted">Reading the server metrics…</p>}
      {metrics.isSuccess && points.length === 0 && (
        <p className="muted">
          First reading taken; rates appear after the next one, {POLL_INTERVAL_MS / 1000} seconds from now.
        </p>
      )}
      {points.length > 0 && (
        <div className="platform-health__grid">
          <MetricChart
            title="Request rate"
            series={charts.requests}
            formatValue={formatRate}
            testId="health-requests"
          />
          <MetricChart title="Latency" series={charts.latency} formatValue={formatLatency} testId="health-latency" />
          <MetricChart title="Errors" series={charts.errors} formatValue={formatRate} testId="health-errors" />
          {hasDatabaseSize ? (
            <MetricChart title="Database size" series={charts.database} formatValue={formatBytes} testId="health-db" />
          ) : (
            <p className="muted">This server does not report its database size.</p>
          )}
        </div>
      )}
      <p className="muted platform-health__note">
        Rates leave out this screen’s own scrapes of <code>/metrics</code>. The history is kept in this browser tab
        only, for the last ten minutes.
      </p>
    </Card>
  );
}
