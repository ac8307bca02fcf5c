import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import pg from 'pg';
import { storedPatientJson } from './patients.ts';

/**
 * The database without CareGraph: the exact read query of the FHIR read path, and a single-row
 * INSERT of the stored resource JSON into a scratch table shaped like `resource`.
 */

/** The read path's SQL (`tryReadCurrentText` in the server's resource-rows.ts), verbatim. */
export const READ_SQL =
  'SELECT version_id, last_updated, deleted, content::text AS text FROM resource WHERE tenant_id = $1 AND resource_type = $2 AND id = $3';

/** A scratch table with the columns, keys and indexes of `resource` (no foreign key). */
export const SCRATCH_TABLE = 'bench_raw_resource';
const CREATE_SCRATCH_SQL = `CREATE TABLE IF NOT EXISTS ${SCRATCH_TABLE} (LIKE resource INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)`;
const INSERT_SQL = `INSERT INTO ${SCRATCH_TABLE} (tenant_id, resource_type, id, version_id, last_updated, deleted, content)
  VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`;

type Query = (sql: string, params: unknown[]) => Promise<{ rows: unknown[] }>;

/** A raw connection (pool) and the two operations measured on it. */
export type RawDriver = {
  read: (id: string) => Promise<void>;
  insert: (seq: number) => Promise<void>;
  close: () => Promise<void>;
};

function operations(query: Query, tenantId: string): Pick<RawDriver, 'read' | 'insert'> {
  return {
    async read(id) {
      const { rows } = await query(READ_SQL, [tenantId, 'Patient', id]);
      if (rows.length !== 1) {
        throw new Error(`raw read: Patient/${id} not found`);
      }
    },
    async insert(seq) {
      const id = randomUUID();
      const now = new Date();
      await query(INSERT_SQL, [tenantId, 'Patient', id, 1, now, false, storedPatientJson(seq, id, now)]);
    },
  };
}

/** node-postgres, as the server uses it: a `pg.Pool` of `size` connections, unnamed statements. */
export async function openPostgresRaw(url: string, tenantId: string, size: number): Promise<RawDriver> {
  const pool = new pg.Pool({ connectionString: url, max: size });
  pool.on('error', () => {});
  await pool.query(CREATE_SCRATCH_SQL);
  return {
    ...operations((sql, params) => pool.query(sql, params), tenantId),
    close: () => pool.end(),
  };
}

type PGliteInstance = {
  query: (sql: string, params?: unknown[]) => Promise<{ rows: unknown[] }>;
  exec: (sql: string) => Promise<unknown>;
  close: () => Promise<void>;
};
type PGliteModule = {
  PGlite: { create: (options: { dataDir: string; extensions: Record<string, unknown> }) => Promise<PGliteInstance> };
};

/** PGlite is a dependency of the server package, not of the repository root: load it from there. */
function loadPGlite(): { module: PGliteModule; extensions: Record<string, unknown> } {
  const requireFromServer = createRequire(path.resolve(import.meta.dirname, '../../packages/server/package.json'));
  const module = requireFromServer('@electric-sql/pglite') as PGliteModule;
  const { pg_trgm } = requireFromServer('@electric-sql/pglite/contrib/pg_trgm') as { pg_trgm: unknown };
  const { pgcrypto } = requireFromServer('@electric-sql/pglite/contrib/pgcrypto') as { pgcrypto: unknown };
  const { vector } = requireFromServer('@electric-sql/pglite/vector') as { vector: unknown };
  return { module, extensions: { pg_trgm, pgcrypto, vector } };
}

/** The PGlite package's version, for the report. */
export function pgliteVersion(): string {
  const requireFromServer = createRequire(path.resolve(import.meta.dirname, '../../packages/server/package.json'));
  const entry = requireFromServer.resolve('@electric-sql/pglite');
  const packageJson = path.join(entry.slice(0, entry.lastIndexOf(`${path.sep}dist${path.sep}`)), 'package.json');
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
}

/**
 * PGlite on the server's data directory, in this process, with the extensions the server loads.
 * The server must have stopped: a data directory has one process at a time. PGlite has one
 * connection and queues concurrent queries.
 */
export async function openEmbeddedRaw(dataDir: string, tenantId: string): Promise<RawDriver> {
  const { module, extensions } = loadPGlite();
  const db = await module.PGlite.create({ dataDir, extensions });
  await db.exec(CREATE_SCRATCH_SQL);
  return {
    ...operations((sql, params) => db.query(sql, params), tenantId),
    close: () => db.close(),
  };
}
