import { createHash, randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

// argon2id with OWASP's minimum (19 MiB, 2 passes, 1 lane). @node-rs/argon2 declares its algorithm
// as an ambient const enum, which isolated modules cannot read, hence the literal (Argon2id = 2).
const ARGON2ID = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** An argon2id PHC string of the password. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2ID);
}

// Verified against when the account does not exist or has no password, so the answer takes as long
// either way and timing does not reveal which e-mail addresses have accounts.
let decoyHash: Promise<string> | undefined;

/** Whether `password` matches `passwordHash`; with no hash, spends the same time and says no. */
export async function verifyPassword(passwordHash: string | null | undefined, password: string): Promise<boolean> {
  if (!passwordHash) {
    decoyHash ??= hashPassword(randomBytes(16).toString('hex'));
    await verify(await decoyHash, password);
    return false;
  }
  return verify(passwordHash, password);
}

/** A random 256-bit token for a link or a challenge, base64url. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** SHA-256 (hex) of a high-entropy secret: what is stored instead of the secret. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** A recovery code: 80 random bits as 16 base32 letters in groups of four, `abcd-efgh-ijkl-mnop`. */
export function generateRecoveryCode(): string {
  const bytes = randomBytes(10);
  let bits = 0;
  let value = 0;
  let letters = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      letters += BASE32.charAt((value >>> (bits - 5)) & 31);
      bits -= 5;
    }
  }
  return letters.match(/.{4}/g)?.join('-') ?? letters;
}

/** A recovery code as typed (any case, spaces or dashes) reduced to the form that is hashed. */
export function normaliseRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}
