// The Ed25519 key that signs tree heads, and the RFC 6962 §3.5 TreeHeadSignature bytes it signs.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { AuditError } from './errors.ts';

/** A tree head signer: the private key, its public key as PEM, and the key id heads name. */
export type SigningKey = { privateKey: KeyObject; publicKeyPem: string; keyId: string };

/** Where the key comes from: a configured PEM file, else one generated once into the data directory. */
export type SigningKeySource = { keyFile: string | undefined; dataDir: string };

/** The file a generated key is kept in. */
export const GENERATED_KEY_FILE = 'audit-signing-key.pem';

/** The key id of a public key: SHA-256 of its DER SubjectPublicKeyInfo, hex (RFC 6962 LogID). */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

function toSigningKey(privateKey: KeyObject, file: string): SigningKey {
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new AuditError(500, 'AUDIT_SIGNING_KEY_INVALID', `${file} is not an Ed25519 private key`);
  }
  const publicKey = createPublicKey(privateKey);
  return {
    privateKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: keyIdOf(publicKey),
  };
}

/**
 * Loads the configured PEM (PKCS#8) Ed25519 key, or the one in `<dataDir>/audit-signing-key.pem`,
 * generating that file (mode 0600) on first use. The key never leaves the file and this process.
 */
export function loadSigningKey(source: SigningKeySource): SigningKey {
  const file = source.keyFile ?? path.join(source.dataDir, GENERATED_KEY_FILE);
  if (source.keyFile !== undefined || existsSync(file)) {
    return toSigningKey(createPrivateKey(readFileSync(file)), file);
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  // `mode` applies only when the file is created, and is masked by the umask.
  chmodSync(file, 0o600);
  return toSigningKey(privateKey, file);
}

/** A signed tree head: the tree of `treeSize` leaves had root `rootHash` at `timestampMs`. */
export type TreeHead = { treeSize: number; rootHash: Buffer; timestampMs: number; keyId: string; signature: Buffer };

/**
 * The TreeHeadSignature structure of RFC 6962 §3.5: version v1 (0), signature_type tree_hash (1),
 * uint64 timestamp in milliseconds, uint64 tree_size, the 32-byte root hash.
 */
export function treeHeadSignatureInput(head: Pick<TreeHead, 'treeSize' | 'rootHash' | 'timestampMs'>): Buffer {
  const bytes = Buffer.alloc(2 + 8 + 8 + 32);
  bytes.writeUInt8(0, 0);
  bytes.writeUInt8(1, 1);
  bytes.writeBigUInt64BE(BigInt(head.timestampMs), 2);
  bytes.writeBigUInt64BE(BigInt(head.treeSize), 10);
  head.rootHash.copy(bytes, 18);
  return bytes;
}

/** Signs a tree head with Ed25519. */
export function signTreeHead(key: SigningKey, head: Pick<TreeHead, 'treeSize' | 'rootHash' | 'timestampMs'>): TreeHead {
  const signature = sign(null, treeHeadSignatureInput(head), key.privateKey);
  return { ...head, keyId: key.keyId, signature };
}

/** Whether `head.signature` is a valid Ed25519 signature of the head by `publicKeyPem`. */
export function isTreeHeadSignatureValid(head: TreeHead, publicKeyPem: string): boolean {
  try {
    return verify(null, treeHeadSignatureInput(head), createPublicKey(publicKeyPem), head.signature);
  } catch {
    return false;
  }
}
