import type { Database, Queryable } from '../../platform/db/index.ts';
import { IdentityError } from './identity-error.ts';

/**
 * Runs `work` in a transaction that commits even when the work refuses: it returns its refusal
 * instead of throwing it, so that what the refusal records (a failed attempt, a spent challenge,
 * the audit entry) is kept, and the refusal is thrown once the transaction has committed.
 */
export async function commitThenThrow<T>(
  db: Database,
  work: (tx: Queryable) => Promise<T | IdentityError>,
): Promise<T> {
  const outcome = await db.transaction(work);
  if (outcome instanceof IdentityError) {
    throw outcome;
  }
  return outcome;
}
