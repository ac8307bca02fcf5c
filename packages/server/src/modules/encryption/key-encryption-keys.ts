// Key-encryption keys (KEKs) come from configuration and never reach the database: they only wrap the
// per-tenant data keys that are stored there. Several may be configured at once, the first being the
// one new keys are wrapped with; the others stay usable for unwrapping until `caregraph keys rotate`
// has re-wrapped everything, which is how a KEK is replaced without downtime.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A key-encryption key and its id: a fingerprint, stored beside each key it wraps. */
export type KeyEncryptionKey = Readonly<{ kekId: string; key: Buffer }>;

const KEY_BYTES = 32;

/** The file `npm start` generates a KEK into when none is configured. */
export const GENERATED_KEK_FILE = 'encryption-kek';

/** Parses one base64 (or base64url) 256-bit key; undefined when it is not one. */
export function tryParseKeyText(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    return undefined;
  }
  const key = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return key.length === KEY_BYTES ? key : undefined;
}

/** A KEK's id: the first 16 hex digits of a domain-separated SHA-256, which does not reveal the key. */
export function toKeyEncryptionKey(key: Buffer): KeyEncryptionKey {
  const kekId = createHash('sha256').update('caregraph-kek-id\0').update(key).digest('hex').slice(0, 16);
  return Object.freeze({ kekId, key });
}

/** The keys of a KEK file: one base64 key per line, the current one first; `#` starts a comment. */
export function parseKekFileText(text: string): { keys: Buffer[]; badLines: number[] } {
  const keys: Buffer[] = [];
  const badLines: number[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const content = line.replace(/#.*/, '').trim();
    if (content === '') {
      return;
    }
    const key = tryParseKeyText(content);
    if (key) {
      keys.push(key);
    } else {
      badLines.push(index + 1);
    }
  });
  return { keys, badLines };
}

/**
 * The KEKs of a data directory's generated key file, creating the file (mode 0600) with one fresh
 * key when it does not exist. Only for installs that configure none: a production KEK belongs in a
 * secret store, not beside the database it protects.
 */
export function ensureGeneratedKeks(dataDir: string): Buffer[] {
  const file = path.join(dataDir, GENERATED_KEK_FILE);
  if (existsSync(file)) {
    const { keys } = parseKekFileText(readFileSync(file, 'utf8'));
    if (keys.length > 0) {
      return keys;
    }
  }
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(KEY_BYTES);
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600 });
  // `mode` applies only when the file is created; an existing empty file keeps its own.
  chmodSync(file, 0o600);
  return [key];
}

/** The generated key file's KEKs when it exists, without creating it (the CLI never generates keys). */
export function tryReadGeneratedKeks(dataDir: string): Buffer[] | undefined {
  const file = path.join(dataDir, GENERATED_KEK_FILE);
  if (!existsSync(file)) {
    return undefined;
  }
  const { keys } = parseKekFileText(readFileSync(file, 'utf8'));
  return keys.length > 0 ? keys : undefined;
}
