import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { problemErrorHandler, type Problem } from '../../../platform/problem-errors.ts';

/** Error codes of the bindings API, with their HTTP status. */
export const BINDING_ERRORS = {
  /** The body names an unknown resource type, a path that is not a coded element, or a value set that does not resolve. */
  TERM_BINDING_INVALID: 400,
  /** DELETE of a binding the tenant does not have. */
  TERM_BINDING_NOT_FOUND: 404,
  /** The caller lacks the `admin` role that changing bindings needs. */
  AUTH_FORBIDDEN: 403,
} as const;

export type BindingErrorCode = keyof typeof BINDING_ERRORS;

/** A refused bindings request; `problems` name each offending field (`bindings[2].path: …`). */
export class BindingRequestError extends Error {
  override readonly name = 'BindingRequestError';
  readonly code: BindingErrorCode;
  readonly statusCode: number;
  readonly problems: string[];

  constructor(code: BindingErrorCode, message: string, problems: string[] = []) {
    super(message);
    this.code = code;
    this.statusCode = BINDING_ERRORS[code];
    this.problems = problems;
  }
}

/** `application/problem+json` (RFC 9457) with every problem listed, as `detail` and as an `errors` extension member. */
export function bindingsErrorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  if (!(error instanceof BindingRequestError)) {
    return problemErrorHandler(error, request, reply);
  }
  const problem: Problem & { errors?: string[] } = {
    type: 'about:blank',
    title: error.message,
    status: error.statusCode,
    code: error.code,
  };
  if (error.problems.length > 0) {
    problem.detail = error.problems.join('; ');
    problem.errors = error.problems;
  }
  return reply.code(error.statusCode).type('application/problem+json').send(problem);
}
