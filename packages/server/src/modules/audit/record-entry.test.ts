import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { QueryOptions } from '../../platform/db/database.ts';
import type { Database } from '../../platform/db/index.ts';
import { ACTIVE_MS, recordEvent, trackRequest, type AuditContext } from './record-entry.ts';

type Statement = { sql: string; params: readonly unknown[]; name: string | undefined };

/** A database that only records the statements sent to it, each taking `latencyMs`. */
function recordingDatabase(latencyMs = 0): Database & { statements: Statement[] } {
  const statements: Statement[] = [];
  const query = async (sql: string, params: readonly unknown[] = [], options: QueryOptions = {}) => {
    statements.push({ sql, params, name: options.name });
    await new Promise((resolve) => setTimeout(resolve, latencyMs));
    return { rows: [], rowCount: 1 };
  };
  return {
    statements,
    mode: 'embedded',
    hasVector: false,
    query: query,
    exec: async () => {},
    transaction: (work) => work({ query: query, exec: async () => {} }),
    genericPlans: (work) => work({ query: query, exec: async () => {} }),
    listen: async () => async () => {},
    close: async () => {},
  };
}

const CONTEXT: AuditContext = { agent: { kind: 'api-key', name: 'front-desk', roles: ['admin'] } };

const read = (db: Database, patient: string) =>
  recordEvent(db, {
    tenantId: 't-1',
    context: CONTEXT,
    event: { type: 'rest', interaction: 'read', action: 'R', entities: [`Patient/${patient}`], patients: [patient] },
  });

/** The patients of each statement's entries, in the order they were sent. */
function batches(statements: Statement[]): string[][] {
  return statements.map((statement) =>
    String(statement.params[0])
      .split('\n')
      .map((line) => (JSON.parse(line) as { patients: string[] }).patients.join()),
  );
}

describe('group commit of read entries', () => {
  it('writes a lone entry at once, as one prepared single-row insert', async () => {
    const db = recordingDatabase();
    await read(db, 'p1');
    assert.equal(db.statements.length, 1);
    assert.equal(db.statements[0]?.name, 'audit-insert-entry');
    assert.deepEqual(batches(db.statements), [['p1']]);
  });

  it('puts entries recorded together in one statement, in the order they were recorded', async () => {
    const db = recordingDatabase();
    await Promise.all(['p1', 'p2', 'p3', 'p4'].map((patient) => read(db, patient)));
    assert.deepEqual(batches(db.statements), [['p1', 'p2', 'p3', 'p4']]);
    assert.equal(db.statements[0]?.name, 'audit-insert-entries');
  });

  it('gathers entries arriving while a batch is written into the next one', async () => {
    // 1. A batch of three is being written (5 ms) when two more entries arrive.
    const db = recordingDatabase(5);
    const first = Promise.all(['p1', 'p2', 'p3'].map((patient) => read(db, patient)));
    await new Promise((resolve) => setImmediate(resolve));
    const during = Promise.all(['p4', 'p5'].map((patient) => read(db, patient)));
    await Promise.all([first, during]);
    // 2. They waited for the first to commit and went together; none was written twice.
    assert.deepEqual(batches(db.statements), [
      ['p1', 'p2', 'p3'],
      ['p4', 'p5'],
    ]);
  });

  it('waits for requests still working before writing, so their entries share the statement', async () => {
    // 1. Two requests are in flight; the first records its read while the second still works.
    const db = recordingDatabase();
    const endFirst = trackRequest(db, {});
    const endSecond = trackRequest(db, {});
    const firstRead = read(db, 'p1');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(db.statements.length, 0, 'the batch waits for the working request');

    // 2. The second records too: both entries go in one statement.
    await Promise.all([firstRead, read(db, 'p2')]);
    assert.deepEqual(batches(db.statements), [['p1', 'p2']]);
    endFirst();
    endSecond();

    // 3. A request that ends without recording (a write, a refusal) releases the batch at once.
    const endReader = trackRequest(db, {});
    const endWriter = trackRequest(db, {});
    const alone = read(db, 'p3');
    await new Promise((resolve) => setImmediate(resolve));
    endWriter();
    await alone;
    endReader();
    assert.deepEqual(batches(db.statements).at(-1), ['p3']);
  });

  it('does not wait for a long-running request', async () => {
    const db = recordingDatabase();
    const endLong = trackRequest(db, {});
    await new Promise((resolve) => setTimeout(resolve, ACTIVE_MS + 20));
    const written = read(db, 'p1');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(db.statements.length, 1, 'written at the next turn, without the bounded wait');
    await written;
    endLong();
  });

  it('fails every request of a batch that could not be written', async () => {
    const db = recordingDatabase();
    db.query = async () => {
      throw new Error('disk full');
    };
    const results = await Promise.allSettled(['p1', 'p2'].map((patient) => read(db, patient)));
    assert.deepEqual(
      results.map((result) => result.status),
      ['rejected', 'rejected'],
    );
  });
});
