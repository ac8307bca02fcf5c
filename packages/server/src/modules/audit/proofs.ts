// Signed tree heads and proofs read from the stored tree: O(log n) node rows per proof.
import type { Queryable } from '../../platform/db/index.ts';
import { AuditError } from './errors.ts';
import {
  consistencyProofRanges,
  inclusionProofRanges,
  nodesOfRanges,
  rangeHash,
  type NodeId,
  type NodeReader,
} from './merkle.ts';
import type { TreeHead } from './signing-key.ts';

type HeadRow = { tree_size: number; root_hash: string; timestamp_ms: number; key_id: string; signature: string };

const HEAD_COLUMNS = `tree_size, encode(root_hash, 'hex') AS root_hash, timestamp_ms, key_id,
  encode(signature, 'hex') AS signature`;

function toTreeHead(row: HeadRow): TreeHead {
  return {
    treeSize: row.tree_size,
    rootHash: Buffer.from(row.root_hash, 'hex'),
    timestampMs: row.timestamp_ms,
    keyId: row.key_id,
    signature: Buffer.from(row.signature, 'hex'),
  };
}

/** The latest signed tree head, or undefined before the first integration. */
export async function tryReadLatestTreeHead(q: Queryable): Promise<TreeHead | undefined> {
  const { rows } = await q.query<HeadRow>(
    `SELECT ${HEAD_COLUMNS} FROM audit_tree_head ORDER BY tree_size DESC LIMIT 1`,
  );
  return rows[0] ? toTreeHead(rows[0]) : undefined;
}

/** Every signed tree head, oldest first, from `afterSize` on (exclusive), at most `limit`. */
export async function readTreeHeads(q: Queryable, options: { afterSize?: number; limit?: number } = {}) {
  const { rows } = await q.query<HeadRow>(
    `SELECT ${HEAD_COLUMNS} FROM audit_tree_head WHERE tree_size > $1 ORDER BY tree_size LIMIT $2`,
    [options.afterSize ?? -1, options.limit ?? 1_000_000],
  );
  return rows.map(toTreeHead);
}

/** Every public key that signed a head: key id → PEM. */
export async function readSigningKeys(q: Queryable): Promise<Map<string, string>> {
  const { rows } = await q.query<{ key_id: string; public_key: string }>(
    'SELECT key_id, public_key FROM audit_signing_key ORDER BY created_at, key_id',
  );
  return new Map(rows.map((row) => [row.key_id, row.public_key]));
}

/** Reads the complete subtrees a proof needs in one query each for leaves and interior nodes. */
async function readNodes(q: Queryable, nodes: NodeId[]): Promise<NodeReader> {
  const hashes = new Map<string, Buffer>();
  const leaves = nodes.filter((node) => node.level === 0).map((node) => node.index);
  const interior = nodes.filter((node) => node.level > 0);
  if (leaves.length > 0) {
    const { rows } = await q.query<{ leaf_index: number; hash: string }>(
      `SELECT leaf_index, encode(leaf_hash, 'hex') AS hash FROM audit_leaf WHERE leaf_index = ANY($1::bigint[])`,
      [leaves],
    );
    rows.forEach((row) => hashes.set(`0:${row.leaf_index}`, Buffer.from(row.hash, 'hex')));
  }
  if (interior.length > 0) {
    const { rows } = await q.query<{ level: number; node_index: number; hash: string }>(
      `SELECT n.level, n.node_index, encode(n.hash, 'hex') AS hash
       FROM unnest($1::int[], $2::bigint[]) AS wanted(level, node_index)
       JOIN audit_node n ON n.level = wanted.level AND n.node_index = wanted.node_index`,
      [interior.map((node) => node.level), interior.map((node) => node.index)],
    );
    rows.forEach((row) => hashes.set(`${row.level}:${row.node_index}`, Buffer.from(row.hash, 'hex')));
  }
  return (node) => {
    const hash = hashes.get(`${node.level}:${node.index}`);
    if (!hash) {
      throw new Error(`audit tree node ${node.level}:${node.index} is missing`);
    }
    return hash;
  };
}

async function requireTreeSize(q: Queryable, treeSize: number | undefined): Promise<TreeHead> {
  const latest = await tryReadLatestTreeHead(q);
  if (!latest) {
    throw new AuditError(404, 'AUDIT_NOT_FOUND', 'No tree head has been signed yet');
  }
  if (treeSize === undefined || treeSize === latest.treeSize) {
    return latest;
  }
  const { rows } = await q.query<HeadRow>(`SELECT ${HEAD_COLUMNS} FROM audit_tree_head WHERE tree_size = $1`, [
    treeSize,
  ]);
  if (!rows[0]) {
    throw new AuditError(404, 'AUDIT_NOT_FOUND', `No signed tree head has size ${treeSize}`);
  }
  return toTreeHead(rows[0]);
}

/** An inclusion proof, with the entry it proves. */
export type InclusionProof = {
  leafIndex: number;
  entryId: string;
  /** The canonical entry, whose leaf hash is SHA-256(0x00 || uint64 leafIndex || entry). */
  entry: string;
  leafHash: Buffer;
  treeHead: TreeHead;
  proof: Buffer[];
};

/**
 * The inclusion proof of an entry (by leaf index or entry id) in a signed tree head (the latest
 * by default). `tenantId` limits it to that tenant's entries; undefined (the command line) does not.
 */
export async function proveInclusion(
  q: Queryable,
  options: { leafIndex?: number; entryId?: string; treeSize?: number; tenantId?: string },
): Promise<InclusionProof> {
  const notFound = new AuditError(
    404,
    'AUDIT_NOT_FOUND',
    'No such audit entry in the tree (entries join it within seconds)',
  );
  if (options.entryId !== undefined && !/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/.test(options.entryId)) {
    throw notFound;
  }
  const { rows } = await q.query<{ leaf_index: number; entry_id: string; leaf_hash: string; content: string }>(
    `SELECT l.leaf_index, l.entry_id::text AS entry_id, encode(l.leaf_hash, 'hex') AS leaf_hash, e.content
     FROM audit_leaf l JOIN audit_entry e ON e.txid = l.entry_txid AND e.seq = l.entry_seq
     WHERE ${options.entryId !== undefined ? 'l.entry_id = $1::uuid' : 'l.leaf_index = $1::bigint'}
       AND ($2::text IS NULL OR l.tenant_id = $2)`,
    [options.entryId ?? options.leafIndex, options.tenantId ?? null],
  );
  const leaf = rows[0];
  if (!leaf) {
    throw notFound;
  }
  const treeHead = await requireTreeSize(q, options.treeSize);
  const leafIndex = leaf.leaf_index;
  if (leafIndex >= treeHead.treeSize) {
    throw new AuditError(
      400,
      'AUDIT_INVALID_PARAMETER',
      `Leaf ${leafIndex} is not in the tree of ${treeHead.treeSize}`,
    );
  }
  const ranges = inclusionProofRanges(leafIndex, treeHead.treeSize);
  const read = await readNodes(q, nodesOfRanges(ranges));
  return {
    leafIndex,
    entryId: leaf.entry_id,
    entry: leaf.content,
    leafHash: Buffer.from(leaf.leaf_hash, 'hex'),
    treeHead,
    proof: ranges.map((range) => rangeHash(range, read)),
  };
}

/** A consistency proof between two signed tree heads. */
export type ConsistencyProof = { first: TreeHead; second: TreeHead; proof: Buffer[] };

/** The consistency proof from the head of `first` leaves to the head of `second` (the latest by default). */
export async function proveConsistency(
  q: Queryable,
  options: { first: number; second?: number },
): Promise<ConsistencyProof> {
  const second = await requireTreeSize(q, options.second);
  const first = await requireTreeSize(q, options.first);
  if (first.treeSize > second.treeSize) {
    throw new AuditError(400, 'AUDIT_INVALID_PARAMETER', 'The first tree head must not be larger than the second');
  }
  const ranges = consistencyProofRanges(first.treeSize, second.treeSize);
  const read = await readNodes(q, nodesOfRanges(ranges));
  return { first, second, proof: ranges.map((range) => rangeHash(range, read)) };
}
