// Checks an audit entry's inclusion proof in the browser, trusting nothing the server computed:
// the leaf hash is recomputed from the entry text, the RFC 9162 §2.1.3.2 audit path is folded up
// to the signed root, and the tree head's Ed25519 signature is checked against the published key.
// Runs on WebCrypto (SubtleCrypto), so the same code runs in Chromium and in Node's test runner.

/** WebCrypto's SubtleCrypto, typed so that both the DOM and Node declarations fit. */
export type Subtle = typeof globalThis.crypto.subtle;

/** A signed tree head as `/api/audit` answers it: hashes and signature in hex. */
export type TreeHeadJson = {
  treeSize: number;
  rootHash: string;
  timestamp: string;
  timestampMs: number;
  keyId: string;
  signature: string;
};

/** `GET /api/audit/proofs/inclusion`: the entry's canonical text, its leaf and the audit path. */
export type InclusionProofJson = {
  leafIndex: number;
  entryId: string;
  entry: string;
  leafHash: string;
  treeHead: TreeHeadJson;
  proof: string[];
};

/** `GET /api/audit/public-keys`: every key that signed a head (PEM SubjectPublicKeyInfo). */
export type PublicKeysJson = { currentKeyId: string; keys: { keyId: string; publicKey: string }[] };

/** The steps of a verification, in the order they run. */
export type ProofStepName = 'entry' | 'leaf-hash' | 'inclusion' | 'key' | 'signature';

export type ProofStep = { name: ProofStepName; isValid: boolean; detail: string };

/** The outcome of checking one entry: every step, and whether all passed. */
export type ProofReport = { isVerified: boolean; steps: ProofStep[] };

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

/** Bytes of a hex string; throws on anything that is not an even number of hex digits. */
export function fromHex(hex: string): Uint8Array<ArrayBuffer> {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new TypeError('not a hex string');
  }
  const bytes = new Uint8Array(hex.length / 2);
  for (let index = 0; index < bytes.length; index++) {
    bytes[index] = Number.parseInt(hex.slice(index * 2, index * 2 + 2), 16);
  }
  return bytes;
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const joined = new Uint8Array(parts.reduce((length, part) => length + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

function uint64(value: number): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(value));
  return bytes;
}

function isEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

async function sha256(subtle: Subtle, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  return new Uint8Array(await subtle.digest('SHA-256', data));
}

/**
 * The entry's leaf hash: SHA-256(0x00 || uint64 leafIndex || entry UTF-8), the MerkleTreeLeaf of
 * RFC 9162 §2.1.1 over the index and the canonical entry text (the index pins the entry's position).
 */
export function hashAuditLeaf(subtle: Subtle, leafIndex: number, entry: string): Promise<Uint8Array> {
  return sha256(subtle, concat(Uint8Array.of(LEAF_PREFIX), uint64(leafIndex), new TextEncoder().encode(entry)));
}

function hashChildren(subtle: Subtle, left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  return sha256(subtle, concat(Uint8Array.of(NODE_PREFIX), left, right));
}

/**
 * The root an inclusion proof leads to (RFC 9162 §2.1.3.2), or undefined when the proof has the
 * wrong length for the leaf's position in a tree of `treeSize` leaves.
 */
export async function rootFromInclusionProof(
  subtle: Subtle,
  options: { leafIndex: number; treeSize: number; leafHash: Uint8Array; proof: Uint8Array[] },
): Promise<Uint8Array | undefined> {
  const { leafIndex, treeSize, proof } = options;
  if (leafIndex < 0 || leafIndex >= treeSize) {
    return undefined;
  }
  let fn = leafIndex;
  let sn = treeSize - 1;
  let root = options.leafHash;
  for (const sibling of proof) {
    if (sn === 0) {
      return undefined;
    }
    if (fn % 2 === 1 || fn === sn) {
      root = await hashChildren(subtle, sibling, root);
      // A right-most node without a sibling at this level moves up until it is a right child.
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      root = await hashChildren(subtle, root, sibling);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? root : undefined;
}

/**
 * The bytes a tree head's signature covers: RFC 6962 §3.5 TreeHeadSignature, version v1 (0),
 * signature_type tree_hash (1), uint64 timestamp (ms), uint64 tree_size, the 32-byte root hash.
 */
export function treeHeadSignatureInput(head: TreeHeadJson): Uint8Array<ArrayBuffer> {
  return concat(Uint8Array.of(0, 1), uint64(head.timestampMs), uint64(head.treeSize), fromHex(head.rootHash));
}

/** The DER bytes of a PEM block (`-----BEGIN PUBLIC KEY-----` … base64 …). */
export function derOfPem(pem: string): Uint8Array<ArrayBuffer> {
  const base64 = pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, '');
  const binary = atob(base64);
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

/** What the entry text says about itself, as far as the check needs it. */
function readEntryId(entry: string): string | undefined {
  try {
    const parsed = JSON.parse(entry) as unknown;
    return typeof parsed === 'object' && parsed !== null && typeof (parsed as { id?: unknown }).id === 'string'
      ? (parsed as { id: string }).id
      : undefined;
  } catch {
    return undefined;
  }
}

async function checkSignature(
  subtle: Subtle,
  head: TreeHeadJson,
  publicKeyPem: string,
): Promise<{ isValid: boolean; detail: string }> {
  try {
    const key = await subtle.importKey('spki', derOfPem(publicKeyPem), { name: 'Ed25519' }, false, ['verify']);
    const isValid = await subtle.verify(
      { name: 'Ed25519' },
      key,
      fromHex(head.signature),
      treeHeadSignatureInput(head),
    );
    return {
      isValid,
      detail: isValid
        ? `Ed25519 signature of the tree head of ${head.treeSize} entries is valid.`
        : 'The tree head signature does not match the signing key.',
    };
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'unknown error';
    return { isValid: false, detail: `The signature could not be checked in this browser: ${reason}` };
  }
}

/**
 * Verifies that the audit entry `expectedEntryId` is in the signed tree: every step runs (so a
 * failure shows all that is wrong), and the entry counts as verified only when all pass.
 * @param subtle - `crypto.subtle` of the page (or of Node in tests)
 */
export async function verifyInclusionProof(
  subtle: Subtle,
  options: { expectedEntryId: string; proof: InclusionProofJson; publicKeys: PublicKeysJson },
): Promise<ProofReport> {
  const { proof, publicKeys, expectedEntryId } = options;
  const head = proof.treeHead;
  const steps: ProofStep[] = [];
  const add = (name: ProofStepName, isValid: boolean, valid: string, invalid: string) =>
    steps.push({ name, isValid, detail: isValid ? valid : invalid });

  const statedId = readEntryId(proof.entry);
  add(
    'entry',
    statedId === expectedEntryId && proof.entryId === expectedEntryId,
    `The proven entry is ${expectedEntryId}.`,
    `The proof is for another entry (${statedId ?? 'unreadable'}), not ${expectedEntryId}.`,
  );

  const leafHash = await hashAuditLeaf(subtle, proof.leafIndex, proof.entry);
  add(
    'leaf-hash',
    toHex(leafHash) === proof.leafHash.toLowerCase(),
    `Leaf ${proof.leafIndex} hashes to ${toHex(leafHash)}.`,
    `The entry text hashes to ${toHex(leafHash)}, not to the leaf hash the server sent.`,
  );

  // The path starts from the recomputed hash: a proof for altered text cannot reach the root.
  const root = await rootFromInclusionProof(subtle, {
    leafIndex: proof.leafIndex,
    treeSize: head.treeSize,
    leafHash,
    proof: proof.proof.map(fromHex),
  });
  add(
    'inclusion',
    root !== undefined && isEqual(root, fromHex(head.rootHash)),
    `${proof.proof.length} audit path hashes lead to the signed root ${head.rootHash}.`,
    root === undefined
      ? `The audit path has the wrong length for leaf ${proof.leafIndex} of ${head.treeSize}.`
      : `The audit path leads to ${toHex(root)}, not to the signed root.`,
  );

  const key = publicKeys.keys.find((candidate) => candidate.keyId === head.keyId);
  const keyId = key ? toHex(await sha256(subtle, derOfPem(key.publicKey))) : undefined;
  add(
    'key',
    keyId === head.keyId,
    `The tree head names signing key ${head.keyId}, and that key's SHA-256 matches it.`,
    key ? 'The published key does not hash to the key id the tree head names.' : 'No published key has this key id.',
  );

  const signature = key
    ? await checkSignature(subtle, head, key.publicKey)
    : { isValid: false, detail: 'No key to check the signature with.' };
  steps.push({ name: 'signature', ...signature });

  return { isVerified: steps.every((step) => step.isValid), steps };
}
