import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { openTestDatabase, testDatabaseMode } from '../../test/test-database.ts';
import type { Database } from './database.ts';
import { retryTransientConflicts } from './transient-conflict.ts';

/** A promise and the function that resolves it. */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

// The embedded database serves one connection at a time, so two of its transactions never wait on each other.
describe('a real deadlock, retried', { skip: testDatabaseMode() !== 'postgres' && 'PostgreSQL only' }, () => {
  let db: Database;
  const table = `deadlock_${randomBytes(6).toString('hex')}`;

  before(async () => {
    db = await openTestDatabase();
    await db.exec(`CREATE TABLE ${table} (name text PRIMARY KEY, writes int NOT NULL DEFAULT 0);
                   INSERT INTO ${table} (name) VALUES ('a'), ('b')`);
  });
  after(async () => {
    await db.exec(`DROP TABLE IF EXISTS ${table}`);
    await db.close();
  });

  it('lets both transactions finish when PostgreSQL ends one of them', async () => {
    const locked = { a: signal(), b: signal() };
    const attempts = { first: 0, second: 0 };
    // Each takes one row, waits until the other holds the other row, then asks for it: a cycle.
    const crossing = (own: 'a' | 'b', other: 'a' | 'b', counter: 'first' | 'second') =>
      retryTransientConflicts(() =>
        db.transaction(async (tx) => {
          attempts[counter]++;
          await tx.query(`UPDATE ${table} SET writes = writes + 1 WHERE name = $1`, [own]);
          locked[own].resolve();
          await locked[other].promise;
          await tx.query(`UPDATE ${table} SET writes = writes + 1 WHERE name = $1`, [other]);
        }),
      );
    await Promise.all([crossing('a', 'b', 'first'), crossing('b', 'a', 'second')]);
    // One of them was ended once and ran again; each committed its two writes exactly once.
    assert.equal(attempts.first + attempts.second, 3);
    const { rows } = await db.query<{ name: string; writes: number }>(
      `SELECT name, writes FROM ${table} ORDER BY name`,
    );
    assert.deepEqual(rows, [
      { name: 'a', writes: 2 },
      { name: 'b', writes: 2 },
    ]);
  });
});
