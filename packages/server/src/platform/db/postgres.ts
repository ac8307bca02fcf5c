import pg from 'pg';
import { createPostgresListener } from './postgres-listener.ts';
import type { Database, QueryObserver, Queryable, QueryOptions, QueryResult } from './database.ts';

// Return bigint (int8) columns as numbers: version ids and counts stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

function wrap(target: pg.Pool | pg.PoolClient, observe: QueryObserver): Queryable {
  return {
    async query<Row>(
      sql: string,
      params: readonly unknown[] = [],
      options: QueryOptions = {},
    ): Promise<QueryResult<Row>> {
      const started = performance.now();
      try {
        const values = params as unknown[];
        const result = await (options.name
          ? target.query({ name: options.name, text: sql, values })
          : target.query(sql, values));
        observe((performance.now() - started) / 1000, false);
        return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
      } catch (error) {
        observe((performance.now() - started) / 1000, true);
        throw error;
      }
    },
    async exec(sql: string): Promise<void> {
      // Without parameters node-postgres uses the simple protocol, which accepts several statements.
      await target.query(sql);
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
  const base = wrap(pool, observe);
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
        const result = await work(wrap(client, observe));
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
        return await work(wrap(client, observe));
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
