import { generateSecret, generateURI, verify } from 'otplib';

/** RFC 6238 defaults every authenticator app understands: SHA-1, 6 digits, 30-second steps. */
export const TOTP_PERIOD_SECONDS = 30;

/** A fresh 160-bit seed, base32 (RFC 4226 §4 recommends 160 bits). */
export function generateTotpSecret(): string {
  return generateSecret({ length: 20 });
}

/** The `otpauth://` URI an authenticator app scans as a QR code. */
export function totpUri(options: { secret: string; issuer: string; account: string }): string {
  return generateURI({ issuer: options.issuer, label: options.account, secret: options.secret });
}

export type TotpCheck = { valid: true; timeStep: number } | { valid: false };

/**
 * Checks a code against the steps before, at and after `now` (RFC 6238 §5.2 allows one step of
 * drift either way). A code of a step at or before `lastTimeStep` was already used, or is older
 * than one that was, and is refused: the same code never signs in twice.
 */
export async function checkTotpCode(options: {
  secret: string;
  code: string;
  now: Date;
  lastTimeStep: number | undefined;
}): Promise<TotpCheck> {
  if (!/^\d{6}$/.test(options.code)) {
    return { valid: false };
  }
  const epoch = Math.floor(options.now.getTime() / 1000);
  const newestStep = Math.floor((epoch + TOTP_PERIOD_SECONDS) / TOTP_PERIOD_SECONDS);
  // otplib throws when the floor lies beyond the window; then no step in it can be accepted anyway.
  if (options.lastTimeStep !== undefined && options.lastTimeStep >= newestStep) {
    return { valid: false };
  }
  const result = await verify({
    secret: options.secret,
    token: options.code,
    epoch,
    epochTolerance: TOTP_PERIOD_SECONDS,
    ...(options.lastTimeStep === undefined ? {} : { afterTimeStep: options.lastTimeStep }),
  });
  // The result type also covers HOTP, which has no time step; a TOTP match always has one.
  return result.valid && 'timeStep' in result ? { valid: true, timeStep: result.timeStep } : { valid: false };
}
