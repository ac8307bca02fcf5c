import type { FastifyInstance } from 'fastify';
import { registerTerminologyRoutes } from './routes.ts';

export {
  checkInValueSet,
  expandValueSet,
  isTerminologyOperation,
  parseTextQuery,
  resolveValueSet,
  runTerminologyOperation,
  TERMINOLOGY_OPERATIONS,
  type CodingCheck,
  type ExpansionPage,
  type MatchKind,
  type TerminologyContext,
  type TerminologyOperationRequest,
  type TextQuery,
} from './operations/index.ts';
export { searchConcepts, type TypeaheadItem } from './typeahead/search-concepts.ts';

/**
 * The terminology API for the web app (`/api/terminology`): typeahead over the loaded code
 * systems. Authenticated like the FHIR API; errors are `application/problem+json`. The FHIR
 * terminology operations themselves are answered by the FHIR router.
 */
export async function terminologyPlugin(app: FastifyInstance, options: { baseUrl: string }) {
  app.addHook('onRequest', async (request) => {
    await app.authenticate(request);
  });
  registerTerminologyRoutes(app, options);
}
