import type { StoreContext } from './fhir-store.ts';

/** The steps being timed now, per timings map: a step that re-enters itself is counted once. */
const running = new WeakMap<Map<string, number>, Set<string>>();

/**
 * Runs `work` and adds its duration (ms) to the context's timings under `name`, when the context
 * collects timings (the FHIR API reports them as `Server-Timing`). Matching one Patient writes
 * other Patients (their links), which match again: only the outermost call is counted.
 */
export async function timeStep<T>(
  ctx: Pick<StoreContext, 'timings'>,
  name: string,
  work: () => Promise<T>,
): Promise<T> {
  const timings = ctx.timings;
  const names = timings ? (running.get(timings) ?? new Set<string>()) : undefined;
  if (!timings || !names || names.has(name)) {
    return work();
  }
  running.set(timings, names);
  names.add(name);
  const started = performance.now();
  try {
    return await work();
  } finally {
    names.delete(name);
    timings.set(name, (timings.get(name) ?? 0) + performance.now() - started);
  }
}
