import { useMemo } from 'react';
import { layoutVitalsTrend, type TrendSeries } from './layout.ts';
import './vitals-trend.css';

type VitalsTrendChartProps = {
  /** What is plotted, e.g. "Blood pressure (mmHg)"; names the chart for screen readers. */
  title: string;
  series: readonly TrendSeries[];
  width: number;
  height?: number;
  /** Marks the chart for tests, e.g. `trend-blood-pressure`. */
  testId?: string;
};

/** A line chart of one vital sign (or one lab analyte) over time; one line per series. */
export function VitalsTrendChart({ title, series, width, height = 180, testId }: VitalsTrendChartProps) {
  const layout = useMemo(() => layoutVitalsTrend(series, { width, height }), [series, width, height]);
  const { plot } = layout;
  return (
    <svg
      className="vitals-trend"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`${title}: trend chart`}
      data-testid={testId}
    >
      <g className="vitals-trend__axis" aria-hidden="true">
        {layout.yTicks.map((tick) => (
          <g key={`y${tick.label}`}>
            <line x1={plot.left} x2={plot.right} y1={tick.y} y2={tick.y} className="vitals-trend__grid" />
            <text x={plot.left - 6} y={tick.y} dy="0.32em" textAnchor="end">
              {tick.label}
            </text>
          </g>
        ))}
        {layout.xTicks.map((tick) => (
          <text key={`x${tick.x}`} x={tick.x} y={plot.bottom + 18} textAnchor="middle">
            {tick.label}
          </text>
        ))}
        <line x1={plot.left} x2={plot.right} y1={plot.bottom} y2={plot.bottom} className="vitals-trend__baseline" />
      </g>
      {layout.series.map((line, index) => (
        <g key={line.name} className={`vitals-trend__series vitals-trend__series--${index}`} data-series={line.name}>
          {line.path && <path d={line.path} />}
          {line.points.map((point) => (
            <circle
              key={`${point.id}-${point.time.getTime()}`}
              cx={point.x}
              cy={point.y}
              r={3.5}
              data-id={point.id}
              data-value={point.value}
            >
              <title>{`${line.name} ${point.value} on ${point.time.toISOString().slice(0, 10)}`}</title>
            </circle>
          ))}
        </g>
      ))}
    </svg>
  );
}
