import type { OperationOutcome, OperationOutcomeIssue } from './types.ts';

/** The HTTP statuses CareGraph answers with an OperationOutcome. */
export type OutcomeStatus = 200 | 201 | 400 | 401 | 403 | 404 | 405 | 409 | 410 | 412 | 413 | 415 | 422 | 500 | 503;

const statusByOutcome = new WeakMap<OperationOutcome, OutcomeStatus>();

/**
 * Builds an OperationOutcome and remembers the HTTP status that goes with it.
 * @param status - HTTP status of the response carrying the outcome
 * @param issues - the issues; each should carry a FHIRPath `expression` when it is about an element
 */
export function outcome(status: OutcomeStatus, issues: OperationOutcomeIssue[]): OperationOutcome {
  const result: OperationOutcome = { resourceType: 'OperationOutcome', issue: issues };
  statusByOutcome.set(result, status);
  return result;
}

function single(status: OutcomeStatus, code: OperationOutcomeIssue['code'], text: string, expression?: string[]) {
  const issue: OperationOutcomeIssue = {
    severity: status < 400 ? 'information' : 'error',
    code,
    details: { text },
  };
  if (expression) {
    issue.expression = expression;
  }
  return outcome(status, [issue]);
}

/** 200: all went well. */
export const allOk = (text = 'All OK'): OperationOutcome => single(200, 'informational', text);
/** 201: created. */
export const created = (text = 'Created'): OperationOutcome => single(201, 'informational', text);
/** 404: the resource or route does not exist. */
export const notFound = (text = 'Not found'): OperationOutcome => single(404, 'not-found', text);
/** 410: the resource existed and was deleted. */
export const gone = (text = 'Deleted'): OperationOutcome => single(410, 'deleted', text);
/** 401: no or invalid credentials. */
export const unauthorized = (text = 'Unauthorized'): OperationOutcome => single(401, 'login', text);
/** 403: credentials valid but not allowed. */
export const forbidden = (text = 'Forbidden'): OperationOutcome => single(403, 'forbidden', text);
/** 409: conflicts with the current state of the server. */
export const conflict = (text: string): OperationOutcome => single(409, 'conflict', text);
/** 412: a precondition (If-Match, conditional operation) failed. */
export const preconditionFailed = (text: string): OperationOutcome => single(412, 'conflict', text);
/** 405: the interaction is not allowed on this resource type. */
export const notAllowed = (text: string): OperationOutcome => single(405, 'not-supported', text);
/** 413: the request body exceeds the configured limit. */
export const tooLarge = (text: string): OperationOutcome => single(413, 'too-costly', text);
/** 415: the body is not FHIR JSON. */
export const unsupportedMediaType = (text: string): OperationOutcome => single(415, 'not-supported', text);
/** 500: unexpected failure; never carries internal details. */
export const serverError = (): OperationOutcome => single(500, 'exception', 'Internal server error');

/**
 * 400: the request itself is malformed.
 * @param text - what is wrong, without PHI
 * @param expression - FHIRPath expression(s) naming the offending element or parameter
 */
export function badRequest(text: string, expression?: string | string[]): OperationOutcome {
  return single(400, 'invalid', text, expression === undefined ? undefined : [expression].flat());
}

/**
 * 422 (or 400 when asked): the resource is well-formed JSON but not a valid FHIR resource.
 * @example throw new OutcomeError(invalidResource(issues))
 */
export function invalidResource(issues: OperationOutcomeIssue[], status: 400 | 422 = 400): OperationOutcome {
  return outcome(status, issues);
}

/** The HTTP status of an outcome: the one it was built with, else derived from its first issue. */
export function statusOf(value: OperationOutcome): OutcomeStatus {
  const remembered = statusByOutcome.get(value);
  if (remembered) {
    return remembered;
  }
  const code: string = value.issue?.[0]?.code ?? '';
  switch (code) {
    case 'not-found':
      return 404;
    case 'deleted':
      return 410;
    case 'forbidden':
      return 403;
    case 'login':
      return 401;
    case 'conflict':
      return 409;
    case 'informational':
      return 200;
    default:
      return value.issue?.some((i) => i.severity === 'error' || i.severity === 'fatal') ? 400 : 200;
  }
}

/** True when the outcome describes success (2xx). */
export function isOk(value: OperationOutcome): boolean {
  return statusOf(value) < 300;
}

/** An error that carries an OperationOutcome; thrown by FHIR logic, turned into a response in one place. */
export class OutcomeError extends Error {
  readonly outcome: OperationOutcome;
  constructor(value: OperationOutcome) {
    super(value.issue?.map((i) => i.details?.text ?? i.code).join('; ') ?? 'error');
    this.name = 'OutcomeError';
    this.outcome = value;
  }
}

/** Turns anything thrown into an OperationOutcome; unknown errors become a 500 without details. */
export function toOutcome(error: unknown): OperationOutcome {
  if (error instanceof OutcomeError) {
    return error.outcome;
  }
  return serverError();
}
