// The entry journal of the embedded database: entries recorded outside a transaction (reads,
// searches, sign-ins) are appended to a file in the data directory before the response leaves, and
// the integrator moves them into `audit_entry` in bulk.
//
// Why: PGlite runs every statement on the request thread, and a statement costs about half a
// millisecond whatever it holds, so an INSERT per batch of reads cost an audited read a fifth more
// than an unaudited one. A line appended to a file costs microseconds. It is as durable as the
// embedded database itself: once `write` returns the line is the kernel's, so it survives the
// process being killed, and like the embedded engine (which runs with fsync off) it does not
// promise to survive the machine losing power. PostgreSQL keeps group commit to the table: there
// a statement is cheap, several servers may share the database, and commits are fsynced.
//
// Files are generations, `<dataDir>/audit-journal/<generation>.ndjson`, one canonical JSON entry
// per line. A process writes only to a generation newer than any on disk, so a line cut short by
// a kill is never continued; the writer moves to a new generation after ROTATE_BYTES. What has been
// imported is one row, `audit_journal_position` (generation, byte offset), updated in the
// transaction that inserts the entries: a kill before the commit imports the lines again from the
// old position, after it never again. Generations below the position are deleted.
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, writeSync } from 'node:fs';
import path from 'node:path';
import { encodeEntry, type AuditEntry } from './audit-entry.ts';

/** The writer moves to a new generation once its file is this large. */
export const ROTATE_BYTES = 8 * 1024 * 1024;
const FILE = /^(\d{12})\.ndjson$/;

/** The file of a generation. */
export const fileOf = (dir: string, generation: number) =>
  path.join(dir, `${String(generation).padStart(12, '0')}.ndjson`);

/** The generations on disk, oldest first. */
export function listGenerations(dir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return [];
    }
    throw error;
  }
  return names
    .map((name) => FILE.exec(name)?.[1])
    .filter((generation): generation is string => generation !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

export type EntryJournal = {
  readonly dir: string;
  /** Appends the entries; when it returns they survive this process being killed. */
  append: (entries: AuditEntry[]) => void;
  /** Closes the file being written (a later append opens a new generation). */
  close: () => void;
};

/** The journal in `dir` (created on the first append). */
export function openEntryJournal(dir: string, options: { rotateBytes?: number } = {}): EntryJournal {
  const rotateBytes = options.rotateBytes ?? ROTATE_BYTES;
  let writer: { fd: number; bytes: number } | undefined;
  let lastGeneration: number | undefined;
  const open = () => {
    mkdirSync(dir, { recursive: true });
    const generation = Math.max(lastGeneration ?? -1, listGenerations(dir).at(-1) ?? -1) + 1;
    lastGeneration = generation;
    writer = { fd: openSync(fileOf(dir, generation), 'wx'), bytes: 0 };
    return writer;
  };
  const close = () => {
    if (writer) {
      closeSync(writer.fd);
      writer = undefined;
    }
  };
  return {
    dir,
    append(entries) {
      if (entries.length === 0) {
        return;
      }
      const current = writer ?? open();
      const text = Buffer.from(entries.map((entry) => `${encodeEntry(entry)}\n`).join(''), 'utf8');
      // One write per call: a regular file takes it whole unless the disk is full, which throws.
      let written = 0;
      while (written < text.length) {
        written += writeSync(current.fd, text, written, text.length - written);
      }
      current.bytes += text.length;
      if (current.bytes >= rotateBytes) {
        close();
      }
    },
    close,
  };
}

/** Reads `file` from byte `from` on, at most `limit` bytes; `isEnd` when that reached the end of the file. */
export function readFrom(file: string, from: number, limit: number): { bytes: Buffer; isEnd: boolean } {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const length = Math.max(0, Math.min(size - from, limit));
    const bytes = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const count = readSync(fd, bytes, read, length - read, from + read);
      if (count === 0) {
        break;
      }
      read += count;
    }
    return { bytes: bytes.subarray(0, read), isEnd: from + read >= size };
  } finally {
    closeSync(fd);
  }
}
