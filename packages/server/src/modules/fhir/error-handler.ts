import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import {
  badRequest,
  OutcomeError,
  serverError,
  statusOf,
  tooLarge,
  unauthorized,
  unsupportedMediaType,
  type OperationOutcome,
} from '@caregraph/core/fhir';
import { UnauthorizedError } from '../../platform/request-context.ts';

/** Maps framework errors (body parsing, limits) to OperationOutcomes; anything unknown is a 500. */
function toFhirOutcome(error: FastifyError | Error): OperationOutcome {
  if (error instanceof OutcomeError) {
    return error.outcome;
  }
  if (error instanceof UnauthorizedError) {
    return unauthorized(error.message);
  }
  const code = (error as FastifyError).code;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return tooLarge('Request body exceeds the configured limit');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return unsupportedMediaType('Send FHIR JSON: Content-Type application/fhir+json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return badRequest('Request body is empty');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      // Fastify's message names application/json whatever the content type was; say only what is wrong.
      return badRequest('Malformed JSON: the request body is not valid JSON');
    default:
      break;
  }
  if (error instanceof SyntaxError || (error as FastifyError).statusCode === 400) {
    return badRequest(`Malformed request: ${error.message}`);
  }
  return serverError();
}

/** The FHIR module's error handler: every error becomes an OperationOutcome with the right status. */
export function fhirErrorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  const outcome = toFhirOutcome(error);
  const status = statusOf(outcome);
  if (status >= 500) {
    request.log.error({ err: error }, 'FHIR request failed');
  }
  return reply.code(status).type('application/fhir+json; charset=utf-8').send(outcome);
}
