/** Stable codes of the typeahead endpoint's errors. */
export type TypeaheadErrorCode =
  'TERM_BAD_QUERY' | 'TERM_UNKNOWN_PARAMETER' | 'TERM_UNKNOWN_SYSTEM' | 'TERM_UNKNOWN_VALUE_SET' | 'TERM_BAD_VALUE_SET';

/**
 * A request the typeahead cannot answer, rendered as `application/problem+json` by the app's error
 * handler (which reads `statusCode`, `code` and the message). Messages name parameters, code
 * systems and value sets, never what was typed.
 */
export class TypeaheadError extends Error {
  override readonly name = 'TypeaheadError';
  readonly statusCode: 400 | 404;
  readonly code: TypeaheadErrorCode;

  constructor(statusCode: 400 | 404, code: TypeaheadErrorCode, message: string) {
    super(message);
    this.statusCode = statusCode;
    this.code = code;
  }
}
