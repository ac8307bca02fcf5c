import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '@caregraph/server';
import { createCliTestDatabase, createTempDir, freshTenantId, runCli, testDatabaseMode } from '../test/cli-harness.ts';

const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../../../server/migrations');

/** The migrations the server ships, by name, in order. */
function shippedMigrations(): string[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => file.replace(/\.sql$/, ''));
}

/**
 * A database no migration has touched: a fresh data directory, or a fresh database on the test
 * PostgreSQL server (created and dropped here).
 */
async function createEmptyDatabase(): Promise<{ env: Record<string, string>; remove: () => Promise<void> }> {
  const dir = createTempDir('migrate');
  const dataDir = path.join(dir.path, 'data');
  if (testDatabaseMode() === 'embedded') {
    return { env: { CAREGRAPH_DATA_DIR: dataDir }, remove: async () => dir.remove() };
  }
  const url = new URL(process.env.TEST_DATABASE_URL ?? '');
  const name = `caregraph_migrate_${freshTenantId('db').replace(/-/g, '_')}`;
  const admin = await openDatabase({ databaseUrl: url.href, dataDir, databasePoolSize: 1 });
  await admin.query(`CREATE DATABASE ${name}`);
  const target = new URL(url.href);
  target.pathname = `/${name}`;
  return {
    env: { CAREGRAPH_DATA_DIR: dataDir, DATABASE_URL: target.href },
    async remove() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.close();
      dir.remove();
    },
  };
}

describe('caregraph migrate', () => {
  let database: Awaited<ReturnType<typeof createEmptyDatabase>>;

  before(async () => {
    database = await createEmptyDatabase();
  });

  after(() => database.remove());

  it('applies every migration to an empty database once, then says it is up to date', async () => {
    const migrations = shippedMigrations();
    const latest = Number(migrations.at(-1)?.slice(0, 4));

    const first = await runCli(['migrate'], database.env);
    const second = await runCli(['migrate'], database.env);

    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, `applied ${migrations.join(', ')}; now at version ${latest}\n`);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, `database (${testDatabaseMode()}) is up to date at version ${latest}\n`);
  });

  it('prints the result as JSON with --json', async () => {
    const result = await runCli(['migrate', '--json'], database.env);

    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), {
      applied: [],
      current: Number(shippedMigrations().at(-1)?.slice(0, 4)),
      database: testDatabaseMode(),
    });
  });

  it('exits 1 with the reason when the database cannot be reached', async () => {
    const result = await runCli(['migrate'], { DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/nothing' });

    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: .*ECONNREFUSED/m);
  });
});

describe('the embedded database lock', { skip: testDatabaseMode() !== 'embedded' }, () => {
  it('refuses a second process on the same data directory while the first has it open', async () => {
    const database = createCliTestDatabase('lock');
    try {
      const db = await database.open();
      try {
        const result = await runCli(['migrate'], database.env);

        assert.equal(result.code, 1);
        assert.match(result.stderr, new RegExp(`in use by process ${process.pid}`));
      } finally {
        await db.close();
      }
      const afterRelease = await runCli(['migrate'], database.env);
      assert.equal(afterRelease.code, 0, afterRelease.stderr);
    } finally {
      database.remove();
    }
  });
});
