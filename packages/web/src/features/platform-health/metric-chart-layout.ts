import { line, max, scaleLinear, timeFormat } from 'd3';

/** A named line of a metric chart: one value per scrape interval (undefined: nothing measured). */
export type MetricSeries = { name: string; points: readonly { time: number; value: number | undefined }[] };

export type MetricChartLayout = {
  series: { name: string; path: string; last?: { x: number; y: number } }[];
  xTicks: { x: number; label: string }[];
  yTicks: { y: number; label: string }[];
  plot: { left: number; top: number; right: number; bottom: number };
};

export const METRIC_CHART_MARGIN = { top: 10, right: 14, bottom: 24, left: 56 } as const;

const clock = timeFormat('%H:%M:%S');

/**
 * Positions a metric chart: time across (the whole window, so lines grow from the left as scrapes
 * arrive), the value up from zero to a nice maximum, and one path per series. Gaps (intervals
 * with no value, such as latency with no requests) break the line instead of drawing it at zero.
 */
export function layoutMetricChart(
  series: readonly MetricSeries[],
  size: { width: number; height: number },
  formatValue: (value: number) => string,
): MetricChartLayout {
  const plot = {
    left: METRIC_CHART_MARGIN.left,
    top: METRIC_CHART_MARGIN.top,
    right: Math.max(METRIC_CHART_MARGIN.left + 1, size.width - METRIC_CHART_MARGIN.right),
    bottom: Math.max(METRIC_CHART_MARGIN.top + 1, size.height - METRIC_CHART_MARGIN.bottom),
  };
  const times = series.flatMap((entry) => entry.points.map((point) => point.time));
  if (times.length === 0) {
    return { series: series.map((entry) => ({ name: entry.name, path: '' })), xTicks: [], yTicks: [], plot };
  }
  const first = Math.min(...times);
  const last = Math.max(...times);
  const x = scaleLinear()
    .domain(first === last ? [first - 5000, last] : [first, last])
    .range([plot.left, plot.right]);
  const highest = max(series.flatMap((entry) => entry.points.map((point) => point.value ?? 0))) ?? 0;
  const y = scaleLinear()
    .domain([0, highest > 0 ? highest * 1.1 : 1])
    .nice(4)
    .range([plot.bottom, plot.top]);
  const toPath = line<{ time: number; value: number | undefined }>()
    .defined((point) => point.value !== undefined && Number.isFinite(point.value))
    .x((point) => round(x(point.time)))
    .y((point) => round(y(point.value ?? 0)));
  return {
    series: series.map((entry) => {
      const lastPoint = entry.points.findLast((point) => point.value !== undefined && Number.isFinite(point.value));
      return {
        name: entry.name,
        path: toPath([...entry.points]) ?? '',
        ...(lastPoint ? { last: { x: round(x(lastPoint.time)), y: round(y(lastPoint.value ?? 0)) } } : {}),
      };
    }),
    xTicks: x.ticks(Math.max(2, Math.floor((plot.right - plot.left) / 90))).map((time) => ({
      x: round(x(time)),
      label: clock(new Date(time)),
    })),
    yTicks: y.ticks(4).map((value) => ({ y: round(y(value)), label: formatValue(value) })),
    plot,
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
