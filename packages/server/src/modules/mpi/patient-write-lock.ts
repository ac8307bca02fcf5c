import type { Queryable } from '../../platform/db/index.ts';

/**
 * Takes the tenant's Patient-write lock until the transaction ends. A Patient write locks its own row
 * first and then, while matching, its neighbourhood's golden records and the other members' rows: two
 * writes whose neighbourhoods overlap can each hold what the other waits for, which PostgreSQL ends as a
 * deadlock (a second later, and again on every retry while many such writes run). A write that owns its
 * transaction takes this lock before anything else, so a tenant's Patient writes match one after
 * another. They are few next to its clinical writes (registrations, a feed's updates) and take tens of
 * milliseconds each; nothing else waits on the lock.
 */
export async function lockPatientWrites(tx: Queryable, tenantId: string): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('mpi-patient-writes:' || $1::text, 0))`, [tenantId]);
}
