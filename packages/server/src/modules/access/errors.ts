// Errors of the access module's JSON API, rendered as problem+json by the app's error handler.

export type AccessErrorCode = 'ACCESS_FORBIDDEN' | 'ACCESS_INVALID_POLICY';

const STATUS: Record<AccessErrorCode, number> = { ACCESS_FORBIDDEN: 403, ACCESS_INVALID_POLICY: 400 };

/** A refused or invalid access-policy request. Messages name roles and rows, never PHI. */
export class AccessError extends Error {
  override readonly name = 'AccessError';
  readonly statusCode: number;
  readonly code: AccessErrorCode;
  constructor(code: AccessErrorCode, message: string) {
    super(message);
    this.code = code;
    this.statusCode = STATUS[code];
  }
}
