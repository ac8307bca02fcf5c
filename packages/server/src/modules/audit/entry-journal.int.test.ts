// The embedded database's entry journal: lines appended before a read is answered, imported into
// the entry table exactly once, across rotation, kills mid-line and kills between import and cleanup.
import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { migrate, openDatabase, type Database } from '../../platform/db/index.ts';
import { createTempDir, type TempDir } from '../../test/temp-dir.ts';
import { openTestDatabase } from '../../test/test-database.ts';
import { searchAuditEntries } from './audit-events.ts';
import { buildEntry, encodeEntry, type AuditEntry } from './index.ts';
import { fileOf, openEntryJournal } from './entry-journal.ts';
import { importJournal } from './import-journal.ts';
import { integrateAll } from './integrate.ts';
import { journalOf, recordEvent } from './record-entry.ts';
import { loadSigningKey } from './signing-key.ts';
import { readLogFromDatabase } from './log-export.ts';
import { verifyLog } from './verify-log.ts';

const CONTEXT = { agent: { kind: 'user' as const, name: 'journal-test', roles: ['clinician'], address: '127.0.0.1' } };

function readEvent(index: number) {
  return {
    type: 'rest' as const,
    interaction: 'read',
    action: 'R' as const,
    entities: [`Patient/p${index}`],
    patients: [`p${index}`],
  };
}

function entry(index: number): AuditEntry {
  return buildEntry({ tenantId: 'journal', context: CONTEXT, event: readEvent(index), recorded: new Date() });
}

async function storedIds(db: Database): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT content::jsonb ->> 'id' AS id FROM audit_entry ORDER BY txid, seq`,
  );
  return rows.map((row) => row.id);
}

/** A fresh migrated in-memory database: the journal position is one row per database. */
async function openMemoryDatabase(): Promise<Database> {
  const db = await openDatabase({ databaseUrl: undefined, dataDir: 'memory://', databasePoolSize: 1 });
  await migrate(db);
  return db;
}

describe('the entry journal of an embedded database on disk', () => {
  let dir: TempDir;

  before(() => {
    dir = createTempDir('entry-journal');
  });

  after(() => dir.remove());

  it('records entries outside a transaction in the journal, and the integrator imports each once', async () => {
    const dataDir = path.join(dir.path, 'data');
    const db = await openDatabase({ databaseUrl: undefined, dataDir, databasePoolSize: 1 });
    try {
      await migrate(db);
      const journal = journalOf(db);
      assert.ok(journal, 'an embedded database on disk has a journal');
      assert.equal(journal.dir, path.join(dataDir, 'audit-journal'));
      await Promise.all(
        [0, 1, 2, 3, 4].map((index) =>
          recordEvent(db, { tenantId: 'journal', context: CONTEXT, event: readEvent(index) }),
        ),
      );
      // Recorded means written to the journal: nothing in the table yet.
      assert.deepEqual(await storedIds(db), []);
      const lines = readdirSync(journal.dir).flatMap((file) =>
        readFileSync(path.join(journal.dir, file), 'utf8').split('\n').filter(Boolean),
      );
      assert.deepEqual(
        lines.map((line) => (JSON.parse(line) as AuditEntry).entities),
        [0, 1, 2, 3, 4].map((index) => [`Patient/p${index}`]),
      );

      // A search sees them at once (it takes in the journal first), before any integration.
      const found = await searchAuditEntries(db, {
        tenantId: 'journal',
        patient: 'p3',
        dates: [],
        count: 10,
        offset: 0,
      });
      assert.deepEqual(
        found.map((item) => item.entities),
        [['Patient/p3']],
      );

      const key = loadSigningKey({ keyFile: undefined, dataDir });
      assert.equal((await integrateAll(db, { getKey: () => key, wait: true })).integrated, 5);
      const ids = await storedIds(db);
      assert.deepEqual(
        ids,
        lines.map((line) => (JSON.parse(line) as AuditEntry).id),
      );
      // Importing again finds nothing new.
      assert.deepEqual(await importJournal(db, journal), { imported: 0, hasMore: false });
      assert.equal((await integrateAll(db, { getKey: () => key, wait: true })).integrated, 0);
      assert.deepEqual(await storedIds(db), ids);
      assert.equal((await verifyLog(await readLogFromDatabase(db))).isValid, true);

      // An entry written in a transaction still goes to the table, with the change it records.
      await db.transaction((tx) => recordEvent(tx, { tenantId: 'journal', context: CONTEXT, event: readEvent(9) }));
      assert.equal((await storedIds(db)).length, 6);
    } finally {
      journalOf(db)?.close();
      await db.close();
    }
  });

  it('moves past a line cut short by a kill, imports later generations, and deletes what it imported', async () => {
    const db = await openMemoryDatabase();
    try {
      const journalDir = path.join(dir.path, 'cut-line');
      const first = openEntryJournal(journalDir);
      const kept = [entry(1), entry(2)];
      first.append(kept);
      first.close();
      // A process killed in the middle of a write left half a line at the end of its generation.
      appendFileSync(fileOf(journalDir, 0), encodeEntry(entry(3)).slice(0, 40));
      // The next process writes a new generation, never continuing the cut one.
      const second = openEntryJournal(journalDir);
      const later = [entry(4)];
      second.append(later);
      assert.deepEqual(readdirSync(journalDir).sort(), ['000000000000.ndjson', '000000000001.ndjson']);

      assert.deepEqual(await importJournal(db, second), { imported: 3, hasMore: false });
      assert.deepEqual(
        await storedIds(db),
        [...kept, ...later].map((item) => item.id),
      );
      assert.deepEqual(readdirSync(journalDir), ['000000000001.ndjson'], 'the imported generation is deleted');

      // Appends after an import continue where it stopped.
      const last = [entry(5), entry(6)];
      second.append(last);
      assert.deepEqual(await importJournal(db, second), { imported: 2, hasMore: false });
      assert.deepEqual(
        (await storedIds(db)).slice(-2),
        last.map((item) => item.id),
      );
      second.close();
    } finally {
      await db.close();
    }
  });

  it('rotates to a new generation when a file is full, and imports across generations in order', async () => {
    const db = await openMemoryDatabase();
    try {
      const journalDir = path.join(dir.path, 'rotation');
      const journal = openEntryJournal(journalDir, { rotateBytes: 1000 });
      const written = Array.from({ length: 12 }, (_, index) => entry(index));
      for (const item of written) {
        journal.append([item]);
      }
      assert.ok(readdirSync(journalDir).length >= 3, 'several generations');
      assert.equal((await importJournal(db, journal)).imported, 12);
      assert.deepEqual(
        await storedIds(db),
        written.map((item) => item.id),
      );
      assert.equal(readdirSync(journalDir).length, 1, 'only the newest generation is left');
      journal.close();
    } finally {
      await db.close();
    }
  });

  it('imports nothing twice when a kill came after the import committed but before the cleanup', async () => {
    const db = await openMemoryDatabase();
    try {
      const journalDir = path.join(dir.path, 'cleanup');
      const journal = openEntryJournal(journalDir, { rotateBytes: 1 });
      journal.append([entry(1)]);
      journal.append([entry(2)]);
      const imported = readFileSync(fileOf(journalDir, 0), 'utf8');
      assert.equal((await importJournal(db, journal)).imported, 2);
      // The generation the import deleted is back, as if the kill came before the deletion.
      writeFileSync(fileOf(journalDir, 0), imported);
      assert.deepEqual(await importJournal(db, journal), { imported: 0, hasMore: false });
      assert.equal((await storedIds(db)).length, 2);
      assert.deepEqual(readdirSync(journalDir), ['000000000001.ndjson']);
    } finally {
      await db.close();
    }
  });
});

describe('databases without an entry journal', () => {
  it('has none in memory or on PostgreSQL, where reads share an INSERT instead', async () => {
    const db = await openTestDatabase();
    try {
      assert.equal(journalOf(db), undefined);
      await recordEvent(db, { tenantId: 'journal-none', context: CONTEXT, event: readEvent(1) });
      const { rows } = await db.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM audit_entry WHERE content::jsonb ->> 'tenant' = 'journal-none'`,
      );
      assert.ok((rows[0]?.count ?? 0) >= 1, 'the entry is in the table when recordEvent resolves');
    } finally {
      await db.close();
    }
  });
});
