import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Database, Queryable } from '../../../platform/db/index.ts';
import { openTestDatabase, testDatabaseMode } from '../../../test/test-database.ts';
import { withGenericPlans } from './generic-plans.ts';

const planCacheMode = async (q: Queryable) =>
  (await q.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode')).rows[0]?.plan_cache_mode;

describe('withGenericPlans', () => {
  let db: Database;

  before(async () => {
    db = await openTestDatabase();
  });
  after(async () => {
    await db.close();
  });

  it(
    'runs prepared statements with their generic plan on PostgreSQL, on connections of their own',
    { skip: testDatabaseMode() !== 'postgres' && 'PostgreSQL only: PGlite does not prepare statements' },
    async () => {
      const name = 'generic_plans_test_statement';
      const plans = await withGenericPlans(db, undefined, async (q) => {
        assert.equal(await planCacheMode(q), 'force_generic_plan');
        await q.query('SELECT count(*) FROM resource WHERE tenant_id = $1 AND resource_type = $2', ['t', 'Patient'], {
          name,
        });
        // `work` holds one connection, whose session the prepared statement lives in.
        const { rows } = await q.query<{ generic_plans: string; custom_plans: string }>(
          'SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = $1',
          [name],
        );
        return rows[0];
      });
      assert.deepEqual(
        { generic: Number(plans?.generic_plans), custom: Number(plans?.custom_plans) },
        { generic: 1, custom: 0 },
      );
      // The main pool's connections keep PostgreSQL's own choice, inside transactions too.
      for (let index = 0; index < 4; index++) {
        assert.equal(await planCacheMode(db), 'auto');
      }
      assert.equal(await db.transaction(planCacheMode), 'auto');
    },
  );

  it("runs in a caller's open transaction, as it is", async () => {
    const mode = await db.transaction((tx) => withGenericPlans(db, tx, planCacheMode));
    assert.equal(mode, 'auto');
  });

  it(
    'runs straight on the embedded database',
    { skip: testDatabaseMode() !== 'embedded' && 'PGlite only' },
    async () => {
      assert.equal(await withGenericPlans(db, undefined, planCacheMode), 'auto');
    },
  );
});
