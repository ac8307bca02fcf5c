import type { Queryable } from '../../platform/db/index.ts';

/** The tables FHIR searches and journey queries read; their statistics decide which index the planner uses. */
export const QUERIED_TABLES = [
  'resource',
  'search_token',
  'search_string',
  'search_reference',
  'search_date',
  'search_number',
  'search_uri',
  'search_composite',
  'search_text',
  'journey_node',
  'journey_edge',
] as const;

/**
 * Refreshes the planner statistics of the search and journey tables and marks their pages all-visible. The
 * embedded database runs no autovacuum, so after a bulk load it would plan every search with no
 * statistics and could not answer from the search indexes alone (index-only scans need the
 * visibility map); on PostgreSQL this only does early what autovacuum would do later.
 * Must run outside a transaction.
 */
export async function analyzeQueriedTables(db: Queryable): Promise<void> {
  await db.query(`VACUUM (ANALYZE) ${QUERIED_TABLES.join(', ')}`);
}
