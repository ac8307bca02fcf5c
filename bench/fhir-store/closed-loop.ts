import { LatencyRecorder, type LatencySummary } from './percentiles.ts';

/**
 * One unit of work: resolves to how many resources it handled (1 unless it resolves to a number), and
 * throws on any failure.
 */
export type Operation = (worker: number) => Promise<unknown>;

/** What a phase achieved: successes and resources inside the measured window, latency of those. */
export type LoadResult = {
  concurrency: number;
  seconds: number;
  operations: number;
  resources: number;
  errors: number;
  errorSamples: string[];
  latency: LatencySummary;
};

/** A phase gives up once this many operations failed: the target is broken, not slow. */
const MAX_ERRORS = 500;

class ErrorLog {
  count = 0;
  readonly samples: string[] = [];

  add(error: unknown): void {
    this.count++;
    const message = error instanceof Error ? error.message : String(error);
    if (this.samples.length < 5 && !this.samples.includes(message)) {
      this.samples.push(message.slice(0, 300));
    }
  }
}

/**
 * Closed-loop load: `concurrency` workers each run `operation` back to back for `warmupMs` and
 * then `durationMs`. Operations completing inside the measured window are counted and their
 * latency recorded; warm-up completions are not. Waits for in-flight operations before resolving.
 */
export async function runTimed(options: {
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  operation: Operation;
}): Promise<LoadResult> {
  const { concurrency, warmupMs, durationMs, operation } = options;
  const latencies = new LatencyRecorder();
  const errors = new ErrorLog();
  const measureFrom = performance.now() + warmupMs;
  const measureUntil = measureFrom + durationMs;
  let operations = 0;
  let resources = 0;
  const worker = async (index: number) => {
    while (performance.now() < measureUntil && errors.count < MAX_ERRORS) {
      const started = performance.now();
      try {
        const handled = await operation(index);
        const finished = performance.now();
        if (finished >= measureFrom && finished < measureUntil) {
          operations++;
          resources += typeof handled === 'number' ? handled : 1;
          latencies.record(finished - started);
        }
      } catch (error) {
        // Warm-up and late failures count too: a failure is a failure.
        errors.add(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, index) => worker(index)));
  return {
    concurrency,
    seconds: durationMs / 1000,
    operations,
    resources,
    errors: errors.count,
    errorSamples: errors.samples,
    latency: latencies.summarize(),
  };
}

/**
 * Works through `items` with `concurrency` workers, each taking the next item when done; the
 * wall time runs from the first start to the last completion.
 */
export async function runQueue<Item>(options: {
  concurrency: number;
  items: readonly Item[];
  operation: (item: Item) => Promise<number>;
}): Promise<LoadResult> {
  const { concurrency, items, operation } = options;
  const latencies = new LatencyRecorder();
  const errors = new ErrorLog();
  let next = 0;
  let operations = 0;
  let resources = 0;
  const started = performance.now();
  const worker = async () => {
    for (;;) {
      const item = items[next];
      if (next >= items.length || item === undefined) {
        return;
      }
      next++;
      const itemStarted = performance.now();
      try {
        const handled = await operation(item);
        resources += handled;
        operations++;
        latencies.record(performance.now() - itemStarted);
      } catch (error) {
        errors.add(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, () => worker()));
  return {
    concurrency,
    seconds: (performance.now() - started) / 1000,
    operations,
    resources,
    errors: errors.count,
    errorSamples: errors.samples,
    latency: latencies.summarize(),
  };
}
