import pg from 'pg';
import { createPostgresListener } from './postgres-listener.ts';
import type { Database, QueryObserver, Queryable, QueryOptions, QueryResult } from './database.ts';

// Return bigint (int8) columns as numbers: version ids and counts stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** How statements reach PostgreSQL: `send` one with parameters, `run` a script without (simple protocol). */
type Sender = {
  send: (sql: string, values: unknown[], options: QueryOptions) => Promise<pg.QueryResult>;
  run: (sql: string) => Promise<unknown>;
};

const FORCE_GENERIC_PLANS = 'SET LOCAL plan_cache_mode = force_generic_plan';
const DEFAULT_PLANS = 'SET LOCAL plan_cache_mode TO DEFAULT';

/** Sends a statement, prepared when named. */
function sendStatement(target: pg.Pool | pg.PoolClient, sql: string, values: unknown[], options: QueryOptions) {
  return options.name ? target.query({ name: options.name, text: sql, values }) : target.query(sql, values);
}

/** Statements to a pool (or a connection of its own): each as it comes. */
function poolSender(target: pg.Pool | pg.PoolClient): Sender {
  return {
    send: (sql, values, options) => sendStatement(target, sql, values, options),
    run: (sql) => target.query(sql),
  };
}

/**
 * Statements of a transaction: one after another in the order they were sent, even when a caller
 * sends several at once, each run in the plan cache mode it asks for. The connection's mode is
 * switched only when it changes, so consecutive `genericPlan` statements (a write's rows, index,
 * audit and journey) share one switch.
 */
function transactionSender(client: pg.PoolClient): Sender {
  let generic = false;
  let last: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(work: () => Promise<T>): Promise<T> => {
    const turn = last.then(work);
    last = turn.catch(() => {});
    return turn;
  };
  return {
    send: (sql, values, options) =>
      inTurn(async () => {
        // Only a prepared statement keeps its generic plan; an unnamed one would be planned generically each time.
        const wanted = options.genericPlan === true && options.name !== undefined;
        if (wanted !== generic) {
          await client.query(wanted ? FORCE_GENERIC_PLANS : DEFAULT_PLANS);
          generic = wanted;
        }
        return sendStatement(client, sql, values, options);
      }),
    run: (sql) => inTurn(() => client.query(sql)),
  };
}

function wrap(sender: Sender, observe: QueryObserver): Queryable {
  return {
    async query<Row>(
      sql: string,
      params: readonly unknown[] = [],
      options: QueryOptions = {},
    ): Promise<QueryResult<Row>> {
      const started = performance.now();
      try {
        const result = await sender.send(sql, params as unknown[], options);
        observe((performance.now() - started) / 1000, false);
        return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
      } catch (error) {
        observe((performance.now() - started) / 1000, true);
        throw error;
      }
    },
    async exec(sql: string): Promise<void> {
      // Without parameters node-postgres uses the simple protocol, which accepts several statements.
      await sender.run(sql);
    },
  };
}

/** Connects a pool to a PostgreSQL server (≥ 15). */
export async function openPostgresDatabase(
  connectionString: string,
  poolSize: number,
  observe: QueryObserver = () => {},
): Promise<Database> {
  const openPool = (options?: string) => {
    const opened = new pg.Pool({ connectionString, max: poolSize, ...(options ? { options } : {}) });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    opened.on('error', () => {});
    return opened;
  };
  const pool = openPool();
  const base = wrap(poolSender(pool), observe);
  const listener = createPostgresListener(connectionString);
  // A setting of the connections, not of each transaction: SET LOCAL would cost a transaction and
  // two more round trips per use. Opened on first use; a server that never asks has none.
  let genericPool: pg.Pool | undefined;
  const { rows } = await base.query<{ available: boolean }>(
    "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') AS available",
  );
  return {
    mode: 'postgres',
    hasVector: rows[0]?.available === true,
    query: base.query,
    exec: base.exec,
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(wrap(transactionSender(client), observe));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async genericPlans(work) {
      const client = await (genericPool ??= openPool('-c plan_cache_mode=force_generic_plan')).connect();
      try {
        return await work(wrap(poolSender(client), observe));
      } finally {
        client.release();
      }
    },
    listen: listener.listen,
    async close() {
      await listener.close();
      await pool.end();
      await genericPool?.end();
    },
  };
}
