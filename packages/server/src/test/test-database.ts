import { migrate, openDatabase, type Database, type QueryObserver } from '../platform/db/index.ts';

/** Which database the integration tests run on: `CAREGRAPH_TEST_DB=postgres` uses TEST_DATABASE_URL. */
export function testDatabaseMode(): 'embedded' | 'postgres' {
  return process.env.CAREGRAPH_TEST_DB === 'postgres' ? 'postgres' : 'embedded';
}

/**
 * Opens a migrated database for one test file: a fresh in-memory PGlite, or the shared PostgreSQL
 * test database (files isolate themselves by tenant, so they can share it).
 * @param observe - sees every query's duration, as the server's metrics do
 */
export async function openTestDatabase(observe?: QueryObserver): Promise<Database> {
  const mode = testDatabaseMode();
  const url = process.env.TEST_DATABASE_URL;
  if (mode === 'postgres' && !url) {
    throw new Error('CAREGRAPH_TEST_DB=postgres needs TEST_DATABASE_URL');
  }
  const db = await openDatabase(
    { databaseUrl: mode === 'postgres' ? url : undefined, dataDir: 'memory://', databasePoolSize: 8 },
    observe,
  );
  await migrate(db);
  return db;
}
