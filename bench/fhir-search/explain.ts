import type { QueryOptions } from '../../packages/server/src/platform/db/database.ts';
import type { Database, Queryable } from '../../packages/server/src/platform/db/index.ts';
import { handleFhirRequest, type FhirRepo } from '../../packages/server/src/modules/fhir/index.ts';
import { QUERIED_TABLES } from '../../packages/server/src/modules/import/analyze-tables.ts';

/**
 * The query plans of the SQL the server runs for a request: the request goes through the server's
 * own FHIR router (`handleFhirRequest`, the function the HTTP route calls) in this process, on a
 * database handle that runs `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)` on every read before running it for
 * real. Nothing is re-implemented: whatever SQL the search code builds is what gets explained.
 */

/** Tables that grow with the data: a sequential scan of one of them does not scale. */
const LARGE_TABLES = new Set<string>(['resource', 'resource_history', ...QUERIED_TABLES]);

type PlanNode = {
  'Node Type'?: string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Plan Rows'?: number;
  /** With BUFFERS: the node's pages found in shared buffers and read from the OS, its children's included. */
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
};
type ExplainOutput = Array<{ Plan?: PlanNode; 'Execution Time'?: number; 'Planning Time'?: number }>;

/** One statement the server ran, and what its plan reads. */
export type StatementPlan = {
  /** The SQL text, shortened for the report. */
  sql: string;
  executionMs: number;
  planningMs: number;
  /** 8 kB pages the execution found in PostgreSQL's shared buffers, and read from the OS (cache or disk). */
  sharedHitBlocks: number;
  sharedReadBlocks: number;
  indexes: string[];
  /** `table (≈rows)` for each sequential scan of a large table. */
  seqScansOnLargeTables: string[];
  /** Every other sequential scan (small or temporary relations). */
  otherSeqScans: string[];
  nodeTypes: string[];
};

/** The plans behind one request, or why it could not run. */
export type RequestPlans = { path: string; statements: StatementPlan[]; error?: string };

function walk(node: PlanNode | undefined, visit: (node: PlanNode) => void): void {
  if (!node) {
    return;
  }
  visit(node);
  for (const child of node.Plans ?? []) {
    walk(child, visit);
  }
}

function summarize(sql: string, output: ExplainOutput, tableRows: ReadonlyMap<string, number>): StatementPlan {
  const root = output[0];
  const indexes = new Set<string>();
  const nodeTypes = new Set<string>();
  const seqScansOnLargeTables: string[] = [];
  const otherSeqScans: string[] = [];
  walk(root?.Plan, (node) => {
    nodeTypes.add(node['Node Type'] ?? '?');
    if (node['Index Name']) {
      indexes.add(node['Index Name']);
    }
    const relation = node['Relation Name'];
    if (node['Node Type'] === 'Seq Scan' && relation) {
      const rows = tableRows.get(relation);
      const described = `${relation} (≈${rows === undefined ? '?' : Math.round(rows).toLocaleString('en-US')} rows)`;
      (LARGE_TABLES.has(relation) ? seqScansOnLargeTables : otherSeqScans).push(described);
    }
  });
  return {
    sql: sql.replace(/\s+/g, ' ').trim().slice(0, 2000),
    executionMs: Math.round((root?.['Execution Time'] ?? Number.NaN) * 1000) / 1000,
    planningMs: Math.round((root?.['Planning Time'] ?? Number.NaN) * 1000) / 1000,
    sharedHitBlocks: root?.Plan?.['Shared Hit Blocks'] ?? 0,
    sharedReadBlocks: root?.Plan?.['Shared Read Blocks'] ?? 0,
    indexes: [...indexes].sort(),
    seqScansOnLargeTables,
    otherSeqScans,
    nodeTypes: [...nodeTypes].sort(),
  };
}

/** Whether a statement only reads: those are explained; writes (none expected for a GET) are not. */
function isRead(sql: string): boolean {
  return /^\s*(SELECT|WITH)\b/i.test(sql) && !/\b(INSERT|UPDATE|DELETE)\b/i.test(sql);
}

function explaining(target: Queryable, found: StatementPlan[], tableRows: ReadonlyMap<string, number>): Queryable {
  return {
    async query<Row>(sql: string, params: readonly unknown[] = [], options?: QueryOptions) {
      if (isRead(sql)) {
        const { rows } = await target.query<{ 'QUERY PLAN': ExplainOutput }>(
          `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`,
          params,
        );
        found.push(summarize(sql, rows[0]?.['QUERY PLAN'] ?? [], tableRows));
      }
      return target.query<Row>(sql, params, options);
    },
    exec: (sql) => target.exec(sql),
  };
}

/**
 * Rows per large table: the planner's estimate after ANALYZE, or an exact count for a table never
 * analysed (the server analyses the search tables only, not `resource_history`).
 */
export async function readTableRows(db: Queryable): Promise<Map<string, number>> {
  const { rows } = await db.query<{ relname: string; reltuples: number }>(
    'SELECT relname, reltuples::float8 AS reltuples FROM pg_class WHERE relkind = $1 AND relname = ANY($2)',
    ['r', [...LARGE_TABLES]],
  );
  const counts = new Map<string, number>();
  for (const row of rows) {
    let count = row.reltuples;
    if (count < 0) {
      // Names come from pg_class and LARGE_TABLES, never from input.
      const exact = await db.query<{ count: number }>(`SELECT count(*)::float8 AS count FROM ${row.relname}`);
      count = exact.rows[0]?.count ?? 0;
    }
    counts.set(row.relname, count);
  }
  return counts;
}

/**
 * Runs one GET through the server's router on an explaining handle and returns the plan of every
 * statement it ran. A request the server refuses (a shape it does not support) is returned with its error.
 */
export async function explainRequest(options: {
  db: Database;
  tenantId: string;
  path: string;
  tableRows: ReadonlyMap<string, number>;
}): Promise<RequestPlans> {
  const { db, tenantId, path, tableRows } = options;
  const statements: StatementPlan[] = [];
  const base = explaining(db, statements, tableRows);
  const explainingDb: Database = {
    ...db,
    query: base.query,
    exec: base.exec,
    transaction: (work) => db.transaction((tx) => work(explaining(tx, statements, tableRows))),
  };
  const repo: FhirRepo = { db: explainingDb, tenantId, baseUrl: 'http://127.0.0.1/fhir/R4', now: () => new Date() };
  const question = path.indexOf('?');
  const query = question < 0 ? [] : [...new URLSearchParams(path.slice(question + 1)).entries()];
  try {
    const response = await handleFhirRequest(repo, {
      method: 'GET',
      path: question < 0 ? path : path.slice(0, question),
      query,
    });
    if (response.status !== 200) {
      return { path, statements, error: `status ${response.status}` };
    }
  } catch (error) {
    return { path, statements, error: (error as Error).message.slice(0, 300) };
  }
  return { path, statements };
}
