import { useMemo } from 'react';
import { useElementWidth } from '../journey/use-element-width.ts';
import { layoutMetricChart, type MetricSeries } from './metric-chart-layout.ts';

type MetricChartProps = {
  title: string;
  series: readonly MetricSeries[];
  formatValue: (value: number) => string;
  /** Marks the chart for tests, e.g. `health-requests`. */
  testId: string;
  height?: number;
};

/** The latest value of a series, formatted; a dash when nothing was measured yet. */
function latestText(series: MetricSeries, formatValue: (value: number) => string): string {
  const latest = series.points.findLast((point) => point.value !== undefined)?.value;
  return latest === undefined ? '—' : formatValue(latest);
}

/**
 * One platform metric over the rolling window: the current value of each series as text (what a
 * screen reader reads, and what the eye looks for first), then the line chart. Colours come from
 * the theme's chart properties, so the chart follows light and dark.
 */
export function MetricChart({ title, series, formatValue, testId, height = 160 }: MetricChartProps) {
  const { ref, width } = useElementWidth<HTMLElement>();
  const layout = useMemo(
    () => layoutMetricChart(series, { width: Math.max(width, 120), height }, formatValue),
    [series, width, height, formatValue],
  );
  const { plot } = layout;
  const summary = series.map((entry) => `${entry.name} ${latestText(entry, formatValue)}`).join(', ');
  return (
    <figure ref={ref} className="metric-chart" data-testid={testId}>
      <figcaption>
        <span className="metric-chart__title">{title}</span>
        <span className="metric-chart__values">
          {series.map((entry, index) => (
            <span key={entry.name} className={`metric-chart__value metric-chart__value--${index}`}>
              <span className="metric-chart__swatch" aria-hidden="true" />
              {entry.name} <strong data-testid={`${testId}-${index}`}>{latestText(entry, formatValue)}</strong>
            </span>
          ))}
        </span>
      </figcaption>
      <svg
        className="metric-chart__svg"
        width={Math.max(width, 120)}
        height={height}
        viewBox={`0 0 ${Math.max(width, 120)} ${height}`}
        role="img"
        aria-label={`${title} over the last minutes; now ${summary}`}
      >
        <g className="metric-chart__axis" aria-hidden="true">
          {layout.yTicks.map((tick) => (
            <g key={`y${tick.y}`}>
              <line x1={plot.left} x2={plot.right} y1={tick.y} y2={tick.y} className="metric-chart__grid" />
              <text x={plot.left - 6} y={tick.y} dy="0.32em" textAnchor="end">
                {tick.label}
              </text>
            </g>
          ))}
          {layout.xTicks.map((tick) => (
            <text key={`x${tick.x}`} x={tick.x} y={plot.bottom + 16} textAnchor="middle">
              {tick.label}
            </text>
          ))}
          <line x1={plot.left} x2={plot.right} y1={plot.bottom} y2={plot.bottom} className="metric-chart__baseline" />
        </g>
        {layout.series.map((line, index) => (
          <g key={line.name} className={`metric-chart__series metric-chart__series--${index}`}>
            {line.path && <path d={line.path} />}
            {line.last && <circle cx={line.last.x} cy={line.last.y} r={3} />}
          </g>
        ))}
      </svg>
    </figure>
  );
}
