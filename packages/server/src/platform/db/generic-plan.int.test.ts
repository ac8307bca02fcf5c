import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openTestDatabase, testDatabaseMode } from '../../test/test-database.ts';
import type { Database, Queryable } from './database.ts';

const MODE_SQL = "SELECT current_setting('plan_cache_mode') AS mode, $1::text AS tag";

/** The plan cache mode a statement ran under, as a named (prepared) or unnamed statement. */
async function modeOf(q: Queryable, options: { name?: string; genericPlan?: boolean }): Promise<string | undefined> {
  const { rows } = await q.query<{ mode: string }>(MODE_SQL, ['x'], options);
  return rows[0]?.mode;
}

async function plansOf(q: Queryable, name: string): Promise<{ generic: number; custom: number }> {
  const { rows } = await q.query<{ generic_plans: string; custom_plans: string }>(
    'SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = $1',
    [name],
  );
  return { generic: Number(rows[0]?.generic_plans ?? 0), custom: Number(rows[0]?.custom_plans ?? 0) };
}

describe('QueryOptions.genericPlan in a transaction', () => {
  let db: Database;

  before(async () => {
    db = await openTestDatabase();
  });
  after(async () => {
    await db.close();
  });

  it(
    'runs that statement alone with its generic plan, the statements around it as before',
    { skip: testDatabaseMode() !== 'postgres' && 'PostgreSQL only: PGlite does not prepare statements' },
    async () => {
      const name = 'generic_plan_option_test';
      const seen = await db.transaction(async (tx) => {
        const before = await modeOf(tx, {});
        const generic = [];
        for (let run = 0; run < 3; run++) {
          generic.push(await modeOf(tx, { name, genericPlan: true }));
        }
        const afterUnnamed = await modeOf(tx, {});
        const afterNamed = await modeOf(tx, { name: 'generic_plan_option_test_custom' });
        return { before, generic, afterUnnamed, afterNamed, plans: await plansOf(tx, name) };
      });
      assert.deepEqual(seen, {
        before: 'auto',
        generic: ['force_generic_plan', 'force_generic_plan', 'force_generic_plan'],
        afterUnnamed: 'auto',
        afterNamed: 'auto',
        // Planned once for the connection, then reused.
        plans: { generic: 3, custom: 0 },
      });
      // The switch is local to the transaction: the connection goes back to the pool as it came.
      for (let index = 0; index < 4; index++) {
        assert.equal(await modeOf(db, {}), 'auto');
      }
    },
  );

  it(
    'switches in the order statements are sent, when they are sent together',
    { skip: testDatabaseMode() !== 'postgres' && 'PostgreSQL only' },
    async () => {
      const modes = await db.transaction((tx) =>
        Promise.all([
          modeOf(tx, { name: 'generic_plan_order_a', genericPlan: true }),
          modeOf(tx, {}),
          modeOf(tx, { name: 'generic_plan_order_b', genericPlan: true }),
          modeOf(tx, { name: 'generic_plan_order_c', genericPlan: true }),
          modeOf(tx, { name: 'generic_plan_order_d' }),
        ]),
      );
      assert.deepEqual(modes, ['force_generic_plan', 'auto', 'force_generic_plan', 'force_generic_plan', 'auto']);
    },
  );

  it('needs a name, and is ignored outside a transaction', async () => {
    const unnamed = await db.transaction((tx) => modeOf(tx, { genericPlan: true }));
    assert.equal(unnamed, 'auto');
    assert.equal(await modeOf(db, { name: 'generic_plan_outside', genericPlan: true }), 'auto');
  });

  it('leaves a failed transaction to roll back as any other', async () => {
    await assert.rejects(
      db.transaction(async (tx) => {
        await modeOf(tx, { name: 'generic_plan_failing', genericPlan: true });
        await tx.query('SELECT 1 / 0');
      }),
      /division by zero/,
    );
    assert.equal(await db.transaction((tx) => modeOf(tx, {})), 'auto');
  });
});
