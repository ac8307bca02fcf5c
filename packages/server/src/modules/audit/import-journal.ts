// Moving the entry journal (entry-journal.ts) into `audit_entry`: the integrator's first step on
// the embedded database.
import { unlinkSync } from 'node:fs';
import type { Database, Queryable } from '../../platform/db/index.ts';
import { fileOf, listGenerations, readFrom, type EntryJournal } from './entry-journal.ts';
import { insertEncodedEntries, journalOf } from './record-entry.ts';

/** At most this many bytes of the journal are imported per transaction. */
const IMPORT_BYTES = 16 * 1024 * 1024;
/** Entries per INSERT statement. */
const INSERT_BATCH = 5000;

type Position = { generation: number; offset: number };

async function readPosition(tx: Queryable): Promise<Position | undefined> {
  const { rows } = await tx.query<{ generation: string; byte_offset: string }>(
    'SELECT generation::text, byte_offset::text FROM audit_journal_position',
  );
  const row = rows[0];
  return row ? { generation: Number(row.generation), offset: Number(row.byte_offset) } : undefined;
}

/**
 * Moves journal lines not yet imported into `audit_entry`, in journal order, with the new position
 * in the same transaction; deletes generations wholly imported. At most IMPORT_BYTES are taken;
 * `hasMore` says more was there. A line cut short by a kill ends its generation and is skipped: it
 * was never acknowledged.
 */
export async function importJournal(
  db: Database,
  journal: Pick<EntryJournal, 'dir'>,
): Promise<{ imported: number; hasMore: boolean }> {
  const { dir } = journal;
  const result = await db.transaction(async (tx) => {
    const stored = await readPosition(tx);
    const generations = listGenerations(dir).filter((generation) => generation >= (stored?.generation ?? 0));
    const first = generations[0];
    if (first === undefined) {
      return { imported: 0, hasMore: false, position: stored };
    }
    let position: Position = stored && stored.generation === first ? stored : { generation: first, offset: 0 };
    const lines: string[] = [];
    let budget = IMPORT_BYTES;
    let hasMore = false;
    for (const [index, generation] of generations.entries()) {
      const from = generation === position.generation ? position.offset : 0;
      const { bytes, isEnd } = readFrom(fileOf(dir, generation), from, budget);
      const complete = bytes.lastIndexOf(0x0a) + 1;
      if (complete > 0) {
        lines.push(
          ...bytes
            .subarray(0, complete - 1)
            .toString('utf8')
            .split('\n'),
        );
      }
      budget -= complete;
      const next = generations[index + 1];
      if (next === undefined || !isEnd) {
        position = { generation, offset: from + complete };
        hasMore = !isEnd;
        break;
      }
      // A later generation exists, so this one is written no more: anything after its last full
      // line is a line cut short by a kill, never acknowledged.
      position = { generation: next, offset: 0 };
      if (budget <= 0) {
        hasMore = true;
        break;
      }
    }
    for (let start = 0; start < lines.length; start += INSERT_BATCH) {
      await insertEncodedEntries(tx, lines.slice(start, start + INSERT_BATCH));
    }
    if (stored?.generation !== position.generation || stored.offset !== position.offset) {
      await tx.query(
        `INSERT INTO audit_journal_position (generation, byte_offset) VALUES ($1, $2)
         ON CONFLICT (singleton) DO UPDATE SET generation = EXCLUDED.generation, byte_offset = EXCLUDED.byte_offset`,
        [position.generation, position.offset],
      );
    }
    return { imported: lines.length, hasMore, position };
  });
  // Committed: generations below the position are imported and written no more.
  for (const generation of listGenerations(dir)) {
    if (result.position && generation < result.position.generation) {
      unlinkSync(fileOf(dir, generation));
    }
  }
  return { imported: result.imported, hasMore: result.hasMore };
}

/**
 * Imports everything the journal of `db` holds now (nothing to do without one): before the tree
 * takes in new entries, and before a search of entries, which sees an entry as soon as it is
 * recorded. A backlog (a server killed under load) comes in a budget at a time; lines written
 * meanwhile wait for the next call.
 */
export async function flushJournal(db: Database): Promise<void> {
  const journal = journalOf(db);
  if (journal) {
    let hasMore: boolean;
    do {
      ({ hasMore } = await importJournal(db, journal));
    } while (hasMore);
  }
}
