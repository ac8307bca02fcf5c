// Writing audit entries: in the caller's transaction, or for reads in a statement shared with
// concurrent reads (on the embedded database, in the entry journal); the integrator puts them in
// the Merkle tree later.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Database, Queryable } from '../../platform/db/index.ts';
import { encodeEntry, type AuditAgent, type AuditEntry, type AuditPurpose } from './audit-entry.ts';
import { openEntryJournal, type EntryJournal } from './entry-journal.ts';

/** Who is acting and why, carried from the request to wherever data is read or written. */
export type AuditContext = {
  agent: AuditAgent;
  purpose?: AuditPurpose;
  requestId?: string;
  /** Set only by the benchmark-only switch (`CAREGRAPH_AUDIT_DISABLED_FOR_BENCHMARK`): nothing is recorded. */
  isRecordingDisabled?: boolean;
};

/** The agent of work no request asked for (imports, start-up loading, the command line). */
export const SYSTEM_AGENT: AuditAgent = { kind: 'system', name: 'caregraph', roles: [] };

/** What a caller says about an event; the rest of the entry comes from the context. */
export type AuditEvent = Pick<AuditEntry, 'type' | 'interaction' | 'action' | 'entities' | 'patients'> &
  Partial<Pick<AuditEntry, 'query' | 'detail' | 'outcome' | 'failure'>>;

/** Builds the entry for an event (a fresh id; `recorded` from the caller's clock). */
export function buildEntry(options: {
  tenantId: string | null;
  context: AuditContext | undefined;
  event: AuditEvent;
  recorded: Date;
}): AuditEntry {
  const { context, event } = options;
  const entry: AuditEntry = {
    v: 1,
    id: randomUUID(),
    tenant: options.tenantId,
    recorded: options.recorded.toISOString(),
    type: event.type,
    interaction: event.interaction,
    action: event.action,
    outcome: event.outcome ?? '0',
    agent: context?.agent ?? SYSTEM_AGENT,
    entities: event.entities,
    patients: [...new Set(event.patients)].sort(),
  };
  if (context?.purpose) {
    entry.purpose = context.purpose;
  }
  if (event.query && event.query.length > 0) {
    entry.query = event.query;
  }
  if (event.detail !== undefined) {
    entry.detail = event.detail;
  }
  if (context?.requestId !== undefined) {
    entry.request = context.requestId;
  }
  if (event.failure !== undefined) {
    entry.failure = event.failure;
  }
  return entry;
}

// The entry row is the only work a request does for the trail: one narrow append-only row. Leaf
// hashes, tree nodes and search columns are derived from it by the integrator. A batch travels as
// one text of entries joined by newlines (canonical JSON never holds a raw newline), which spares
// the driver escaping every entry into an array literal; WITH ORDINALITY keeps the batch's order.
const INSERT_ENTRY = 'INSERT INTO audit_entry (content) VALUES ($1)';
const INSERT_ENTRIES = `INSERT INTO audit_entry (content)
  SELECT e.content FROM unnest(string_to_array($1, E'\\n')) WITH ORDINALITY AS e(content, position)
  ORDER BY e.position`;

/** Inserts encoded entries (canonical JSON texts), in order, in one statement on `q`. */
export async function insertEncodedEntries(q: Queryable, contents: string[]): Promise<void> {
  if (contents.length === 1) {
    await q.query(INSERT_ENTRY, contents, { name: 'audit-insert-entry', genericPlan: true });
  } else if (contents.length > 1) {
    await q.query(INSERT_ENTRIES, [contents.join('\n')], { name: 'audit-insert-entries', genericPlan: true });
  }
}

/**
 * Inserts entries in one statement on `q`: inside the caller's transaction they commit or roll
 * back with the change they record.
 */
export function insertEntries(q: Queryable, entries: AuditEntry[]): Promise<void> {
  return insertEncodedEntries(q, entries.map(encodeEntry));
}

/** One entry in the caller's transaction. */
export function insertEntry(q: Queryable, entry: AuditEntry): Promise<void> {
  return insertEntries(q, [entry]);
}

/**
 * Group commit for entries recorded outside a transaction (reads): concurrent reads share one
 * INSERT and one commit instead of paying one each. Each caller still waits until its own entry is
 * committed, so no response leaves before its entry.
 *
 * One batch is written at a time; entries that arrive meanwhile go in the next. A batch is written
 * as soon as no request in flight could still add to it: every request the server is serving is
 * either waiting for its entry or being written. While some request is still working (reading its
 * resource, checking its token), the batch waits for it, at most MAX_WAIT_MS, so under load one
 * statement carries the entries of all concurrent reads rather than one or two: what each statement
 * costs (a commit on PostgreSQL, a synchronous round through PGlite) is shared by all of them. The
 * wait costs no throughput, as the server is busy with the requests it waits for. Requests in flight
 * for more than ACTIVE_MS (a long import, an upgraded WebSocket) are not waited for.
 */
type Waiting = { entry: AuditEntry; resolve: () => void; reject: (error: unknown) => void };
type CommitQueue = {
  waiting: Waiting[];
  /** Entries of the batch being written (0 when none is). */
  writing: number;
  /** The scheduled write: on the next turn of the event loop, or after the bounded wait. */
  scheduled: { isWait: boolean; cancel: () => void } | undefined;
  /** Requests in flight (see `trackRequest`), with when they started. */
  inFlight: Map<object, number>;
};

const MAX_BATCH = 500;
const MAX_WAIT_MS = 2;
export const ACTIVE_MS = 1000;
/** Requests still tracked after this long lost their end (a hijacked reply): forgotten. */
const FORGET_MS = 60_000;
// One queue per database object (weakly held, so a closed database's queue goes with it).
const queues = new WeakMap<Database, CommitQueue>();

function queueOf(db: Database): CommitQueue {
  let queue = queues.get(db);
  if (!queue) {
    queue = { waiting: [], writing: 0, scheduled: undefined, inFlight: new Map() };
    queues.set(db, queue);
  }
  return queue;
}

/**
 * Marks a request in flight on `db` until the returned function is called: a batch of entries
 * waits (briefly) for requests still working, which may yet add theirs.
 */
export function trackRequest(db: Database, request: object): () => void {
  const queue = queueOf(db);
  queue.inFlight.set(request, performance.now());
  return () => {
    queue.inFlight.delete(request);
    scheduleWrite(db, queue);
  };
}

/** Whether a request in flight is still working: neither waiting for its entry nor being written, nor long-running. */
function hasWorkingRequest(queue: CommitQueue): boolean {
  const idle = queue.waiting.length + queue.writing;
  if (queue.inFlight.size <= idle) {
    return false;
  }
  const now = performance.now();
  let active = 0;
  for (const [request, started] of queue.inFlight) {
    if (now - started < ACTIVE_MS) {
      active++;
    } else if (now - started > FORGET_MS) {
      queue.inFlight.delete(request);
    }
  }
  return active > idle;
}

async function writeBatch(db: Database, queue: CommitQueue): Promise<void> {
  queue.scheduled = undefined;
  const batch = queue.waiting.splice(0, MAX_BATCH);
  queue.writing = batch.length;
  try {
    await insertEntries(
      db,
      batch.map((item) => item.entry),
    );
    batch.forEach((item) => item.resolve());
  } catch (error) {
    batch.forEach((item) => item.reject(error));
  }
  queue.writing = 0;
  scheduleWrite(db, queue);
}

/** Schedules the next batch: at the next turn once no request is still working, else at most MAX_WAIT_MS from now. */
function scheduleWrite(db: Database, queue: CommitQueue): void {
  if (queue.writing > 0 || queue.waiting.length === 0) {
    return;
  }
  const isReady = queue.waiting.length >= MAX_BATCH || !hasWorkingRequest(queue);
  if (queue.scheduled && (!queue.scheduled.isWait || !isReady)) {
    return;
  }
  queue.scheduled?.cancel();
  const write = () => void writeBatch(db, queue);
  if (isReady) {
    // The next turn: requests whose work finished in this one add their entries first.
    const turn = setImmediate(write);
    queue.scheduled = { isWait: false, cancel: () => clearImmediate(turn) };
  } else {
    const wait = setTimeout(write, MAX_WAIT_MS);
    queue.scheduled = { isWait: true, cancel: () => clearTimeout(wait) };
  }
}

function commitWithOthers(db: Database, entry: AuditEntry): Promise<void> {
  const queue = queueOf(db);
  return new Promise<void>((resolve, reject) => {
    queue.waiting.push({ entry, resolve, reject });
    scheduleWrite(db, queue);
  });
}

// The entry journal of each embedded data directory, opened on first use (see entry-journal.ts),
// and the database objects already resolved to theirs.
const journals = new Map<string, EntryJournal>();
const journalOfDatabase = new WeakMap<Database, EntryJournal | null>();

/** The entry journal of an embedded database on disk; undefined in memory and on PostgreSQL. */
export function journalOf(db: Database): EntryJournal | undefined {
  const known = journalOfDatabase.get(db);
  if (known !== undefined) {
    return known ?? undefined;
  }
  let journal: EntryJournal | undefined;
  if (db.mode === 'embedded' && db.dataDir !== undefined) {
    const dir = path.join(db.dataDir, 'audit-journal');
    journal = journals.get(dir) ?? openEntryJournal(dir);
    journals.set(dir, journal);
  }
  journalOfDatabase.set(db, journal ?? null);
  return journal;
}

/**
 * Appends with the other entries recorded in the same turn of the event loop: one write for all of
 * them, as a write costs far more than its bytes. Each caller resolves once its line is written.
 */
type JournalBatch = {
  entries: AuditEntry[];
  waiting: Array<{ resolve: () => void; reject: (error: unknown) => void }>;
};
const journalBatches = new Map<EntryJournal, JournalBatch>();

/** A batch written on the next turn of the event loop. */
function startJournalBatch(journal: EntryJournal): JournalBatch {
  const batch: JournalBatch = { entries: [], waiting: [] };
  journalBatches.set(journal, batch);
  setImmediate(() => {
    journalBatches.delete(journal);
    try {
      journal.append(batch.entries);
      batch.waiting.forEach((waiter) => waiter.resolve());
    } catch (error) {
      batch.waiting.forEach((waiter) => waiter.reject(error));
    }
  });
  return batch;
}

function appendWithOthers(journal: EntryJournal, entry: AuditEntry): Promise<void> {
  const batch = journalBatches.get(journal) ?? startJournalBatch(journal);
  batch.entries.push(entry);
  return new Promise<void>((resolve, reject) => batch.waiting.push({ resolve, reject }));
}

/** Closes the file the journal of `db` is writing, if any (when the app closes). */
export function closeJournal(db: Database): void {
  journalOf(db)?.close();
}

/** Whether `q` is the database itself rather than an open transaction. */
export function isDatabase(q: Queryable): q is Database {
  return 'transaction' in q;
}

// The benchmark-only switch, per database: the audit plugin sets it for the app that owns `db`, so
// work recorded without a request context (sign-in, account changes) honours it like requests do.
const databasesNotRecording = new WeakSet<Database>();

/** Turns recording off for everything written through `db` (the benchmark-only switch). */
export function stopRecording(db: Database): void {
  databasesNotRecording.add(db);
}

/** Whether the benchmark-only switch turned recording off for `db`. */
export function isRecordingStopped(db: Database): boolean {
  return databasesNotRecording.has(db);
}

/**
 * Records one event unless recording is switched off for a benchmark; resolves once it is
 * committed (in the caller's transaction when `q` is one).
 */
export async function recordEvent(
  q: Queryable,
  options: { tenantId: string | null; context: AuditContext | undefined; event: AuditEvent; now?: () => Date },
): Promise<void> {
  if (options.context?.isRecordingDisabled) {
    return;
  }
  const entry = buildEntry({ ...options, recorded: (options.now ?? (() => new Date()))() });
  if (!isDatabase(q)) {
    await insertEntry(q, entry);
    return;
  }
  const journal = journalOf(q);
  if (journal) {
    await appendWithOthers(journal, entry);
  } else {
    await commitWithOthers(q, entry);
  }
}
