// The Merkle tree of RFC 9162 §2.1 (RFC 6962 §2.1): tree hashes for any size, inclusion and
// consistency proofs (generation §2.1.3.1/§2.1.4.1 and verification §2.1.3.2/§2.1.4.2), and the
// compact range ("frontier") an append-only log keeps to extend its tree one leaf at a time.
// Hashes are SHA-256 from node:crypto; the tree arithmetic is here.
import { createHash } from 'node:crypto';

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** The hash of the empty tree: SHA-256 of no bytes (RFC 9162 §2.1.1). */
export const EMPTY_TREE_HASH: Buffer = createHash('sha256').digest();

/** MTH({d}) = SHA-256(0x00 || d). */
export function hashLeaf(data: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

/** SHA-256(0x01 || left || right): an interior node. */
export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** The largest power of two smaller than `n` (n ≥ 2): where RFC 9162 splits a tree of n leaves. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) {
    k *= 2;
  }
  return k;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && splitPoint(n + 1) === n;
}

/** A complete subtree: 2^level leaves starting at leaf `index * 2^level`. Level 0 is a leaf. */
export type NodeId = { level: number; index: number };

/** Gives the hash of a complete subtree; proofs are computed from these. */
export type NodeReader = (node: NodeId) => Buffer;

/** A range of leaves [start, end) whose tree hash a proof needs. */
type LeafRange = { start: number; end: number };

/**
 * The complete subtrees whose hashes make up MTH(D[start:end]), left to right. Every range a proof
 * names is a node of the tree, so `start` is aligned and the range splits into aligned complete
 * subtrees of decreasing size.
 */
export function completeSubtrees(start: number, end: number): NodeId[] {
  const nodes: NodeId[] = [];
  let from = start;
  while (from < end) {
    const size = isPowerOfTwo(end - from) ? end - from : splitPoint(end - from);
    const level = Math.log2(size);
    nodes.push({ level, index: from / size });
    from += size;
  }
  return nodes;
}

/** MTH(D[start:end]) from the hashes of its complete subtrees (RFC 9162 §2.1.1, folded from the right). */
export function rangeHash(range: LeafRange, read: NodeReader): Buffer {
  if (range.end === range.start) {
    return EMPTY_TREE_HASH;
  }
  const hashes = completeSubtrees(range.start, range.end).map(read);
  let hash = hashes[hashes.length - 1] as Buffer;
  for (let position = hashes.length - 2; position >= 0; position--) {
    hash = hashChildren(hashes[position] as Buffer, hash);
  }
  return hash;
}

/** The tree hash of a list of leaf hashes, computed directly (for tests and small trees). */
export function rootOfLeafHashes(leafHashes: Buffer[]): Buffer {
  const frontier = new Frontier();
  for (const leafHash of leafHashes) {
    frontier.append(leafHash);
  }
  return frontier.root();
}

/** PATH(m, D[start:end]) of RFC 9162 §2.1.3.1 as the ranges whose hashes form it, leaf side first. */
function pathRanges(m: number, start: number, end: number): LeafRange[] {
  const n = end - start;
  if (n <= 1) {
    return [];
  }
  const k = splitPoint(n);
  return m < k
    ? [...pathRanges(m, start, start + k), { start: start + k, end }]
    : [...pathRanges(m - k, start + k, end), { start, end: start + k }];
}

/** SUBPROOF(m, D[start:end], b) of RFC 9162 §2.1.4.1 as ranges. */
function subproofRanges(m: number, start: number, end: number, isWholeOldTree: boolean): LeafRange[] {
  const n = end - start;
  if (m === n) {
    return isWholeOldTree ? [] : [{ start, end }];
  }
  const k = splitPoint(n);
  return m <= k
    ? [...subproofRanges(m, start, start + k, isWholeOldTree), { start: start + k, end }]
    : [...subproofRanges(m - k, start + k, end, false), { start, end: start + k }];
}

function checkSizes(condition: boolean, message: string): void {
  if (!condition) {
    throw new RangeError(message);
  }
}

/** The ranges of the inclusion proof of leaf `leafIndex` in the tree of `treeSize` leaves. */
export function inclusionProofRanges(leafIndex: number, treeSize: number): LeafRange[] {
  checkSizes(leafIndex >= 0 && leafIndex < treeSize, `leaf ${leafIndex} is not in a tree of ${treeSize}`);
  return pathRanges(leafIndex, 0, treeSize);
}

/** The ranges of the consistency proof between trees of `first` and `second` leaves. */
export function consistencyProofRanges(first: number, second: number): LeafRange[] {
  checkSizes(first >= 0 && first <= second, `no consistency proof from ${first} to ${second} leaves`);
  return first === 0 ? [] : subproofRanges(first, 0, second, true);
}

/** Every complete subtree a list of ranges needs, for fetching them in one go. */
export function nodesOfRanges(ranges: LeafRange[]): NodeId[] {
  return ranges.flatMap((range) => completeSubtrees(range.start, range.end));
}

/** The inclusion proof (audit path) of a leaf, from stored complete-subtree hashes. */
export function inclusionProof(leafIndex: number, treeSize: number, read: NodeReader): Buffer[] {
  return inclusionProofRanges(leafIndex, treeSize).map((range) => rangeHash(range, read));
}

/** The consistency proof between two tree sizes, from stored complete-subtree hashes. */
export function consistencyProof(first: number, second: number, read: NodeReader): Buffer[] {
  return consistencyProofRanges(first, second).map((range) => rangeHash(range, read));
}

const half = (value: number) => Math.floor(value / 2);
const isOdd = (value: number) => value % 2 === 1;

/**
 * Verifies an inclusion proof (RFC 9162 §2.1.3.2): whether `leafHash` is leaf `leafIndex` of the
 * tree of `treeSize` leaves whose hash is `rootHash`.
 */
export function verifyInclusion(options: {
  leafIndex: number;
  treeSize: number;
  leafHash: Uint8Array;
  proof: Uint8Array[];
  rootHash: Uint8Array;
}): boolean {
  const { leafIndex, treeSize, leafHash, proof, rootHash } = options;
  if (leafIndex < 0 || leafIndex >= treeSize) {
    return false;
  }
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r: Buffer = Buffer.from(leafHash);
  for (const p of proof) {
    if (sn === 0) {
      return false;
    }
    if (isOdd(fn) || fn === sn) {
      r = hashChildren(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && r.equals(rootHash);
}

/**
 * Verifies a consistency proof (RFC 9162 §2.1.4.2): whether the tree of `first` leaves with hash
 * `firstHash` is a prefix of the tree of `second` leaves with hash `secondHash`. Equal sizes need
 * an empty proof and equal hashes; the empty tree is a prefix of every tree.
 */
export function verifyConsistency(options: {
  first: number;
  second: number;
  firstHash: Uint8Array;
  secondHash: Uint8Array;
  proof: Uint8Array[];
}): boolean {
  const { first, second, firstHash, secondHash } = options;
  if (first < 0 || first > second) {
    return false;
  }
  if (first === second) {
    return options.proof.length === 0 && Buffer.from(firstHash).equals(secondHash);
  }
  if (first === 0) {
    return options.proof.length === 0;
  }
  if (options.proof.length === 0) {
    return false;
  }
  const proof = isPowerOfTwo(first) ? [firstHash, ...options.proof] : options.proof;
  let fn = first - 1;
  let sn = second - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr: Buffer = Buffer.from(proof[0] as Uint8Array);
  let sr: Buffer = fr;
  for (const c of proof.slice(1)) {
    if (sn === 0) {
      return false;
    }
    if (isOdd(fn) || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && fr.equals(firstHash) && sr.equals(secondHash);
}

/**
 * The compact range [0, size) of an append-only tree: the hashes of its complete subtrees, largest
 * (leftmost) first — at most one per set bit of `size`. Appending a leaf merges equal-sized
 * neighbours, so the tree grows in O(1) amortised hashing and its root costs O(log size).
 */
export class Frontier {
  #size: number;
  readonly #hashes: Buffer[];

  constructor(size = 0, hashes: Buffer[] = []) {
    if (hashes.length !== countSetBits(size)) {
      throw new RangeError(`a frontier of ${size} leaves has ${countSetBits(size)} hashes, got ${hashes.length}`);
    }
    this.#size = size;
    this.#hashes = [...hashes];
  }

  get size(): number {
    return this.#size;
  }

  /** The complete-subtree hashes, largest first (what a tree head stores to resume from). */
  get hashes(): Buffer[] {
    return [...this.#hashes];
  }

  /**
   * Appends a leaf hash; returns the interior nodes (level ≥ 1) this completes, lowest first, so a
   * store can keep every complete subtree for proofs.
   */
  append(leafHash: Buffer): Array<NodeId & { hash: Buffer }> {
    const completed: Array<NodeId & { hash: Buffer }> = [];
    const leafIndex = this.#size;
    let hash = leafHash;
    let level = 0;
    while (isOdd(Math.floor(leafIndex / 2 ** level))) {
      hash = hashChildren(this.#hashes.pop() as Buffer, hash);
      level++;
      completed.push({ level, index: Math.floor(leafIndex / 2 ** level), hash });
    }
    this.#hashes.push(hash);
    this.#size++;
    return completed;
  }

  /** MTH of the whole tree. */
  root(): Buffer {
    if (this.#hashes.length === 0) {
      return EMPTY_TREE_HASH;
    }
    let hash = this.#hashes[this.#hashes.length - 1] as Buffer;
    for (let position = this.#hashes.length - 2; position >= 0; position--) {
      hash = hashChildren(this.#hashes[position] as Buffer, hash);
    }
    return hash;
  }
}

function countSetBits(value: number): number {
  let count = 0;
  for (let rest = value; rest > 0; rest = Math.floor(rest / 2)) {
    count += rest % 2;
  }
  return count;
}
