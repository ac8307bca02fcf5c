// Upstream client secrets at rest: AES-256-GCM under a key from configuration (or one generated
// once into the data directory), bound to the provider row they belong to, so a sealed secret
// copied onto another row does not open.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { SsoError } from './errors.ts';

/** Where the key comes from: configured (base64 or base64url of 32 bytes), else a file in the data directory. */
export type SecretKeySource = { key: string | undefined; dataDir: string };

/** The file a generated key is kept in. */
export const GENERATED_SECRET_KEY_FILE = 'identity-provider-key';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Seals and opens the secrets of one tenant's provider row. */
export type SecretBox = {
  seal: (plaintext: string, binding: string) => string;
  open: (sealed: string, binding: string) => string;
};

/** Decodes a configured key: exactly 32 bytes, base64 or base64url. Answers undefined when malformed. */
export function parseSecretKey(text: string): Buffer | undefined {
  const bytes = Buffer.from(text.trim(), 'base64');
  return bytes.length === 32 ? bytes : undefined;
}

function loadKey(source: SecretKeySource): Buffer {
  if (source.key !== undefined) {
    const key = parseSecretKey(source.key);
    if (!key) {
      throw new Error('the identity provider key is not 32 bytes of base64');
    }
    return key;
  }
  const file = path.join(source.dataDir, GENERATED_SECRET_KEY_FILE);
  if (existsSync(file)) {
    const key = parseSecretKey(readFileSync(file, 'utf8'));
    if (!key) {
      throw new Error(`${file} does not hold 32 bytes of base64`);
    }
    return key;
  }
  const key = randomBytes(32);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, key.toString('base64'), { mode: 0o600, flag: 'wx' });
  // `mode` applies only when the file is created, and is masked by the umask.
  chmodSync(file, 0o600);
  return key;
}

/** A box over the configured key, loaded (or generated) on first use. */
export function createSecretBox(source: SecretKeySource): SecretBox {
  let loaded: { key: Buffer; keyId: string } | undefined;
  const current = () => {
    if (!loaded) {
      const key = loadKey(source);
      loaded = { key, keyId: createHash('sha256').update(key).digest('hex').slice(0, 16) };
    }
    return loaded;
  };
  return {
    seal(plaintext, binding) {
      const { key, keyId } = current();
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(binding));
      const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return [VERSION, keyId, iv.toString('base64url'), sealed.toString('base64url')].join('.');
    },
    open(sealed, binding) {
      const { key, keyId } = current();
      const [version, sealedKeyId, iv, body] = sealed.split('.');
      if (version !== VERSION || sealedKeyId !== keyId || !iv || !body) {
        throw new SsoError('SSO_SECRET_UNREADABLE', 'The client secret was sealed with another key; enter it again');
      }
      const bytes = Buffer.from(body, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(binding));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      try {
        return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)), decipher.final()]).toString(
          'utf8',
        );
      } catch {
        throw new SsoError('SSO_SECRET_UNREADABLE', 'The stored client secret does not open; enter it again');
      }
    },
  };
}
