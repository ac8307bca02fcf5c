/** Stable codes of the journey API's errors. */
export type JourneyErrorCode =
  | 'JOURNEY_BAD_PARAMETER'
  | 'JOURNEY_UNKNOWN_PARAMETER'
  | 'JOURNEY_PATIENT_NOT_FOUND'
  | 'JOURNEY_NODE_NOT_FOUND'
  | 'JOURNEY_GROUP_NOT_FOUND';

/**
 * A journey request that cannot be answered, rendered as `application/problem+json` by the app's
 * error handler (which reads `statusCode`, `code` and the message). Messages name the parameter
 * and resource ids, never clinical content.
 */
export class JourneyError extends Error {
  override readonly name = 'JourneyError';
  readonly statusCode: 400 | 404;
  readonly code: JourneyErrorCode;

  constructor(statusCode: 400 | 404, code: JourneyErrorCode, message: string) {
    super(message);
    this.statusCode = statusCode;
    this.code = code;
  }
}

/** A 400 naming the parameter at fault. */
export function badParameter(name: string, problem: string): JourneyError {
  return new JourneyError(400, 'JOURNEY_BAD_PARAMETER', `Invalid ${name}: ${problem}`);
}
