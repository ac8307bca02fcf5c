import type { FastifyInstance } from 'fastify';
import { notFound } from '@caregraph/core/fhir';
import { fhirErrorHandler } from './error-handler.ts';
import { registerFhirRoutes } from './routes.ts';
import { initFhirDefinitions } from './validation/index.ts';
import { getSearchParams } from './search/definitions.ts';

export { handleFhirRequest } from './interactions/router.ts';
export type { FhirRepo, FhirRequest, FhirResponse } from './interactions/types.ts';
export { buildCapabilityStatement } from './capability-statement.ts';

/** Loads the R4 definitions up front so the first request does not pay for it. */
export function warmUpFhir(): void {
  initFhirDefinitions();
  getSearchParams('Patient');
}

/**
 * The FHIR R4 REST API, an encapsulated plugin: its content types, auth hook and OperationOutcome
 * error handler stay inside `/fhir/R4`.
 */
export async function fhirPlugin(app: FastifyInstance, options: { baseUrl: string; version: string }) {
  warmUpFhir();
  // Fastify parses text/plain by default; a FHIR body in any format but JSON is a 415 here.
  app.removeContentTypeParser('text/plain');
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser(['application/fhir+json', 'application/json-patch+json'], { parseAs: 'string' }, parseJson);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, new URLSearchParams(String(body)));
  });
  app.setErrorHandler(fhirErrorHandler);
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).type('application/fhir+json; charset=utf-8').send(notFound('No such FHIR endpoint')),
  );
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.public !== true) {
      await app.authenticate(request);
    }
  });
  await registerFhirRoutes(app, options);
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reachable without credentials. */
    public?: boolean;
  }
}
