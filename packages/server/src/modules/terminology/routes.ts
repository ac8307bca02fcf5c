import type { FastifyInstance } from 'fastify';
import { handleFhirRequest, type FhirRepo } from '../fhir/index.ts';
import type { TerminologyContext } from './operations/index.ts';
import { parseTextQuery } from './operations/index.ts';
import { searchConcepts } from './typeahead/search-concepts.ts';
import { TypeaheadError } from './typeahead/typeahead-error.ts';

/** The largest page of suggestions. */
const MAX_COUNT = 100;

const SEARCH_PARAMETERS = new Set(['q', 'system', 'valueSet', 'count']);

const searchQuerySchema = {
  type: 'object',
  properties: {
    q: { type: 'string', minLength: 2, maxLength: 200 },
    // Repeatable: Fastify's validator turns a single value into a one-item array.
    system: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 500 }, maxItems: 20 },
    valueSet: { type: 'string', minLength: 1, maxLength: 1000 },
    count: { type: 'integer', minimum: 1, maximum: MAX_COUNT, default: 20 },
  },
  required: ['q'],
} as const;

const searchResponseSchema = {
  type: 'object',
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          system: { type: 'string' },
          systemName: { type: 'string' },
          code: { type: 'string' },
          display: { type: 'string' },
          inactive: { type: 'boolean' },
          matchedOn: { type: 'string', enum: ['code', 'code-prefix', 'word-prefix', 'similar'] },
        },
        required: ['system', 'systemName', 'code', 'display', 'inactive', 'matchedOn'],
      },
    },
  },
  required: ['items'],
} as const;

type SearchQuery = { q: string; system?: string[]; valueSet?: string; count: number };

/**
 * Unknown query parameters are refused rather than dropped, so a misspelt `valueset=` cannot
 * silently widen the search.
 */
function requireKnownParameters(url: string): void {
  const question = url.indexOf('?');
  const names = question < 0 ? [] : [...new URLSearchParams(url.slice(question + 1)).keys()];
  const unknown = names.find((name) => !SEARCH_PARAMETERS.has(name));
  if (unknown !== undefined) {
    throw new TypeaheadError(400, 'TERM_UNKNOWN_PARAMETER', `Unknown parameter "${unknown}"`);
  }
}

/** The typeahead route table, mounted under `/api/terminology`. */
export function registerTerminologyRoutes(app: FastifyInstance, options: { baseUrl: string }): void {
  app.get<{ Querystring: SearchQuery }>(
    '/search',
    { schema: { querystring: searchQuerySchema, response: { 200: searchResponseSchema } } },
    async (request) => {
      requireKnownParameters(request.url);
      const query = request.query.q.trim().length >= 2 ? parseTextQuery(request.query.q) : undefined;
      if (!query) {
        throw new TypeaheadError(400, 'TERM_BAD_QUERY', 'q needs at least 2 characters besides spaces');
      }
      const tenantId = request.context?.tenantId ?? '';
      const repo: FhirRepo = { db: app.db, tenantId, baseUrl: `${options.baseUrl}/fhir/R4`, now: () => new Date() };
      const ctx: TerminologyContext = { db: app.db, fetch: (fhirRequest) => handleFhirRequest(repo, fhirRequest) };
      const { system, valueSet, count } = request.query;
      const items = await searchConcepts(ctx, {
        query,
        count,
        ...(system ? { systems: system } : {}),
        ...(valueSet === undefined ? {} : { valueSet }),
      });
      return { items };
    },
  );
}
