import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Database } from './database.ts';

const migrationsDir = path.resolve(import.meta.dirname, '../../../migrations');

/** A versioned migration file: `0001_init.sql` → version 1. */
type Migration = { version: number; name: string; sql: string };

function listMigrations(): Migration[] {
  return readdirSync(migrationsDir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 4)),
      name: file.replace(/\.sql$/, ''),
      sql: readFileSync(path.join(migrationsDir, file), 'utf8'),
    }));
}

/** What `migrate` did. */
export type MigrationReport = { applied: string[]; current: number };

/**
 * Applies every migration not yet applied, in one transaction under a transaction-scoped advisory
 * lock, so several nodes starting together migrate once and a failed migration leaves nothing behind.
 * Optional extensions (pgvector) are enabled where the server has them.
 */
export async function migrate(db: Database): Promise<MigrationReport> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(727274)');
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migration (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    if (db.hasVector) {
      await tx.query('CREATE EXTENSION IF NOT EXISTS vector');
    }
    const { rows } = await tx.query<{ version: number }>('SELECT version FROM schema_migration');
    const done = new Set(rows.map((row) => row.version));
    const applied: string[] = [];
    let current = Math.max(0, ...done);
    for (const migration of listMigrations()) {
      if (done.has(migration.version)) {
        continue;
      }
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migration (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.name);
      current = Math.max(current, migration.version);
    }
    return { applied, current };
  });
}
