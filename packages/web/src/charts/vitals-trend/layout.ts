import { extent, line, max, min, scaleLinear, scaleUtc } from 'd3';

/** One dated value. */
export type TrendPoint = { time: Date; value: number; id: string };

/** A named line: systolic, diastolic, weight… */
export type TrendSeries = { name: string; points: readonly TrendPoint[] };

export type TrendSize = { width: number; height: number };

/** Room for the axes' labels. */
export const TREND_MARGIN = { top: 12, right: 16, bottom: 28, left: 44 } as const;

export type PlacedPoint = TrendPoint & { x: number; y: number };

export type TrendLayout = {
  series: { name: string; path: string; points: PlacedPoint[] }[];
  xTicks: { x: number; label: string }[];
  yTicks: { y: number; label: string }[];
  /** The plotting area inside the margins. */
  plot: { left: number; top: number; right: number; bottom: number };
};

/** Days of a time span, for choosing how ticks are labelled. */
const DAY = 86_400_000;

function tickLabel(time: Date, spanMs: number): string {
  const iso = time.toISOString();
  // Years for long histories, months for a year or two, days for recent weeks.
  if (spanMs > 3 * 365 * DAY) {
    return iso.slice(0, 4);
  }
  if (spanMs > 60 * DAY) {
    return iso.slice(0, 7);
  }
  return iso.slice(0, 10);
}

/**
 * Positions a trend chart: a UTC time axis over every series' points, a value axis with a nice
 * domain that leaves 5 % room above and below, and one SVG path per series (points in time order).
 * A single reading, or readings on one day, are centred on a one-day span so they are still drawn.
 */
export function layoutVitalsTrend(series: readonly TrendSeries[], size: TrendSize): TrendLayout {
  const plot = {
    left: TREND_MARGIN.left,
    top: TREND_MARGIN.top,
    right: Math.max(TREND_MARGIN.left + 1, size.width - TREND_MARGIN.right),
    bottom: Math.max(TREND_MARGIN.top + 1, size.height - TREND_MARGIN.bottom),
  };
  const all = series.flatMap((line) => line.points);
  if (all.length === 0) {
    return { series: series.map((line) => ({ name: line.name, path: '', points: [] })), xTicks: [], yTicks: [], plot };
  }
  const [firstTime = 0, lastTime = 0] = extent(all, (point) => point.time.getTime());
  const [startTime, endTime] =
    lastTime - firstTime < DAY ? [firstTime - DAY / 2, lastTime + DAY / 2] : [firstTime, lastTime];
  const x = scaleUtc()
    .domain([new Date(startTime), new Date(endTime)])
    .range([plot.left, plot.right]);

  const low = min(all, (point) => point.value) ?? 0;
  const high = max(all, (point) => point.value) ?? 0;
  const pad = high === low ? Math.max(1, Math.abs(high) * 0.05) : (high - low) * 0.05;
  const y = scaleLinear()
    .domain([low - pad, high + pad])
    .nice(5)
    .range([plot.bottom, plot.top]);

  const toPath = line<PlacedPoint>()
    .x((point) => point.x)
    .y((point) => point.y);
  const spanMs = endTime - startTime;
  return {
    series: series.map((entry) => {
      const points = [...entry.points]
        .sort((left, right) => left.time.getTime() - right.time.getTime())
        .map((point) => ({ ...point, x: round(x(point.time)), y: round(y(point.value)) }));
      return { name: entry.name, path: points.length > 1 ? (toPath(points) ?? '') : '', points };
    }),
    xTicks: uniqueLabels(
      x.ticks(Math.max(2, Math.floor((plot.right - plot.left) / 110))).map((time) => ({
        x: round(x(time)),
        label: tickLabel(time, spanMs),
      })),
    ),
    yTicks: y.ticks(5).map((value) => ({ y: round(y(value)), label: String(value) })),
    plot,
  };
}

/** The first tick of each label: hour ticks of a one-day span would all read the same date. */
function uniqueLabels(ticks: { x: number; label: string }[]): { x: number; label: string }[] {
  return ticks.filter((tick, index) => ticks.findIndex((other) => other.label === tick.label) === index);
}

/** Coordinates to a tenth of a pixel: stable in tests and in the DOM. */
function round(value: number): number {
  return Math.round(value * 10) / 10;
}
