/** Error codes of the master patient index API, with their HTTP status. */
export const MPI_ERRORS = {
  /** No review task with that id in the tenant. */
  MPI_REVIEW_NOT_FOUND: 404,
  /** The review was already decided (or settled by a later change). */
  MPI_REVIEW_CLOSED: 409,
  /** No golden record with that id in the tenant. */
  MPI_PERSON_NOT_FOUND: 404,
  /** No stored model version with that number. */
  MPI_MODEL_NOT_FOUND: 404,
  /** Training needs at least two patients. */
  MPI_NOT_ENOUGH_RECORDS: 409,
  /** A merge asked for by a review decision was refused (a record already merged, or deleted). */
  MPI_MERGE_REFUSED: 409,
  /** A malformed paging cursor. */
  MPI_BAD_CURSOR: 400,
  /** The caller lacks the `admin` role that training, rollback and settings need. */
  MPI_FORBIDDEN: 403,
} as const;

export type MpiErrorCode = keyof typeof MPI_ERRORS;

/**
 * A master patient index request that cannot be answered, rendered as `application/problem+json`
 * by the app's error handler (which reads `statusCode`, `code` and the message). Messages name ids,
 * never demographics.
 */
export class MpiError extends Error {
  override readonly name = 'MpiError';
  readonly code: MpiErrorCode;
  readonly statusCode: number;

  constructor(code: MpiErrorCode, message: string) {
    super(message);
    this.code = code;
    this.statusCode = MPI_ERRORS[code];
  }
}
