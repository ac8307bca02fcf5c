/** The audit module's error codes. */
export type AuditErrorCode =
  | 'AUDIT_INVALID_PURPOSE'
  | 'AUDIT_FORBIDDEN'
  | 'AUDIT_NOT_FOUND'
  | 'AUDIT_INVALID_PARAMETER'
  | 'AUDIT_SIGNING_KEY_INVALID';

/**
 * An error with a stable code and an HTTP status; both error handlers render it (problem+json on
 * `/api/audit`, an OperationOutcome on FHIR routes). Messages carry ids, never PHI.
 */
export class AuditError extends Error {
  override readonly name = 'AuditError';
  readonly statusCode: number;
  readonly code: AuditErrorCode;

  constructor(statusCode: number, code: AuditErrorCode, message: string) {
    super(message);
    this.statusCode = statusCode;
    this.code = code;
  }
}
