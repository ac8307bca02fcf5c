/** Stable codes of the identity API's errors. */
export type IdentityErrorCode =
  | 'ID_INVALID_CREDENTIALS'
  | 'ID_ACCOUNT_LOCKED'
  | 'ID_ACCOUNT_DISABLED'
  | 'ID_THROTTLED'
  | 'ID_INVALID_CHALLENGE'
  | 'ID_INVALID_CODE'
  | 'ID_PASSKEY_REJECTED'
  | 'ID_METHOD_NOT_ENROLLED'
  | 'ID_ALREADY_ENROLLED'
  | 'ID_WEAK_PASSWORD'
  | 'ID_INVALID_TOKEN'
  | 'ID_EMAIL_TAKEN'
  | 'ID_USER_NOT_FOUND'
  | 'ID_FORBIDDEN';

const STATUS: Record<IdentityErrorCode, number> = {
  ID_INVALID_CREDENTIALS: 401,
  // 423 only ever answers a correct password, so it tells nothing to someone guessing.
  ID_ACCOUNT_LOCKED: 423,
  ID_ACCOUNT_DISABLED: 403,
  ID_THROTTLED: 429,
  ID_INVALID_CHALLENGE: 401,
  ID_INVALID_CODE: 401,
  ID_PASSKEY_REJECTED: 401,
  ID_METHOD_NOT_ENROLLED: 400,
  ID_ALREADY_ENROLLED: 409,
  ID_WEAK_PASSWORD: 400,
  ID_INVALID_TOKEN: 400,
  ID_EMAIL_TAKEN: 409,
  ID_USER_NOT_FOUND: 404,
  ID_FORBIDDEN: 403,
};

/** Every code with its HTTP status, for the documentation test and the README table. */
export const IDENTITY_ERROR_STATUS: Readonly<Record<IdentityErrorCode, number>> = STATUS;

/**
 * A sign-in or account request that cannot be answered, rendered as `application/problem+json`.
 * Messages are safe to show: they never say whether an e-mail address has an account, and never
 * carry a password, token or code.
 */
export class IdentityError extends Error {
  override readonly name = 'IdentityError';
  readonly statusCode: number;
  readonly code: IdentityErrorCode;
  /** Seconds until trying again makes sense (429 and 423), sent as `Retry-After`. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: IdentityErrorCode, message: string, retryAfterSeconds?: number) {
    super(message);
    this.code = code;
    this.statusCode = STATUS[code];
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The one answer to a wrong e-mail, a wrong password, or an account that cannot sign in with one. */
export function invalidCredentials(): IdentityError {
  return new IdentityError('ID_INVALID_CREDENTIALS', 'Invalid e-mail or password');
}
