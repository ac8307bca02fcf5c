import { COMMON_BASE_WORDS, COMMON_LONG_PASSWORDS } from './common-passwords.ts';
import { IdentityError } from './identity-error.ts';

export const MIN_PASSWORD_LENGTH = 12;
/** argon2 hashes any length, but a megabyte password is a denial of service, not a secret. */
export const MAX_PASSWORD_LENGTH = 256;

/** Why a password is refused, or undefined when it is acceptable (NIST SP 800-63B §5.1.1.2). */
export function findPasswordProblem(password: string, email: string): string | undefined {
  // Characters, not UTF-16 units: an accented letter or a CJK character counts once.
  const length = Array.from(password).length;
  if (length < MIN_PASSWORD_LENGTH) {
    return `Password must be at least ${MIN_PASSWORD_LENGTH} characters`;
  }
  if (length > MAX_PASSWORD_LENGTH) {
    return `Password must be at most ${MAX_PASSWORD_LENGTH} characters`;
  }
  const lower = password.toLowerCase();
  const address = email.toLowerCase();
  if (lower === address || lower === address.split('@')[0]) {
    return 'Password must not be the e-mail address';
  }
  if (isCommon(lower)) {
    return 'Password is too common';
  }
  return undefined;
}

/** Throws ID_WEAK_PASSWORD naming the rule a password breaks. */
export function assertAcceptablePassword(password: string, email: string): void {
  const problem = findPasswordProblem(password, email);
  if (problem !== undefined) {
    throw new IdentityError('ID_WEAK_PASSWORD', problem);
  }
}

function isCommon(lower: string): boolean {
  if (COMMON_LONG_PASSWORDS.has(lower) || new Set(lower).size <= 2) {
    return true;
  }
  // "Password2024!" and "!!welcome123": a common word padded with digits and symbols.
  const word = lower.replace(/^[^a-z]+|[^a-z]+$/g, '');
  if (COMMON_BASE_WORDS.has(word)) {
    return true;
  }
  // "adminadminadmin": one short unit repeated.
  return /^(.{1,6})\1+$/.test(lower);
}
