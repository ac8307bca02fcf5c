/** Latency samples of one measured phase, in milliseconds. */
export class LatencyRecorder {
  private samples: number[] = [];

  record(ms: number): void {
    this.samples.push(ms);
  }

  get count(): number {
    return this.samples.length;
  }

  summarize(): LatencySummary {
    return summarizeLatencies(this.samples);
  }
}

export type LatencySummary = { count: number; p50Ms: number; p99Ms: number; meanMs: number; maxMs: number };

/** Nearest-rank percentile (0 < q ≤ 1) of ascending-sorted values; NaN when there are none. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) {
    return Number.NaN;
  }
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export function summarizeLatencies(values: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(values).sort();
  const list = Array.from(sorted);
  const sum = list.reduce((total, value) => total + value, 0);
  return {
    count: list.length,
    p50Ms: round(percentile(list, 0.5)),
    p99Ms: round(percentile(list, 0.99)),
    meanMs: round(list.length > 0 ? sum / list.length : Number.NaN),
    maxMs: round(list.length > 0 ? (list[list.length - 1] ?? Number.NaN) : Number.NaN),
  };
}

function round(value: number): number {
  return Number.isFinite(value) ? Math.round(value * 1000) / 1000 : value;
}
