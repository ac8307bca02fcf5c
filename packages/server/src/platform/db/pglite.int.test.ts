import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openTestDatabase, testDatabaseMode } from '../../test/test-database.ts';
import type { Database } from './database.ts';

describe('the embedded database', { skip: testDatabaseMode() !== 'embedded' && 'embedded database only' }, () => {
  let db: Database;

  before(async () => {
    db = await openTestDatabase();
  });

  after(() => db.close());

  it('lets timers run during a long transaction, so signals, health checks and new connections are not starved', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      await db.transaction(async (tx) => {
        const until = performance.now() + 300;
        while (performance.now() < until) {
          await tx.query('SELECT 1');
        }
      });
    } finally {
      clearInterval(timer);
    }

    assert.ok(ticks >= 10, `the timer ran ${ticks} times in 300 ms`);
  });

  it('still rolls a transaction back as a whole when it fails after yielding', async () => {
    await db.query('CREATE TEMP TABLE yield_check (n integer)');

    await assert.rejects(
      db.transaction(async (tx) => {
        const until = performance.now() + 50;
        while (performance.now() < until) {
          await tx.query('INSERT INTO yield_check VALUES (1)');
        }
        throw new Error('fail after many statements');
      }),
      /fail after many statements/,
    );

    const { rows } = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM yield_check');
    assert.equal(rows[0]?.count, 0);
  });
});
