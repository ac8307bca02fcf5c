// `--statement-stats`: which SQL statements PostgreSQL ran in a benchmark's measured window (a search
// shape's, the patient index's creates), with their planning and execution time, from
// `pg_stat_statements`. It tells where the database's time per request goes (the search statement,
// its planning, the audit entry, the index writes) without a separate diagnostic run.
import { openDatabase, type Database } from '../../packages/server/src/index.ts';
import { onCleanup } from './cleanups.ts';
import { fmt } from './report.ts';

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

/** The statements of one measured window, most time first, and what they add up to per request. */
export type ShapeStatementStats = {
  statements: StatementStat[];
  totalPerRequest: { calls: number; planMs: number; execMs: number };
};

/** How many statements a window's report keeps by default; the rest are in the totals. */
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
  /** Closes the connection (once; also run by the benchmark's cleanups). */
  readonly close: () => Promise<void>;

  private constructor(db: Database) {
    this.db = db;
    this.close = onCleanup('statistics connection', db.close);
  }

  /**
   * Connects to the benchmarked PostgreSQL database and creates the extension there (PostgreSQL
   * preloads its library, see `STATEMENT_STATS_SETTINGS`).
   */
  static async connect(database: { databaseUrl: string | undefined; dataDir: string }): Promise<StatementStats> {
    const db = await openDatabase({ ...database, databasePoolSize: 1 });
    const stats = new StatementStats(db);
    await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    return stats;
  }

  /** Forgets everything counted so far: called when a measured window opens. */
  async reset(): Promise<void> {
    await this.db.query('SELECT pg_stat_statements_reset()');
  }

  /** What ran since the last reset, per request of the window's `requests`, the `kept` costliest statements named. */
  async read(requests: number, kept = KEPT_STATEMENTS): Promise<ShapeStatementStats> {
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
      statements: rows.slice(0, kept).map((row) => ({
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

/** A window's statements as log lines: the totals per request, then each statement kept. */
export function statementLogLines(label: string, stats: ShapeStatementStats): string[] {
  const total = stats.totalPerRequest;
  return [
    `${label} statements per request: ${total.calls}, planning ${total.planMs} ms, execution ${total.execMs} ms`,
    ...stats.statements.map(
      (statement) =>
        `  ${Math.round(statement.shareOfTime * 100)}% ${statement.callsPerRequest}/req plan ${statement.planMs} exec ${statement.execMs} ms ` +
        `hit ${statement.sharedHits} read ${statement.sharedReads}: ${statement.query.slice(0, 120)}`,
    ),
  ];
}

/** Markdown table rows of several windows' statements, each window's totals first (`label`: mode and window). */
export function statementTableLines(windows: ReadonlyArray<{ label: string; stats: ShapeStatementStats }>): string[] {
  const lines = [
    '| window | share of time | calls/req | plan ms | exec ms | buffers hit / read per call | statement |',
    '|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const { label, stats } of windows) {
    const total = stats.totalPerRequest;
    lines.push(`| ${label} | all | ${fmt(total.calls)} | ${fmt(total.planMs)} | ${fmt(total.execMs)} | | |`);
    for (const s of stats.statements) {
      const query = s.query.replaceAll('|', '\\|').slice(0, 100);
      lines.push(
        `| ${label} | ${Math.round(s.shareOfTime * 100)}% | ${fmt(s.callsPerRequest)} | ${fmt(s.planMs)} | ` +
          `${fmt(s.execMs)} | ${fmt(s.sharedHits)} / ${fmt(s.sharedReads)} | \`${query}\` |`,
      );
    }
  }
  return lines;
}
