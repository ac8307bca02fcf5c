// The integrator: gives committed entries consecutive leaf indexes, stores their leaf hashes, the
// complete subtrees they finish and their search columns, and signs the new tree head — all in one
// transaction, by one process at a time (an advisory lock), on PGlite and on PostgreSQL with any
// number of servers. Requests only insert entry rows; everything else is derived here.
import type { Database, Queryable } from '../../platform/db/index.ts';
import { flushJournal } from './import-journal.ts';
import { Frontier } from './merkle.ts';
import { signTreeHead, type SigningKey, type TreeHead } from './signing-key.ts';

/** The advisory lock only the integrator takes ("audit" in ASCII). */
export const INTEGRATOR_LOCK = 0x6175646974;

/** Entries put in the tree per transaction. */
export const INTEGRATION_BATCH = 10_000;

/** What one integration did; `isSkipped` when another process held the lock. */
export type IntegrationReport = { integrated: number; treeSize: number; isSkipped: boolean };

type HeadRow = { tree_size: number; timestamp_ms: number; frontier: string[] };

type LatestHead = { frontier: Frontier; timestampMs: number };

/** The latest tree head's size, timestamp and compact range, or undefined before the first head. */
async function readLatestHead(tx: Queryable): Promise<LatestHead | undefined> {
  const { rows } = await tx.query<HeadRow>(
    `SELECT tree_size, timestamp_ms,
            ARRAY(SELECT encode(f.hash, 'hex') FROM unnest(frontier) WITH ORDINALITY AS f(hash, position)
                  ORDER BY f.position) AS frontier
     FROM audit_tree_head ORDER BY tree_size DESC LIMIT 1`,
  );
  const row = rows[0];
  if (!row) {
    return undefined;
  }
  const hashes = row.frontier.map((hash) => Buffer.from(hash, 'hex'));
  return { frontier: new Frontier(row.tree_size, hashes), timestampMs: row.timestamp_ms };
}

const HORIZON = `COALESCE((SELECT h.entry_horizon FROM audit_tree_head h ORDER BY h.tree_size DESC LIMIT 1), '0')`;
// Entries from the horizon up to the next transaction id: every committed entry is below that
// bound, and with both bounds the planner estimates a narrow range (rather than a third of the
// table for an open-ended one) and reads it from the index. The leaves are bounded the same way,
// as the planner does not carry the range from `e.txid` over to `l.entry_txid` by itself.
const RECENT = (column: string) => `${column} >= ${HORIZON} AND ${column} < pg_snapshot_xmax(pg_current_snapshot())`;

/**
 * Committed entries not yet in the tree. Every entry of a transaction older than the latest head's
 * horizon is in the tree, so only entries from the horizon on are looked at.
 */
export const PENDING_ENTRIES = `SELECT e.txid, e.seq, e.content FROM audit_entry e
  WHERE ${RECENT('e.txid')}
    AND NOT EXISTS (SELECT 1 FROM audit_leaf l
                    WHERE ${RECENT('l.entry_txid')} AND l.entry_txid = e.txid AND l.entry_seq = e.seq)`;

/**
 * Puts up to `$2` pending entries in the tree from leaf index `$1` on, in transaction and
 * recording order, and returns their leaf hashes. PostgreSQL derives everything from the stored
 * text — the leaf hash SHA-256(0x00 || uint64be(leaf index) || entry) and the search columns — so
 * entries never travel to this process; `caregraph audit verify` recomputes both independently.
 * An entry that is not JSON fails the statement: only the server writes entries, so one that does
 * not parse was put there by someone else, and integration stops until an operator looks.
 */
const INSERT_LEAVES = `WITH pending AS (
    SELECT p.txid, p.seq, p.content::jsonb AS entry, convert_to(p.content, 'UTF8') AS bytes,
           $1::bigint + row_number() OVER (ORDER BY p.txid, p.seq) - 1 AS leaf_index
    FROM (${PENDING_ENTRIES} ORDER BY e.txid, e.seq LIMIT $2) p
  )
  INSERT INTO audit_leaf (leaf_index, entry_txid, entry_seq, leaf_hash, entry_id, tenant_id, recorded, action, agent,
                          patient_ids)
  SELECT leaf_index, txid, seq, sha256('\\x00'::bytea || int8send(leaf_index) || bytes), (entry ->> 'id')::uuid,
         entry ->> 'tenant', (entry ->> 'recorded')::timestamptz, entry ->> 'action', entry -> 'agent' ->> 'name',
         ARRAY(SELECT jsonb_array_elements_text(entry -> 'patients'))
  FROM pending
  RETURNING leaf_index, encode(leaf_hash, 'hex') AS leaf_hash, entry_txid::text AS txid`;

async function insertNodes(tx: Queryable, nodes: Array<{ level: number; index: number; hash: Buffer }>): Promise<void> {
  if (nodes.length > 0) {
    await tx.query(
      `INSERT INTO audit_node (level, node_index, hash)
       SELECT level, node_index, decode(hash, 'hex') FROM unnest($1::int[], $2::bigint[], $3::text[])
         AS node(level, node_index, hash)`,
      [
        nodes.map((node) => node.level),
        nodes.map((node) => node.index),
        nodes.map((node) => node.hash.toString('hex')),
      ],
    );
  }
}

/** Stores a signed tree head, registering its public key on first use. */
export async function insertTreeHead(
  tx: Queryable,
  key: SigningKey,
  head: TreeHead,
  frontier: Buffer[],
  entryHorizon: bigint,
): Promise<void> {
  await tx.query('INSERT INTO audit_signing_key (key_id, public_key) VALUES ($1, $2) ON CONFLICT (key_id) DO NOTHING', [
    key.keyId,
    key.publicKeyPem,
  ]);
  await tx.query(
    `INSERT INTO audit_tree_head (tree_size, root_hash, timestamp_ms, key_id, signature, frontier, entry_horizon)
     VALUES ($1, decode($2, 'hex'), $3, $4, decode($5, 'hex'),
             ARRAY(SELECT decode(f.hash, 'hex') FROM unnest($6::text[]) WITH ORDINALITY AS f(hash, position)
                   ORDER BY f.position),
             $7::xid8)`,
    [
      head.treeSize,
      head.rootHash.toString('hex'),
      head.timestampMs,
      head.keyId,
      head.signature.toString('hex'),
      frontier.map((hash) => hash.toString('hex')),
      entryHorizon.toString(),
    ],
  );
}

/**
 * Integrates up to `batchSize` committed entries — leaf hashes, the subtrees they complete, their
 * search columns — and signs the tree head that covers them (the first run signs the empty tree).
 * With `wait`, waits for a running integration instead of skipping.
 *
 * No queue is needed to find what is pending although sequence numbers have gaps (rolled-back
 * transactions) and commit out of order: every transaction older than the snapshot's xmin has
 * ended, so once entries of those transactions are in the tree that xmin becomes the next head's
 * horizon, and later runs look only at entries from there on that have no leaf yet.
 */
export async function integratePending(
  db: Database,
  options: { getKey: () => SigningKey; now?: () => Date; wait?: boolean; batchSize?: number },
): Promise<IntegrationReport> {
  const batchSize = options.batchSize ?? INTEGRATION_BATCH;
  return db.transaction(async (tx) => {
    if (options.wait) {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [INTEGRATOR_LOCK]);
    } else {
      const { rows } = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [
        INTEGRATOR_LOCK,
      ]);
      if (!rows[0]?.locked) {
        return { integrated: 0, treeSize: -1, isSkipped: true };
      }
    }
    // Taken before reading entries: every transaction below it has ended, so its entries are visible below.
    const { rows: snapshot } = await tx.query<{ xmin: string }>(
      'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin',
    );
    const xmin = BigInt(snapshot[0]?.xmin ?? '0');
    const latest = await readLatestHead(tx);
    const frontier = latest?.frontier ?? new Frontier();
    const { rows: leaves } = await tx.query<{ leaf_index: number; leaf_hash: string; txid: string }>(INSERT_LEAVES, [
      frontier.size,
      batchSize,
    ]);
    if (leaves.length === 0 && latest) {
      return { integrated: 0, treeSize: frontier.size, isSkipped: false };
    }
    leaves.sort((a, b) => a.leaf_index - b.leaf_index);
    const nodes: Array<{ level: number; index: number; hash: Buffer }> = [];
    for (const leaf of leaves) {
      nodes.push(...frontier.append(Buffer.from(leaf.leaf_hash, 'hex')));
    }
    await insertNodes(tx, nodes);
    // A full batch may have left entries of the last transaction taken (or later) behind.
    const lastTaken = leaves.length === batchSize ? BigInt(leaves.at(-1)?.txid ?? '0') : xmin;
    const entryHorizon = lastTaken < xmin ? lastTaken : xmin;
    const key = options.getKey();
    // Heads never go back in time, even when clocks of several servers disagree.
    const timestampMs = Math.max((options.now ?? (() => new Date()))().getTime(), latest?.timestampMs ?? 0);
    const head = signTreeHead(key, { treeSize: frontier.size, rootHash: frontier.root(), timestampMs });
    await insertTreeHead(tx, key, head, frontier.hashes, entryHorizon);
    return { integrated: leaves.length, treeSize: frontier.size, isSkipped: false };
  });
}

/**
 * Integrates until nothing is pending (or another process holds the lock), after moving what the
 * embedded database's entry journal holds into the entry table.
 */
export async function integrateAll(
  db: Database,
  options: {
    getKey: () => SigningKey;
    now?: () => Date;
    wait?: boolean;
    batchSize?: number;
    /** Checked between batches: a server shutting down stops after the batch in hand. */
    isStopping?: () => boolean;
  },
): Promise<IntegrationReport> {
  await flushJournal(db);
  let total = 0;
  for (;;) {
    const report = await integratePending(db, options);
    total += report.integrated;
    if (report.isSkipped || report.integrated < (options.batchSize ?? INTEGRATION_BATCH) || options.isStopping?.()) {
      return { ...report, integrated: total };
    }
  }
}

/**
 * Runs `integrateAll` every `intervalMs` while the server runs, so entries are in a signed tree
 * head within about a second. `stop` waits for the batch in progress, not for the whole backlog.
 */
export function startPublisher(options: {
  db: Database;
  getKey: () => SigningKey;
  intervalMs: number;
  onError: (error: unknown) => void;
}): { stop: () => Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let isStopped = false;
  const run = () => {
    // A backlog left at shutdown is committed, and the next start integrates it: stopping waits for one batch only.
    running = integrateAll(options.db, { getKey: options.getKey, isStopping: () => isStopped })
      .then(() => undefined, options.onError)
      .finally(() => {
        running = undefined;
        if (!isStopped) {
          timer = setTimeout(run, options.intervalMs);
        }
      });
  };
  timer = setTimeout(run, options.intervalMs);
  return {
    async stop() {
      isStopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
