import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { pgcrypto } from '@electric-sql/pglite/contrib/pgcrypto';
import { vector } from '@electric-sql/pglite/vector';
import { lockDataDir } from './data-dir-lock.ts';
import type { Database, QueryObserver, Queryable, QueryResult } from './database.ts';

const YIELD_AFTER_MS = 10;

/**
 * Lets the event loop run between queries. PGlite executes each query synchronously on this thread
 * and resolves it as an already-settled promise, so a long transaction (thousands of queries for a
 * large Bundle) would otherwise starve the loop for its whole duration: no new connections, no
 * health checks, no SIGTERM handling until it commits.
 */
function createYielder(): () => Promise<void> {
  let lastYield = performance.now();
  return async () => {
    if (performance.now() - lastYield >= YIELD_AFTER_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
  };
}

function wrap(target: PGlite | Transaction, observe: QueryObserver, yieldToEventLoop: () => Promise<void>): Queryable {
  return {
    async query<Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
      const started = performance.now();
      try {
        const result = await target.query<Row>(sql, params as unknown[]);
        observe((performance.now() - started) / 1000, false);
        return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
      } catch (error) {
        observe((performance.now() - started) / 1000, true);
        throw error;
      } finally {
        await yieldToEventLoop();
      }
    },
    async exec(sql: string): Promise<void> {
      await target.exec(sql);
    },
  };
}

/**
 * Opens (creating if needed) the embedded PostgreSQL in `dataDir`, with pg_trgm, pgcrypto and vector.
 * PGlite runs one connection; it queues concurrent queries and transactions itself. Only one
 * process may open a data directory at a time (see `lockDataDir`).
 */
export async function openEmbeddedDatabase(dataDir: string, observe: QueryObserver = () => {}): Promise<Database> {
  let unlock = () => {};
  if (dataDir !== 'memory://') {
    mkdirSync(dataDir, { recursive: true });
    unlock = lockDataDir(dataDir);
  }
  let pglite: PGlite;
  try {
    pglite = await PGlite.create({ dataDir, extensions: { pg_trgm, pgcrypto, vector } });
  } catch (error) {
    unlock();
    throw error;
  }
  const yieldToEventLoop = createYielder();
  const base = wrap(pglite, observe, yieldToEventLoop);
  return {
    mode: 'embedded',
    dataDir: dataDir === 'memory://' ? undefined : dataDir,
    hasVector: true,
    query: base.query,
    exec: base.exec,
    transaction: (work) => pglite.transaction((tx) => work(wrap(tx, observe, yieldToEventLoop))),
    genericPlans: (work) => work(base),
    async listen(channel, onNotification) {
      const unlisten = await pglite.listen(channel, onNotification);
      return () => unlisten();
    },
    async close() {
      try {
        await pglite.close();
      } finally {
        unlock();
      }
    },
  };
}
