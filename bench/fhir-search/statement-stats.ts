// `--statement-stats`: which SQL statements PostgreSQL ran for each shape's measured window, with
// their planning and execution time, from `pg_stat_statements`. It tells where the database's CPU
// per request goes (the search statement, its planning, the audit entry, the token check) without
// a separate diagnostic run.
import type { Database } from '../../packages/server/src/index.ts';

/** Server settings that load the extension and time planning as well as execution. */
export const STATEMENT_STATS_SETTINGS: Record<string, string> = {
  shared_preload_libraries: 'pg_stat_statements',
  'pg_stat_statements.track': 'all',
  'pg_stat_statements.track_planning': 'on',
};

/** One normalised statement over a measured window, per request of the shape. */
export type StatementStat = {
  /** The statement as `pg_stat_statements` normalises it, whitespace collapsed, cut at 200 characters. */
  query: string;
  callsPerRequest: number;
  /** Mean milliseconds per call. */
  planMs: number;
  execMs: number;
  /** Per call: shared buffers found in memory and read from outside them. */
  sharedHits: number;
  sharedReads: number;
  rowsPerCall: number;
  /** Share of the window's planning plus execution time, 0–1. */
  shareOfTime: number;
};

/** The statements of one shape's window, most time first, and what they add up to per request. */
export type ShapeStatementStats = {
  statements: StatementStat[];
  totalPerRequest: { calls: number; planMs: number; execMs: number };
};

/** How many statements a shape's report keeps; the rest are in the totals. */
const KEPT_STATEMENTS = 8;

type Row = {
  query: string;
  calls: number;
  total_plan_time: number;
  total_exec_time: number;
  shared_blks_hit: number;
  shared_blks_read: number;
  rows: number;
};

const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Readings of `pg_stat_statements` on a connection of the benchmark's own. */
export class StatementStats {
  private readonly db: Database;

  private constructor(db: Database) {
    this.db = db;
  }

  /** Creates the extension in the benchmarked database (PostgreSQL preloads its library). */
  static async open(db: Database): Promise<StatementStats> {
    await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    return new StatementStats(db);
  }

  /** Forgets everything counted so far: called when a shape's measured window opens. */
  async reset(): Promise<void> {
    await this.db.query('SELECT pg_stat_statements_reset()');
  }

  /** What ran since the last reset, per request of the window's `requests`. */
  async read(requests: number): Promise<ShapeStatementStats> {
    const { rows } = await this.db.query<Row>(
      `SELECT query, calls::float8 AS calls, total_plan_time, total_exec_time,
              shared_blks_hit::float8 AS shared_blks_hit, shared_blks_read::float8 AS shared_blks_read,
              rows::float8 AS rows
         FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND query NOT LIKE '%pg_stat_statements%'
        ORDER BY total_plan_time + total_exec_time DESC`,
    );
    const perRequest = Math.max(requests, 1);
    const totalMs = rows.reduce((sum, row) => sum + row.total_plan_time + row.total_exec_time, 0) || 1;
    return {
      statements: rows.slice(0, KEPT_STATEMENTS).map((row) => ({
        query: row.query.replace(/\s+/g, ' ').trim().slice(0, 200),
        callsPerRequest: round(row.calls / perRequest),
        planMs: round(row.total_plan_time / row.calls),
        execMs: round(row.total_exec_time / row.calls),
        sharedHits: round(row.shared_blks_hit / row.calls, 1),
        sharedReads: round(row.shared_blks_read / row.calls, 1),
        rowsPerCall: round(row.rows / row.calls, 1),
        shareOfTime: round((row.total_plan_time + row.total_exec_time) / totalMs),
      })),
      totalPerRequest: {
        calls: round(rows.reduce((sum, row) => sum + row.calls, 0) / perRequest, 2),
        planMs: round(rows.reduce((sum, row) => sum + row.total_plan_time, 0) / perRequest),
        execMs: round(rows.reduce((sum, row) => sum + row.total_exec_time, 0) / perRequest),
      },
    };
  }
}
