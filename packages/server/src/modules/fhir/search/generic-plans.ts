import type { Database, Queryable } from '../../../platform/db/index.ts';

/**
 * Runs `work` where PostgreSQL executes prepared statements with their generic plan, planned once
 * per connection (`Database.genericPlans`).
 *
 * For statements whose work is bounded by the arrays of keys they are given, such as the rounds of
 * `_include` and `_revinclude`: one plan suits every execution, but left to choose, PostgreSQL keeps
 * making a custom plan for each one (it estimates the generic plan dearer), and planning costs as
 * much as executing. At 1M resources the include round of a patient's Encounters took 1.47 ms a
 * round trip with custom plans and 0.69 ms with the generic one, which uses the same indexes.
 *
 * Inside a caller's transaction `work` runs there, as planned: its statements must see what the
 * transaction wrote.
 */
export async function withGenericPlans<T>(
  db: Database,
  tx: Queryable | undefined,
  work: (q: Queryable) => Promise<T>,
): Promise<T> {
  return tx === undefined ? db.genericPlans(work) : work(tx);
}
