/** Stable codes of the OAuth administration API's errors. */
export type OAuthErrorCode = 'OAUTH_FORBIDDEN' | 'OAUTH_INVALID_CLIENT';

const STATUS: Readonly<Record<OAuthErrorCode, number>> = { OAUTH_FORBIDDEN: 403, OAUTH_INVALID_CLIENT: 400 };

/** An OAuth administration request that cannot be answered, rendered as `application/problem+json`. */
export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  readonly statusCode: number;
  readonly code: OAuthErrorCode;

  constructor(code: OAuthErrorCode, message: string) {
    super(message);
    this.code = code;
    this.statusCode = STATUS[code];
  }
}
