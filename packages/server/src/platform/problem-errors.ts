import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { UnauthorizedError } from './request-context.ts';

/** RFC 9457 problem details, with our stable `code`. */
export type Problem = { type: string; title: string; status: number; detail?: string; code: string };

/** The error handler for non-FHIR routes: `application/problem+json`, never a stack trace. */
export function problemErrorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  const fastifyError = error as FastifyError;
  const status = error instanceof UnauthorizedError ? 401 : (fastifyError.statusCode ?? 500);
  const problem: Problem = {
    type: 'about:blank',
    title: status >= 500 ? 'Internal Server Error' : error.message,
    status,
    code: error instanceof UnauthorizedError ? error.code : (fastifyError.code ?? 'INTERNAL'),
  };
  if (status >= 500) {
    request.log.error({ err: error }, 'request failed');
  }
  return reply.code(status).type('application/problem+json').send(problem);
}

/** 404 for routes outside the modules, as `application/problem+json`. */
export function problemNotFoundHandler(_request: FastifyRequest, reply: FastifyReply) {
  const problem: Problem = { type: 'about:blank', title: 'Not Found', status: 404, code: 'NOT_FOUND' };
  return reply.code(404).type('application/problem+json').send(problem);
}
