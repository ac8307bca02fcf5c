// The envelope format of encrypted fields and of wrapped keys: AES-256-GCM (NIST SP 800-38D) with a
// random 96-bit IV per message and a 128-bit tag. A sealed field value is one string,
//
//   cgenc:1:<key id>:<base64url(iv ‖ ciphertext ‖ tag)>
//
// so it can stand wherever the plaintext string stood in the resource JSON. The key id names the data
// key (random, never reused), which belongs to one tenant; the additional authenticated data binds the
// ciphertext to that key id and to the resource it was sealed in, so a value copied into another
// resource or relabelled with another key fails to open instead of decrypting.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Every sealed value starts with this; a string that does not cannot be ciphertext. */
export const ENVELOPE_PREFIX = 'cgenc:';
const FORMAT_VERSION = '1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Key ids are base64url of 12 random bytes. */
const KEY_ID = /^[A-Za-z0-9_-]{16}$/;
const ENVELOPE = /^cgenc:1:([A-Za-z0-9_-]{16}):([A-Za-z0-9_-]+)$/;

/** A 256-bit AES key and the id stored with everything it seals. */
export type DataKey = { keyId: string; key: Buffer };

/** Thrown when a sealed value is malformed or does not authenticate under its key. */
export class EnvelopeError extends Error {
  override readonly name = 'EnvelopeError';
}

/** A fresh random key id (never derived from key material, so it reveals nothing). */
export function newKeyId(): string {
  return randomBytes(12).toString('base64url');
}

export function isKeyId(value: string): boolean {
  return KEY_ID.test(value);
}

/** Whether `value` starts like an envelope: such client text is sealed too, so reads never mistake it for one. */
export function isSealed(value: string): boolean {
  return value.startsWith(ENVELOPE_PREFIX);
}

/** Whether `value` has the envelope's exact shape (it may still fail to authenticate). */
export function isEnvelope(value: string): boolean {
  return value.startsWith(ENVELOPE_PREFIX) && ENVELOPE.test(value);
}

function seal(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

function open(key: Buffer, sealed: Buffer, aad: string): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) {
    throw new EnvelopeError('sealed value is too short');
  }
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    // GCM says only "unable to authenticate"; which of key, context or bytes was wrong is unknowable.
    throw new EnvelopeError('sealed value does not authenticate under its key');
  }
}

const fieldAad = (keyId: string, context: string) => `${ENVELOPE_PREFIX}${FORMAT_VERSION}:${keyId}:${context}`;

/**
 * Seals a field value.
 * @param context - what the value belongs to (`Patient/123`): opening it under any other context fails
 */
export function sealValue(dataKey: DataKey, plaintext: string, context: string): string {
  const sealed = seal(dataKey.key, Buffer.from(plaintext, 'utf8'), fieldAad(dataKey.keyId, context));
  return `${ENVELOPE_PREFIX}${FORMAT_VERSION}:${dataKey.keyId}:${sealed.toString('base64url')}`;
}

/** The key id a sealed value names; throws EnvelopeError when it is not an envelope. */
export function keyIdOf(value: string): string {
  const match = ENVELOPE.exec(value);
  if (!match?.[1]) {
    throw new EnvelopeError('not a sealed value');
  }
  return match[1];
}

/** Opens a sealed field value with the key its envelope names. */
export function openValue(dataKey: DataKey, value: string, context: string): string {
  const match = ENVELOPE.exec(value);
  if (!match?.[1] || !match[2]) {
    throw new EnvelopeError('not a sealed value');
  }
  if (match[1] !== dataKey.keyId) {
    throw new EnvelopeError('sealed under another key');
  }
  return open(dataKey.key, Buffer.from(match[2], 'base64url'), fieldAad(match[1], context)).toString('utf8');
}

/** Wraps a data key under a key-encryption key; the AAD names the tenant, purpose and key id. */
export function wrapKey(kek: Buffer, key: Buffer, label: string): string {
  return seal(kek, key, `cgkey:${label}`).toString('base64url');
}

/** Unwraps a key wrapped by {@link wrapKey} with the same key-encryption key and label. */
export function unwrapKey(kek: Buffer, wrapped: string, label: string): Buffer {
  return open(kek, Buffer.from(wrapped, 'base64url'), `cgkey:${label}`);
}
