/** Stable codes of the identity provider administration API's errors. */
export type SsoErrorCode =
  'SSO_FORBIDDEN' | 'SSO_PROVIDER_NOT_FOUND' | 'SSO_INVALID_PROVIDER' | 'SSO_SECRET_UNREADABLE';

const STATUS: Readonly<Record<SsoErrorCode, number>> = {
  SSO_FORBIDDEN: 403,
  SSO_PROVIDER_NOT_FOUND: 404,
  SSO_INVALID_PROVIDER: 400,
  // The stored client secret was sealed with another key than the configured one.
  SSO_SECRET_UNREADABLE: 500,
};

/** Every code with its HTTP status, for the documentation. */
export const SSO_ERROR_STATUS: Readonly<Record<SsoErrorCode, number>> = STATUS;

/** An identity provider request that cannot be answered, rendered as `application/problem+json`. */
export class SsoError extends Error {
  override readonly name = 'SsoError';
  readonly statusCode: number;
  readonly code: SsoErrorCode;

  constructor(code: SsoErrorCode, message: string) {
    super(message);
    this.code = code;
    this.statusCode = STATUS[code];
  }
}
