import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { openTestDatabase, testDatabaseMode } from '../../test/test-database.ts';
import type { Database } from './database.ts';

/** Resolves with the first `count` payloads `listen` delivers on `channel`, or rejects after `ms`. */
function collect(received: string[], count: number, ms = 5000): Promise<string[]> {
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (received.length >= count) {
        resolve(received.slice(0, count));
      } else if (Date.now() > until) {
        reject(new Error(`only ${received.length} of ${count} notifications arrived`));
      } else {
        setTimeout(check, 10);
      }
    };
    check();
  });
}

function uniqueChannel(): string {
  return `test_${randomBytes(6).toString('hex')}`;
}

describe('listening to notifications', () => {
  let db: Database;

  before(async () => {
    db = await openTestDatabase();
  });

  after(() => db.close());

  it('delivers a notification when its transaction commits, and none for a rolled-back one', async () => {
    const channel = uniqueChannel();
    const received: string[] = [];
    const unlisten = await db.listen(channel, (payload) => received.push(payload));
    try {
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query('SELECT pg_notify($1, $2)', [channel, 'rolled back']);
          throw new Error('roll back');
        }),
        /roll back/,
      );
      await db.transaction(async (tx) => {
        await tx.query('SELECT pg_notify($1, $2)', [channel, 'first']);
        // Nothing is delivered before the commit.
        await new Promise((resolve) => setTimeout(resolve, 50));
        assert.deepEqual(received, []);
        await tx.query('SELECT pg_notify($1, $2)', [channel, 'second']);
      });

      assert.deepEqual(await collect(received, 2), ['first', 'second']);
    } finally {
      await unlisten();
    }
  });

  it('fans one channel out to every listener and stops calling a listener once it unlistens', async () => {
    const channel = uniqueChannel();
    const first: string[] = [];
    const second: string[] = [];
    const unlistenFirst = await db.listen(channel, (payload) => first.push(payload));
    const unlistenSecond = await db.listen(channel, (payload) => second.push(payload));
    try {
      await db.query('SELECT pg_notify($1, $2)', [channel, 'both']);
      assert.deepEqual(await collect(first, 1), ['both']);
      assert.deepEqual(await collect(second, 1), ['both']);

      await unlistenFirst();
      await db.query('SELECT pg_notify($1, $2)', [channel, 'only the second']);
      assert.deepEqual(await collect(second, 2), ['both', 'only the second']);
      assert.deepEqual(first, ['both']);
    } finally {
      await unlistenSecond();
    }
  });

  it(
    'reconnects and listens again when the listening connection is dropped',
    { skip: testDatabaseMode() !== 'postgres' && 'PostgreSQL only: PGlite has no connection to drop' },
    async () => {
      const channel = uniqueChannel();
      const received: string[] = [];
      const unlisten = await db.listen(channel, (payload) => received.push(payload));
      try {
        // 1. Kill the backend whose last statement listened to this test's channel.
        const { rows } = await db.query<{ terminated: boolean }>(
          'SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE query = $1',
          [`LISTEN "${channel}"`],
        );
        assert.deepEqual(
          rows.map((row) => row.terminated),
          [true],
        );
        // 2. Notify until the replacement connection is listening (it reconnects with backoff).
        const until = Date.now() + 10_000;
        while (received.length === 0 && Date.now() < until) {
          await db.query('SELECT pg_notify($1, $2)', [channel, 'after reconnect']);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }

        assert.equal(received[0], 'after reconnect');
      } finally {
        await unlisten();
      }
    },
  );
});
