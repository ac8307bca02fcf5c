// PostgreSQL ends one of two transactions that wait on each other (deadlock_detected, 40P01) or
// that cannot both be serialised (serialization_failure, 40001) so the other can go on. Nothing of
// the ended one was stored or acknowledged, and run again it normally succeeds: a request that owns
// its whole transaction (a transaction Bundle writing many Patients, whose patient-index key locks
// can interleave with another import's) is retried rather than answered with a 500.
import { setTimeout as delay } from 'node:timers/promises';

const TRANSIENT_CODES = new Set(['40P01', '40001']);

/** Whether `error` is PostgreSQL ending the transaction so a concurrent one could finish. */
export function isTransientConflict(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && TRANSIENT_CODES.has(String(error.code));
}

/** Attempts in all, the first included. */
export const TRANSIENT_CONFLICT_ATTEMPTS = 4;

/**
 * Runs `work` (which must open and end its own transaction), again after a transient conflict, up to
 * `attempts` times in all. Waits a random few milliseconds, longer each time, so the two colliding
 * transactions do not meet again in step. Any other error, or the last conflict, is thrown.
 */
export async function retryTransientConflicts<T>(
  work: () => Promise<T>,
  attempts = TRANSIENT_CONFLICT_ATTEMPTS,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isTransientConflict(error)) {
        throw error;
      }
      await delay(Math.round(Math.random() * 20 * attempt));
    }
  }
}
