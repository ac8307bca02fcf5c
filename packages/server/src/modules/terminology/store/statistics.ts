import type { Queryable } from '../../../platform/db/index.ts';

/** The tables a load writes, whose planner statistics go stale with it. */
const TERM_TABLES = ['term_system', 'term_concept', 'term_word', 'term_designation', 'term_parent', 'term_map'];

/**
 * Brings the planner's view of the term tables up to date after a load: `ANALYZE`, and the trigram
 * index's pending list merged. A bulk insert leaves the planner with the empty tables' statistics,
 * and GIN (with `fastupdate`, the default) defers new entries to a pending list that every search
 * reads linearly until it is merged — PostgreSQL's autovacuum does both eventually, PGlite has no
 * autovacuum, and until then the typeahead's plans scan `term_concept` instead of its indexes.
 * See https://www.postgresql.org/docs/current/gin.html#GIN-FAST-UPDATE.
 */
export async function refreshTermStatistics(q: Queryable): Promise<void> {
  for (const table of TERM_TABLES) {
    await q.query(`ANALYZE ${table}`);
  }
  await q.query("SELECT gin_clean_pending_list('term_concept_search'::regclass)");
}
