import type { FastifyServerOptions } from 'fastify';
import type { DestinationStream } from 'pino';

/**
 * Log paths that may hold credentials or PHI. Request bodies and query strings are never logged:
 * FHIR searches carry names and birth dates in the query, so only the path is. A PostgreSQL error's
 * `detail` can quote the row it rejected ("Failing row contains (…)"), so it is dropped too.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'err.detail',
  '*.password',
  '*.token',
  // Sign-in secrets: MFA challenge tokens, authenticator seeds, recovery codes.
  '*.challengeToken',
  '*.secret',
  '*.recoveryCodes',
];

/** A request as the log shows it: id, method and path, never the query string, headers or body. */
export function serializeRequest(request: { method?: string; url?: string; id?: string }) {
  return { id: request.id, method: request.method, path: request.url?.split('?')[0] };
}

/** Fastify logger options: JSON lines, redaction, request serializers that drop query strings. */
export function loggerOptions(level: string, stream?: DestinationStream): FastifyServerOptions['logger'] {
  return {
    level,
    ...(stream ? { stream } : {}),
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      req: serializeRequest,
      res: (reply: { statusCode: number }) => ({ statusCode: reply.statusCode }),
    },
  };
}
