/** A result row set, the same shape on PGlite and on node-postgres. */
export type QueryResult<Row> = { rows: Row[]; rowCount: number };

/**
 * `name` makes a hot, fixed query a prepared statement on PostgreSQL (parsed and planned once per
 * connection); only for constant SQL text, never for generated SQL. PGlite ignores it.
 */
export type QueryOptions = { name?: string };

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

/** Observes every query's duration; used for the DB latency metric. */
export type QueryObserver = (seconds: number, isError: boolean) => void;

/** The database CareGraph runs on: embedded PGlite or a PostgreSQL server, one SQL dialect. */
export type Database = Queryable & {
  readonly mode: 'embedded' | 'postgres';
  /** Runs `work` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction: <T>(work: (tx: Queryable) => Promise<T>) => Promise<T>;
  /** Whether the optional pgvector extension is available on this server. */
  readonly hasVector: boolean;
  close: () => Promise<void>;
};
