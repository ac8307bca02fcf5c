import type { Queryable } from '../../packages/server/src/platform/db/index.ts';
import type { QueryOptions } from '../../packages/server/src/platform/db/database.ts';

/**
 * Query plans of the SQL the typeahead runs: the server's own `searchConcepts` is called on a
 * handle that runs `EXPLAIN (ANALYZE, FORMAT JSON)` on each statement before running it, so the
 * plans are of exactly the SQL and parameters the endpoint uses.
 */

/** The table whose sequential scans the benchmark looks for: it grows with every loaded release. */
export const CONCEPT_TABLE = 'term_concept';

type PlanNode = {
  'Node Type'?: string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  Plans?: PlanNode[];
};
type ExplainOutput = Array<{ Plan?: PlanNode; 'Execution Time'?: number; 'Planning Time'?: number }>;

/** What one statement's plan read. */
export type StatementPlan = {
  sql: string;
  executionMs: number;
  planningMs: number;
  indexes: string[];
  /** Sequential scans by table, e.g. `term_system`. */
  seqScans: string[];
  nodeTypes: string[];
};

/** The plans behind one typeahead query. */
export type QueryPlans = { query: string; statements: StatementPlan[] };

function walk(node: PlanNode | undefined, visit: (node: PlanNode) => void): void {
  if (node) {
    visit(node);
    for (const child of node.Plans ?? []) {
      walk(child, visit);
    }
  }
}

function summarize(sql: string, output: ExplainOutput): StatementPlan {
  const root = output[0];
  const indexes = new Set<string>();
  const nodeTypes = new Set<string>();
  const seqScans: string[] = [];
  walk(root?.Plan, (node) => {
    nodeTypes.add(node['Node Type'] ?? '?');
    if (node['Index Name']) {
      indexes.add(node['Index Name']);
    }
    if (node['Node Type'] === 'Seq Scan' && node['Relation Name']) {
      seqScans.push(node['Relation Name']);
    }
  });
  return {
    sql: sql.replace(/\s+/g, ' ').trim().slice(0, 2000),
    executionMs: Math.round((root?.['Execution Time'] ?? Number.NaN) * 1000) / 1000,
    planningMs: Math.round((root?.['Planning Time'] ?? Number.NaN) * 1000) / 1000,
    indexes: [...indexes].sort(),
    seqScans,
    nodeTypes: [...nodeTypes].sort(),
  };
}

/** A handle that explains every statement (all of them read) into `found`, then runs it. */
export function explaining(target: Queryable, found: StatementPlan[]): Queryable {
  return {
    async query<Row>(sql: string, params: readonly unknown[] = [], options?: QueryOptions) {
      const { rows } = await target.query<{ 'QUERY PLAN': ExplainOutput | string }>(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
        params,
      );
      const plan = rows[0]?.['QUERY PLAN'];
      found.push(summarize(sql, typeof plan === 'string' ? (JSON.parse(plan) as ExplainOutput) : (plan ?? [])));
      return target.query<Row>(sql, params, options);
    },
    exec: (sql) => target.exec(sql),
  };
}

/** Whether any statement scanned the concept table sequentially. */
export function scansConcepts(plans: QueryPlans): boolean {
  return plans.statements.some((statement) => statement.seqScans.includes(CONCEPT_TABLE));
}
