import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  derOfPem,
  hashAuditLeaf,
  rootFromInclusionProof,
  treeHeadSignatureInput,
  verifyInclusionProof,
  type InclusionProofJson,
  type PublicKeysJson,
  type TreeHeadJson,
} from '../src/features/audit-explorer/verify-proof.ts';

// An independent log built straight from the definitions of RFC 9162 §2.1 (recursive MTH and
// PATH) with node:crypto, so the browser code is checked against the spec, not against itself.
const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const leafInput = (index: number, entry: string) => {
  const position = Buffer.alloc(8);
  position.writeBigUInt64BE(BigInt(index));
  return Buffer.concat([position, Buffer.from(entry, 'utf8')]);
};
const leafHash = (index: number, entry: string) => sha256(Buffer.from([0]), leafInput(index, entry));

function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) {
    k *= 2;
  }
  return k;
}

function treeHash(leaves: Buffer[]): Buffer {
  if (leaves.length === 1) {
    return leaves[0] as Buffer;
  }
  const k = splitPoint(leaves.length);
  return sha256(Buffer.from([1]), treeHash(leaves.slice(0, k)), treeHash(leaves.slice(k)));
}

function path(m: number, leaves: Buffer[]): Buffer[] {
  if (leaves.length <= 1) {
    return [];
  }
  const k = splitPoint(leaves.length);
  return m < k
    ? [...path(m, leaves.slice(0, k)), treeHash(leaves.slice(k))]
    : [...path(m - k, leaves.slice(k)), treeHash(leaves.slice(0, k))];
}

const entryText = (index: number) =>
  `{"action":"R","agent":{"kind":"user","name":"u-${index}","roles":["admin"]},"entities":[],"id":"${entryId(index)}","interaction":"read","outcome":"0","patients":["p${index}"],"recorded":"2026-11-23T10:00:00.000Z","tenant":"t1","type":"rest","v":1}`;
const entryId = (index: number) => `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`;

type Log = {
  entries: string[];
  leaves: Buffer[];
  privateKey: KeyObject;
  publicKeys: PublicKeysJson;
  head: TreeHeadJson;
};

function buildLog(size: number): Log {
  const entries = Array.from({ length: size }, (_, index) => entryText(index));
  const leaves = entries.map((entry, index) => leafHash(index, entry));
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const keyId = createHash('sha256').update(spki).digest('hex');
  const unsigned = {
    treeSize: size,
    rootHash: treeHash(leaves).toString('hex'),
    timestamp: '2026-11-23T10:00:01.000Z',
    timestampMs: Date.parse('2026-11-23T10:00:01.000Z'),
    keyId,
    signature: '',
  };
  const signature = sign(null, treeHeadSignatureInput(unsigned), privateKey).toString('hex');
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return {
    entries,
    leaves,
    privateKey,
    publicKeys: { currentKeyId: keyId, keys: [{ keyId, publicKey: pem }] },
    head: { ...unsigned, signature },
  };
}

function proofOf(log: Log, index: number): InclusionProofJson {
  return {
    leafIndex: index,
    entryId: entryId(index),
    entry: log.entries[index] as string,
    leafHash: (log.leaves[index] as Buffer).toString('hex'),
    treeHead: log.head,
    proof: path(index, log.leaves).map((hash) => hash.toString('hex')),
  };
}

const { subtle } = globalThis.crypto;

const failedSteps = async (log: Log, proof: InclusionProofJson, expected = proof.entryId) =>
  (await verifyInclusionProof(subtle, { expectedEntryId: expected, proof, publicKeys: log.publicKeys })).steps
    .filter((step) => !step.isValid)
    .map((step) => step.name);

describe('verifying an audit inclusion proof in the browser', () => {
  it('computes the leaf hash of RFC 9162 over the leaf index and the entry text', async () => {
    const hash = await hashAuditLeaf(subtle, 5, entryText(5));
    assert.deepEqual(Buffer.from(hash), leafHash(5, entryText(5)));
  });

  it('folds every leaf of trees of 1 to 13 entries up to the root', async () => {
    for (let size = 1; size <= 13; size++) {
      const leaves = Array.from({ length: size }, (_, index) => leafHash(index, entryText(index)));
      const root = treeHash(leaves);
      for (let index = 0; index < size; index++) {
        const computed = await rootFromInclusionProof(subtle, {
          leafIndex: index,
          treeSize: size,
          leafHash: leaves[index] as Buffer,
          proof: path(index, leaves),
        });
        assert.deepEqual(Buffer.from(computed ?? []), root, `leaf ${index} of ${size}`);
      }
    }
  });

  it('rejects an audit path of the wrong length or for a leaf outside the tree', async () => {
    const leaves = Array.from({ length: 6 }, (_, index) => leafHash(index, entryText(index)));
    const proof = path(2, leaves);
    const fold = (leafIndex: number, treeSize: number, hashes: Buffer[]) =>
      rootFromInclusionProof(subtle, { leafIndex, treeSize, leafHash: leaves[2] as Buffer, proof: hashes });
    assert.equal(await fold(2, 6, proof.slice(1)), undefined);
    assert.equal(await fold(2, 6, [...proof, proof[0] as Buffer]), undefined);
    assert.equal(await fold(6, 6, proof), undefined);
  });

  it('verifies an entry, the tree head signature and the key id of a real Ed25519 key', async () => {
    const log = buildLog(11);
    const report = await verifyInclusionProof(subtle, {
      expectedEntryId: entryId(7),
      proof: proofOf(log, 7),
      publicKeys: log.publicKeys,
    });
    assert.equal(report.isVerified, true);
    assert.deepEqual(
      report.steps.map((step) => [step.name, step.isValid]),
      [
        ['entry', true],
        ['leaf-hash', true],
        ['inclusion', true],
        ['key', true],
        ['signature', true],
      ],
    );
  });

  it('fails the hash and the path when the entry text was altered, even with the stored leaf hash', async () => {
    const log = buildLog(9);
    const proof = proofOf(log, 4);
    const altered = { ...proof, entry: proof.entry.replace('"p4"', '"p5"') };
    assert.deepEqual(await failedSteps(log, altered), ['leaf-hash', 'inclusion']);
  });

  it('fails when the entry is moved to another position in the log', async () => {
    const log = buildLog(8);
    const moved = { ...proofOf(log, 3), leafIndex: 2 };
    assert.deepEqual(await failedSteps(log, moved), ['leaf-hash', 'inclusion']);
  });

  it('fails the entry step when the server proves a different entry than the one opened', async () => {
    const log = buildLog(5);
    assert.deepEqual(await failedSteps(log, proofOf(log, 1), entryId(2)), ['entry']);
  });

  it('fails the signature when the tree head was changed after signing', async () => {
    const log = buildLog(6);
    const proof = proofOf(log, 0);
    const later = { ...proof, treeHead: { ...proof.treeHead, timestampMs: proof.treeHead.timestampMs + 1 } };
    assert.deepEqual(await failedSteps(log, later), ['signature']);
  });

  it('fails the key and the signature when the head names a key that was never published', async () => {
    const log = buildLog(4);
    const other = buildLog(4);
    const proof = proofOf(log, 2);
    assert.deepEqual(await failedSteps({ ...log, publicKeys: other.publicKeys }, proof), ['key', 'signature']);
  });

  it('fails the key step when a published key does not hash to the id it is listed under', async () => {
    const log = buildLog(4);
    const other = buildLog(4);
    const swapped: PublicKeysJson = {
      currentKeyId: log.head.keyId,
      keys: [{ keyId: log.head.keyId, publicKey: other.publicKeys.keys[0]?.publicKey ?? '' }],
    };
    assert.deepEqual(await failedSteps({ ...log, publicKeys: swapped }, proofOf(log, 1)), ['key', 'signature']);
  });

  it('reads the DER of a PEM public key', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    assert.deepEqual(Buffer.from(derOfPem(pem)), publicKey.export({ type: 'spki', format: 'der' }));
  });
});
