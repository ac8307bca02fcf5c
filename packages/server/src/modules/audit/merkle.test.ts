import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  consistencyProof,
  EMPTY_TREE_HASH,
  Frontier,
  hashLeaf,
  inclusionProof,
  rootOfLeafHashes,
  verifyConsistency,
  verifyInclusion,
  type NodeId,
  type NodeReader,
} from './merkle.ts';

// The RFC 6962 test vectors as published with transparency-dev/merkle (proof/verify_test.go):
// eight leaves, the root of each prefix, and known inclusion and consistency proofs.
const hex = (text: string) => Buffer.from(text, 'hex');
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(
  hex,
);
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
].map(hex);
/** [leaf index, tree size, proof]. */
const INCLUSION_PROOFS: Array<[number, number, string[]]> = [
  [
    0,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    5,
    8,
    [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [
    1,
    5,
    [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
];
/** [first size, second size, proof]. */
const CONSISTENCY_PROOFS: Array<[number, number, string[]]> = [
  [1, 1, []],
  [
    1,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    6,
    8,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [
    2,
    5,
    [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
  [
    6,
    7,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
];

/** Every complete subtree of a tree built from `leafHashes`, as a store would keep them. */
function storedNodes(leafHashes: Buffer[]): NodeReader {
  const nodes = new Map<string, Buffer>();
  const frontier = new Frontier();
  leafHashes.forEach((leafHash, index) => {
    nodes.set(`0:${index}`, leafHash);
    for (const node of frontier.append(leafHash)) {
      nodes.set(`${node.level}:${node.index}`, node.hash);
    }
  });
  return ({ level, index }: NodeId) => {
    const hash = nodes.get(`${level}:${index}`);
    assert.ok(hash, `node ${level}:${index} is complete`);
    return hash;
  };
}

function flipBit(proof: Buffer[], position: number): Buffer[] {
  return proof.map((hash, index) => {
    if (index !== position) {
      return hash;
    }
    const copy = Buffer.from(hash);
    copy[0] = (copy[0] as number) ^ 8;
    return copy;
  });
}

const leafHashes = LEAVES.map(hashLeaf);
const read = storedNodes(leafHashes);

describe('Merkle tree hash (RFC 9162 §2.1.1)', () => {
  it('hashes the empty tree to SHA-256 of nothing', () => {
    assert.equal(EMPTY_TREE_HASH.toString('hex'), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.deepEqual(new Frontier().root(), EMPTY_TREE_HASH);
  });

  it('gives the RFC 6962 test vector root for every tree size from 1 to 8', () => {
    ROOTS.forEach((root, index) => {
      assert.equal(rootOfLeafHashes(leafHashes.slice(0, index + 1)).toString('hex'), root.toString('hex'));
    });
  });

  it('resumes from a stored frontier with the same root as a tree built in one go', () => {
    const first = new Frontier();
    leafHashes.slice(0, 5).forEach((hash) => first.append(hash));
    const resumed = new Frontier(first.size, first.hashes);
    leafHashes.slice(5).forEach((hash) => resumed.append(hash));
    assert.equal(resumed.hashes.length, 1);
    assert.deepEqual(resumed.root(), ROOTS[7]);
  });

  it('refuses a frontier whose hash count does not fit its size', () => {
    assert.throws(() => new Frontier(3, [EMPTY_TREE_HASH]), RangeError);
  });
});

describe('inclusion proofs (RFC 9162 §2.1.3)', () => {
  for (const [leafIndex, treeSize, expected] of INCLUSION_PROOFS) {
    it(`generates and verifies the test vector proof of leaf ${leafIndex} in a tree of ${treeSize}`, () => {
      const proof = inclusionProof(leafIndex, treeSize, read);
      assert.deepEqual(
        proof.map((hash) => hash.toString('hex')),
        expected,
      );
      const rootHash = ROOTS[treeSize - 1] as Buffer;
      const leafHash = leafHashes[leafIndex] as Buffer;
      assert.equal(verifyInclusion({ leafIndex, treeSize, leafHash, proof, rootHash }), true);
      // Corrupted probes, as the reference tests make them.
      assert.equal(verifyInclusion({ leafIndex: leafIndex + 1, treeSize, leafHash, proof, rootHash }), false);
      assert.equal(verifyInclusion({ leafIndex, treeSize: treeSize * 2, leafHash, proof, rootHash }), false);
      assert.equal(verifyInclusion({ leafIndex, treeSize, leafHash: hashLeaf(hex('ff')), proof, rootHash }), false);
      assert.equal(verifyInclusion({ leafIndex, treeSize, leafHash, proof, rootHash: EMPTY_TREE_HASH }), false);
      assert.equal(verifyInclusion({ leafIndex, treeSize, leafHash, proof: [...proof, rootHash], rootHash }), false);
      assert.equal(verifyInclusion({ leafIndex, treeSize, leafHash, proof: proof.slice(0, -1), rootHash }), false);
      proof.forEach((_, position) => {
        assert.equal(
          verifyInclusion({ leafIndex, treeSize, leafHash, proof: flipBit(proof, position), rootHash }),
          false,
        );
      });
    });
  }

  it('proves every leaf of every tree size up to 8', () => {
    for (let treeSize = 1; treeSize <= 8; treeSize++) {
      for (let leafIndex = 0; leafIndex < treeSize; leafIndex++) {
        const proof = inclusionProof(leafIndex, treeSize, read);
        const rootHash = ROOTS[treeSize - 1] as Buffer;
        const leafHash = leafHashes[leafIndex] as Buffer;
        assert.equal(verifyInclusion({ leafIndex, treeSize, leafHash, proof, rootHash }), true);
      }
    }
  });

  it('refuses a leaf outside the tree', () => {
    assert.throws(() => inclusionProof(8, 8, read), RangeError);
    assert.equal(
      verifyInclusion({ leafIndex: 0, treeSize: 0, leafHash: EMPTY_TREE_HASH, proof: [], rootHash: EMPTY_TREE_HASH }),
      false,
    );
  });
});

describe('consistency proofs (RFC 9162 §2.1.4)', () => {
  for (const [first, second, expected] of CONSISTENCY_PROOFS) {
    it(`generates and verifies the test vector proof from ${first} to ${second} leaves`, () => {
      const proof = consistencyProof(first, second, read);
      assert.deepEqual(
        proof.map((hash) => hash.toString('hex')),
        expected,
      );
      const firstHash = ROOTS[first - 1] as Buffer;
      const secondHash = ROOTS[second - 1] as Buffer;
      assert.equal(verifyConsistency({ first, second, firstHash, secondHash, proof }), true);
      if (proof.length > 0) {
        assert.equal(verifyConsistency({ first, second, firstHash: secondHash, secondHash: firstHash, proof }), false);
        assert.equal(verifyConsistency({ first: first + 1, second, firstHash, secondHash, proof }), false);
        assert.equal(verifyConsistency({ first, second, firstHash, secondHash, proof: [] }), false);
        assert.equal(verifyConsistency({ first, second, firstHash, secondHash, proof: proof.slice(0, -1) }), false);
        assert.equal(verifyConsistency({ first, second, firstHash, secondHash, proof: [firstHash, ...proof] }), false);
        proof.forEach((_, position) => {
          const altered = flipBit(proof, position);
          assert.equal(verifyConsistency({ first, second, firstHash, secondHash, proof: altered }), false);
        });
      }
    });
  }

  it('proves every pair of sizes up to 8 consistent', () => {
    for (let second = 1; second <= 8; second++) {
      for (let first = 0; first <= second; first++) {
        const proof = consistencyProof(first, second, read);
        const firstHash = first === 0 ? EMPTY_TREE_HASH : (ROOTS[first - 1] as Buffer);
        const secondHash = ROOTS[second - 1] as Buffer;
        assert.equal(verifyConsistency({ first, second, firstHash, secondHash, proof }), true, `${first}→${second}`);
      }
    }
  });

  it('refuses a proof between a tree and an older one', () => {
    assert.throws(() => consistencyProof(5, 4, read), RangeError);
    const hash = ROOTS[3] as Buffer;
    assert.equal(verifyConsistency({ first: 5, second: 4, firstHash: hash, secondHash: hash, proof: [] }), false);
  });
});
