import type { Config } from '../../config.ts';
import type { Database, QueryObserver } from './database.ts';
import { openEmbeddedDatabase } from './pglite.ts';
import { openPostgresDatabase } from './postgres.ts';

export type { Database, Queryable, QueryResult, QueryObserver } from './database.ts';
export { isGenericPlanSize } from './generic-plan.ts';
export { migrate, type MigrationReport } from './migrate.ts';
export { isTransientConflict, retryTransientConflicts } from './transient-conflict.ts';

/** Opens the database the configuration names: PostgreSQL when DATABASE_URL is set, else embedded. */
export function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir' | 'databasePoolSize'>,
  observe?: QueryObserver,
): Promise<Database> {
  return config.databaseUrl
    ? openPostgresDatabase(config.databaseUrl, config.databasePoolSize, observe)
    : openEmbeddedDatabase(config.dataDir, observe);
}
