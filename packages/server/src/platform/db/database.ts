/** A result row set, the same shape on PGlite and on node-postgres. */
export type QueryResult<Row> = { rows: Row[]; rowCount: number };

/**
 * `name` makes a hot query a prepared statement on PostgreSQL (parsed and planned once per
 * connection). node-postgres never drops a prepared statement, so names go only to a bounded set
 * of SQL texts: constant queries, or generated ones under a cap (`statementNamer`).
 *
 * `genericPlan`, with a name and in a transaction on PostgreSQL: the statement runs its generic plan,
 * made once per connection (`plan_cache_mode = force_generic_plan` around it alone), for statements
 * whose work is bounded by the keys they are given whatever the values, such as a write's rows by
 * id. Left to choose, PostgreSQL keeps making a custom plan for each execution of many of those
 * (it estimates the generic plan dearer), and planning costs as much as executing. Ignored outside
 * a transaction (`Database.genericPlans` is for those) and by PGlite, which prepares nothing.
 */
export type QueryOptions = { name?: string; genericPlan?: boolean };

/** Something SQL can be sent to: the database itself or an open transaction. */
export type Queryable = {
  query: <Row = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ) => Promise<QueryResult<Row>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec: (sql: string) => Promise<void>;
};

/** Stops a `listen`; resolves once the channel is no longer listened to on this connection. */
export type Unlisten = () => Promise<void>;

/** Observes every query's duration; used for the DB latency metric. */
export type QueryObserver = (seconds: number, isError: boolean) => void;

/** The database CareGraph runs on: embedded PGlite or a PostgreSQL server, one SQL dialect. */
export type Database = Queryable & {
  readonly mode: 'embedded' | 'postgres';
  /** The directory of an embedded database kept on disk; undefined in memory and on PostgreSQL. */
  readonly dataDir?: string | undefined;
  /** Runs `work` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction: <T>(work: (tx: Queryable) => Promise<T>) => Promise<T>;
  /**
   * Runs `work` on connections where prepared statements always run their generic plan
   * (PostgreSQL's `plan_cache_mode = force_generic_plan`), for statements whose work is bounded by
   * the keys they are given whatever the values. On PostgreSQL, one connection of a pool of their
   * own, opened on first use, so no other statement is planned that way; outside a transaction.
   * PGlite prepares nothing and runs `work` on the database itself.
   */
  genericPlans: <T>(work: (q: Queryable) => Promise<T>) => Promise<T>;
  /** Whether the optional pgvector extension is available on this server. */
  readonly hasVector: boolean;
  /**
   * Calls `onNotification` with the payload of every `NOTIFY` on `channel` (delivered on commit, so
   * never for rolled-back work) until the returned function is called. On PostgreSQL all listeners
   * share one dedicated connection, which reconnects (and listens again) when it drops.
   */
  listen: (channel: string, onNotification: (payload: string) => void) => Promise<Unlisten>;
  close: () => Promise<void>;
};
