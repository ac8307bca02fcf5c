// The log as NDJSON (`caregraph audit export`) and as read back for verification, from a file or
// straight from the database.
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Database, Queryable } from '../../platform/db/index.ts';
import type { EntryColumns, AuditAction } from './audit-entry.ts';
import { readSigningKeys, readTreeHeads } from './proofs.ts';
import type { TreeHead } from './signing-key.ts';
import type { LogRecord, LogSource } from './verify-log.ts';

/** The first line of an export. */
export const EXPORT_FORMAT = 'caregraph-audit-log';

const PAGE = 10_000;

type LeafRow = {
  leaf_index: number;
  entry_id: string;
  leaf_hash: string;
  content: string | null;
  tenant_id: string | null;
  recorded: Date;
  action: AuditAction;
  agent: string;
  patient_ids: string[];
};

/** The leaves in index order, a page at a time, with their entries and the search columns derived from them. */
async function* readLeaves(q: Queryable, withColumns: boolean): AsyncGenerator<LogRecord> {
  let after = -1;
  for (;;) {
    const { rows } = await q.query<LeafRow>(
      `SELECT l.leaf_index, l.entry_id::text AS entry_id, encode(l.leaf_hash, 'hex') AS leaf_hash, e.content,
              l.tenant_id, l.recorded, l.action, l.agent, l.patient_ids
       FROM audit_leaf l LEFT JOIN audit_entry e ON e.txid = l.entry_txid AND e.seq = l.entry_seq
       WHERE l.leaf_index > $1 ORDER BY l.leaf_index LIMIT $2`,
      [after, PAGE],
    );
    for (const row of rows) {
      const record: LogRecord = {
        leafIndex: row.leaf_index,
        entryId: row.entry_id,
        leafHash: Buffer.from(row.leaf_hash, 'hex'),
        content: row.content,
      };
      if (withColumns) {
        const columns: EntryColumns = {
          id: row.entry_id,
          tenantId: row.tenant_id,
          recorded: new Date(row.recorded).toISOString(),
          action: row.action,
          agent: row.agent,
          patientIds: row.patient_ids,
        };
        record.columns = columns;
      }
      yield record;
    }
    if (rows.length < PAGE) {
      return;
    }
    after = rows.at(-1)?.leaf_index ?? after;
  }
}

/** The log as stored in the database, search columns included. */
export async function readLogFromDatabase(q: Queryable): Promise<LogSource> {
  return { keys: await readSigningKeys(q), heads: await readTreeHeads(q), records: readLeaves(q, true) };
}

/**
 * An entry the tree should hold but does not: one written before the latest head's horizon (so the
 * integrator has passed it) without a leaf, because its leaf row was deleted. Returns its id.
 */
export async function findOrphanEntry(q: Queryable): Promise<string | undefined> {
  const { rows } = await q.query<{ id: string | null }>(
    `SELECT e.content::jsonb ->> 'id' AS id FROM audit_entry e
     WHERE e.txid < (SELECT h.entry_horizon FROM audit_tree_head h ORDER BY h.tree_size DESC LIMIT 1)
       AND NOT EXISTS (SELECT 1 FROM audit_leaf l WHERE l.entry_txid = e.txid AND l.entry_seq = e.seq)
     LIMIT 1`,
  );
  const row = rows[0];
  return row ? (row.id ?? 'an unreadable entry') : undefined;
}

function headLine(head: TreeHead): string {
  return JSON.stringify({
    treeHead: {
      treeSize: head.treeSize,
      rootHash: head.rootHash.toString('hex'),
      timestampMs: head.timestampMs,
      keyId: head.keyId,
      signature: head.signature.toString('hex'),
    },
  });
}

/** The leaf line: the leaf object first, then the entry's canonical text verbatim, so its bytes survive. */
function leafLine(record: LogRecord): string {
  const leaf = JSON.stringify({
    leafIndex: record.leafIndex,
    entryId: record.entryId,
    leafHash: record.leafHash.toString('hex'),
  });
  return `{"leaf":${leaf},"entry":${record.content ?? 'null'}}`;
}

/**
 * Writes the log to `file` as NDJSON from one snapshot: a header line, the signing keys, the
 * signed tree heads, then one line per leaf up to the latest head. Resolves to the entries written.
 */
export async function exportLog(
  db: Database,
  file: string,
  onProgress?: (written: number, total: number) => void,
): Promise<{ entries: number; treeSize: number }> {
  return db.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    const keys = await readSigningKeys(tx);
    const heads = await readTreeHeads(tx);
    const treeSize = heads.at(-1)?.treeSize ?? 0;
    const out = createWriteStream(file, { encoding: 'utf8' });
    const write = async (line: string) => {
      if (!out.write(`${line}\n`)) {
        await once(out, 'drain');
      }
    };
    let entries = 0;
    try {
      await write(
        JSON.stringify({ format: EXPORT_FORMAT, version: 1, exportedAt: new Date().toISOString(), treeSize }),
      );
      for (const [keyId, publicKey] of keys) {
        await write(JSON.stringify({ key: { keyId, publicKey } }));
      }
      for (const head of heads) {
        await write(headLine(head));
      }
      for await (const record of readLeaves(tx, false)) {
        if (record.leafIndex >= treeSize) {
          break;
        }
        await write(leafLine(record));
        entries++;
        if (entries % PAGE === 0) {
          onProgress?.(entries, treeSize);
        }
      }
    } finally {
      out.end();
      await once(out, 'close');
    }
    onProgress?.(entries, treeSize);
    return { entries, treeSize };
  });
}

/** Thrown when an export file is not one. */
export class ExportFormatError extends Error {
  override readonly name = 'ExportFormatError';
}

type LeafHeader = { leaf: { leafIndex: number; entryId: string; leafHash: string } };

const ENTRY_KEY = '},"entry":';

/** One leaf line back into a record; the entry's text is taken verbatim, as it was hashed. */
function parseLeafLine(line: string, lineNumber: number): LogRecord {
  const split = line.indexOf(ENTRY_KEY);
  if (!line.startsWith('{"leaf":') || split < 0 || !line.endsWith('}')) {
    throw new ExportFormatError(`line ${lineNumber}: not a leaf line`);
  }
  const { leaf } = JSON.parse(`${line.slice(0, split + 1)}}`) as LeafHeader;
  const content = line.slice(split + ENTRY_KEY.length, -1);
  return {
    leafIndex: leaf.leafIndex,
    entryId: leaf.entryId,
    leafHash: Buffer.from(leaf.leafHash, 'hex'),
    content: content === 'null' ? null : content,
  };
}

/** Reads an export: keys and heads come before the leaves, so leaves stream one line at a time. */
export async function readLogFromExport(file: string): Promise<LogSource> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  const iterator = lines[Symbol.asyncIterator]();
  const keys = new Map<string, string>();
  const heads: TreeHead[] = [];
  let lineNumber = 1;
  const first = await iterator.next();
  const header = first.done ? undefined : (JSON.parse(first.value) as { format?: string; version?: number });
  if (header?.format !== EXPORT_FORMAT || header.version !== 1) {
    lines.close();
    throw new ExportFormatError(`${file} is not a CareGraph audit log export`);
  }
  let pending: string | undefined;
  for (;;) {
    const next = await iterator.next();
    if (next.done) {
      break;
    }
    lineNumber++;
    if (next.value.startsWith('{"key":')) {
      const { key } = JSON.parse(next.value) as { key: { keyId: string; publicKey: string } };
      keys.set(key.keyId, key.publicKey);
    } else if (next.value.startsWith('{"treeHead":')) {
      const { treeHead } = JSON.parse(next.value) as {
        treeHead: { treeSize: number; rootHash: string; timestampMs: number; keyId: string; signature: string };
      };
      heads.push({
        ...treeHead,
        rootHash: Buffer.from(treeHead.rootHash, 'hex'),
        signature: Buffer.from(treeHead.signature, 'hex'),
      });
    } else {
      pending = next.value;
      break;
    }
  }
  const firstLeafLine = lineNumber;
  async function* records(): AsyncGenerator<LogRecord> {
    let number = firstLeafLine;
    try {
      if (pending !== undefined) {
        yield parseLeafLine(pending, number);
      }
      for (;;) {
        const next = await iterator.next();
        if (next.done) {
          return;
        }
        number++;
        if (next.value !== '') {
          yield parseLeafLine(next.value, number);
        }
      }
    } finally {
      lines.close();
    }
  }
  return { keys, heads, records: records() };
}
