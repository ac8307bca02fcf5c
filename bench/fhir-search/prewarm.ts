// Warming PostgreSQL's caches before the measured load. Every benchmark run starts the cluster anew,
// so `shared_buffers` is empty and the OS page cache holds whatever was written or read last (after
// a load: the load's last writes, not the search indexes). A clinic's server that has run for a
// while has its searched indexes cached; measuring from empty buffers would time the disk instead.
// `pg_prewarm` (PostgreSQL contrib) reads the relations in: all of them into the OS cache, then the
// searched tables' indexes and the resource table into shared buffers, as much as fits. The audit
// trail's indexes are read too: every search writes an entry, and the integrator files it into them
// (the entry id's index at a random page), which a cold cache turned into disk reads during the
// first shape measured.
import type { Database } from '../../packages/server/src/index.ts';
import { QUERIED_TABLES } from '../../packages/server/src/modules/import/analyze-tables.ts';

/** What was read, and how long it took. */
export type PrewarmReport = {
  seconds: number;
  /** Read into the OS page cache: every searched table and its indexes. */
  osCacheMb: number;
  /** Read into shared buffers: the indexes first, then the resource table, until the budget is spent. */
  sharedBuffersMb: number;
  /** Relations that did not fit into shared buffers (they stay in the OS cache). */
  leftToOsCache: string[];
};

type Relation = { oid: number; name: string; isIndex: boolean; bytes: number; table: string };

/** Searches never read the journey tables; the journey screens do, and are measured elsewhere. */
const SEARCHED_TABLES = QUERIED_TABLES.filter((table) => !table.startsWith('journey_'));

/** Every request's audit entry is written to, then integrated into, these tables' indexes (not their heaps). */
const AUDIT_TABLES = ['audit_entry', 'audit_leaf', 'audit_node'];

/** Of shared buffers, this share may be filled ahead; the rest is left for what the load itself reads. */
const BUFFER_SHARE = 0.9;

/**
 * The searched tables with their indexes and TOAST (large resources' JSON lives there), and the audit
 * tables' indexes, with sizes.
 */
async function searchedRelations(db: Database): Promise<Relation[]> {
  const { rows } = await db.query<{ oid: number; name: string; is_index: boolean; bytes: number; table_name: string }>(
    `WITH searched AS (
       SELECT oid, relname, reltoastrelid FROM pg_class
        WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r' AND relname = ANY($1::text[])
     ), audit AS (
       SELECT oid, relname FROM pg_class
        WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r' AND relname = ANY($2::text[])
     ), relations AS (
       SELECT oid AS relid, relname AS table_name FROM searched
       UNION ALL SELECT reltoastrelid, relname FROM searched WHERE reltoastrelid <> 0
       UNION ALL SELECT i.indexrelid, s.relname FROM searched s JOIN pg_index i ON i.indrelid IN (s.oid, s.reltoastrelid)
       UNION ALL SELECT i.indexrelid, a.relname FROM audit a JOIN pg_index i ON i.indrelid = a.oid
     )
     SELECT r.relid::int8::float8 AS oid, r.relid::regclass::text AS name, c.relkind = 'i' AS is_index,
            pg_relation_size(r.relid)::float8 AS bytes, r.table_name
       FROM relations r JOIN pg_class c ON c.oid = r.relid`,
    [SEARCHED_TABLES, AUDIT_TABLES],
  );
  return rows.map((row) => ({
    oid: row.oid,
    name: row.name,
    isIndex: row.is_index,
    bytes: row.bytes,
    table: row.table_name,
  }));
}

/**
 * Which relations go into shared buffers: every index (smallest first, so one huge index cannot
 * crowd out the rest), then the resource table, which every search reads its results from.
 */
export function pickBufferedRelations(relations: readonly Relation[], budgetBytes: number) {
  const ordered = [
    ...relations.filter((relation) => relation.isIndex).sort((a, b) => a.bytes - b.bytes),
    ...relations.filter((relation) => !relation.isIndex && relation.table === 'resource'),
  ];
  const buffered: Relation[] = [];
  const left: Relation[] = [];
  let used = 0;
  for (const relation of ordered) {
    if (used + relation.bytes <= budgetBytes) {
      buffered.push(relation);
      used += relation.bytes;
    } else {
      left.push(relation);
    }
  }
  return { buffered, left, bytes: used };
}

const MB = 2 ** 20;

/**
 * Reads the searched tables and the audit indexes into the OS cache, and the indexes into shared
 * buffers (PostgreSQL only).
 */
export async function prewarmSearchedTables(db: Database): Promise<PrewarmReport> {
  const started = performance.now();
  await db.query('CREATE EXTENSION IF NOT EXISTS pg_prewarm');
  const relations = await searchedRelations(db);
  for (const relation of relations) {
    await db.query(`SELECT pg_prewarm($1::oid::regclass, 'read')`, [relation.oid]);
  }
  const setting = await db.query<{ bytes: number }>(
    `SELECT setting::float8 * current_setting('block_size')::float8 AS bytes FROM pg_settings WHERE name = 'shared_buffers'`,
  );
  const { buffered, left, bytes } = pickBufferedRelations(relations, (setting.rows[0]?.bytes ?? 0) * BUFFER_SHARE);
  for (const relation of buffered) {
    await db.query(`SELECT pg_prewarm($1::oid::regclass, 'buffer')`, [relation.oid]);
  }
  return {
    seconds: Math.round((performance.now() - started) / 100) / 10,
    osCacheMb: Math.round(relations.reduce((sum, relation) => sum + relation.bytes, 0) / MB),
    sharedBuffersMb: Math.round(bytes / MB),
    leftToOsCache: left.map((relation) => relation.name),
  };
}
