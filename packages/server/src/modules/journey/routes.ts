import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OutcomeError, statusOf } from '@caregraph/core/fhir';
import { handleFhirRequest, type FhirRepo } from '../fhir/index.ts';
import { badParameter, JourneyError } from './journey-error.ts';
import { findCohortPatterns, DEFAULT_STEP_TYPES, resolveCohort, type CohortSource } from './queries/cohort-patterns.ts';
import { readCarePathway } from './queries/care-pathway.ts';
import type { FhirFetch } from './queries/fhir-fetch.ts';
import { findJourneyPaths, readNeighbourhood, type PathMode } from './queries/find-paths.ts';
import {
  parseAnyReference,
  parseCodes,
  parseJourneyFilter,
  splitList,
  type JourneyFilterParameters,
} from './queries/journey-filter.ts';
import type { JourneyScope } from './queries/journey-nodes.ts';
import { readJourney } from './queries/read-journey.ts';
import { readTimeline, type TimelineGrouping } from './queries/timeline.ts';
import {
  carePathwayResponse,
  cohortQuery,
  cohortResponse,
  journeyQuery,
  journeyResponse,
  MAX_NEIGHBOURHOOD_NODES,
  neighbourhoodQuery,
  neighbourhoodResponse,
  pathsQuery,
  pathsResponse,
  patientParams,
  timelineQuery,
  timelineResponse,
} from './schemas.ts';

type PatientParams = { id: string };
type PageQuery = JourneyFilterParameters & { _count: number; _cursor?: string };
type PathsQuery = { from: string; to: string; mode: PathMode; maxDepth: number; maxPaths: number; relations?: string };
type NeighbourhoodQuery = { ref: string; hops: number; relations?: string };
type CohortQuery = { from: string; to: string; group?: string; patients?: string; types?: string; limit: number };

const FILTERS = ['start', 'end', 'type', 'code', 'encounter', 'provider', '_count', '_cursor'];
const RELATION = /^[a-z][a-z-]{0,39}$/;
const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;

/**
 * Unknown query parameters are refused rather than dropped, so a misspelt `tpye=` cannot silently
 * widen the answer.
 */
function requireKnownParameters(request: FastifyRequest, known: readonly string[]): void {
  const question = request.url.indexOf('?');
  const names = question < 0 ? [] : [...new URLSearchParams(request.url.slice(question + 1)).keys()];
  const unknown = names.find((name) => !known.includes(name));
  if (unknown !== undefined) {
    throw new JourneyError(400, 'JOURNEY_UNKNOWN_PARAMETER', `Unknown parameter "${unknown}"`);
  }
}

/**
 * The journey as the caller may see it: without what the patient's Consents hide from them (the
 * access module decides, as for FHIR reads). A patient hidden whole has no journey for them.
 */
async function scopeOf(
  app: FastifyInstance,
  request: FastifyRequest<{ Params: PatientParams }>,
): Promise<JourneyScope> {
  const patientId = request.params.id;
  const hidden = await app.access.hiddenByConsent(request, [patientId]);
  if (hidden.has(`Patient/${patientId}`)) {
    throw new JourneyError(404, 'JOURNEY_PATIENT_NOT_FOUND', `Patient/${patientId} has no journey here`);
  }
  return { tenantId: request.context?.tenantId ?? '', patientId, hidden };
}

function parseRelations(value: string | undefined): string[] | undefined {
  if (value === undefined) {
    return undefined;
  }
  const relations = splitList(value, 'relations');
  if (relations.some((relation) => !RELATION.test(relation))) {
    throw badParameter('relations', 'expected relation names such as treats,during,next');
  }
  return relations;
}

/** The FHIR API of the requesting tenant, for what the journey reads beyond its projection. */
function fhirFetchFor(app: FastifyInstance, request: FastifyRequest, baseUrl: string): FhirFetch {
  const repo: FhirRepo = {
    db: app.db,
    tenantId: request.context?.tenantId ?? '',
    baseUrl: `${baseUrl}/fhir/R4`,
    now: () => new Date(),
    // The FHIR reads a journey view makes are the requester's, in the audit trail as well.
    ...(request.context ? { audit: app.audit.contextOf(request) } : {}),
  };
  // FHIR logic throws its errors as outcomes; here they are answers like the HTTP API's.
  return (fhirRequest) =>
    handleFhirRequest(repo, fhirRequest).catch((error: unknown) => {
      if (error instanceof OutcomeError) {
        return { status: statusOf(error.outcome), body: error.outcome };
      }
      throw error;
    });
}

function cohortSourceOf(query: CohortQuery): CohortSource {
  if (query.group !== undefined && query.patients !== undefined) {
    throw badParameter('patients', 'give either group or patients, not both');
  }
  if (query.group !== undefined) {
    if (!/^(Group\/)?[A-Za-z0-9\-.]{1,64}$/.test(query.group)) {
      throw badParameter('group', 'expected Group/id');
    }
    return { group: query.group };
  }
  return query.patients === undefined ? { everyone: true } : { patientSearch: query.patients };
}

/** The journey route table, mounted under `/api`. */
export function registerJourneyRoutes(app: FastifyInstance, options: { baseUrl: string }): void {
  app.get<{ Params: PatientParams; Querystring: PageQuery }>(
    '/patients/:id/journey',
    { schema: { params: patientParams, querystring: journeyQuery, response: { 200: journeyResponse } } },
    async (request) => {
      requireKnownParameters(request, FILTERS);
      const { _count: count, _cursor: cursor, ...filters } = request.query;
      const filter = parseJourneyFilter(filters);
      return readJourney(app.db, {
        ...(await scopeOf(app, request)),
        filter,
        count,
        ...(cursor === undefined ? {} : { cursor }),
      });
    },
  );

  app.get<{ Params: PatientParams; Querystring: PageQuery & { groupBy: TimelineGrouping } }>(
    '/patients/:id/journey/timeline',
    { schema: { params: patientParams, querystring: timelineQuery, response: { 200: timelineResponse } } },
    async (request) => {
      requireKnownParameters(request, [...FILTERS, 'groupBy']);
      const { _count: count, _cursor: cursor, groupBy, ...filters } = request.query;
      const filter = parseJourneyFilter(filters);
      return readTimeline(app.db, {
        ...(await scopeOf(app, request)),
        filter,
        count,
        groupBy,
        ...(cursor === undefined ? {} : { cursor }),
      });
    },
  );

  app.get<{ Params: PatientParams; Querystring: PathsQuery }>(
    '/patients/:id/journey/paths',
    { schema: { params: patientParams, querystring: pathsQuery, response: { 200: pathsResponse } } },
    async (request) => {
      requireKnownParameters(request, ['from', 'to', 'mode', 'maxDepth', 'maxPaths', 'relations']);
      const { mode, maxDepth, maxPaths } = request.query;
      const relations = parseRelations(request.query.relations);
      return findJourneyPaths(app.db, {
        ...(await scopeOf(app, request)),
        from: parseAnyReference(request.query.from, 'from'),
        to: parseAnyReference(request.query.to, 'to'),
        mode,
        maxDepth,
        maxPaths,
        ...(relations ? { relations } : {}),
      });
    },
  );

  app.get<{ Params: PatientParams; Querystring: NeighbourhoodQuery }>(
    '/patients/:id/journey/neighbourhood',
    { schema: { params: patientParams, querystring: neighbourhoodQuery, response: { 200: neighbourhoodResponse } } },
    async (request) => {
      requireKnownParameters(request, ['ref', 'hops', 'relations']);
      const relations = parseRelations(request.query.relations);
      return readNeighbourhood(app.db, {
        ...(await scopeOf(app, request)),
        ref: parseAnyReference(request.query.ref, 'ref'),
        hops: request.query.hops,
        maxNodes: MAX_NEIGHBOURHOOD_NODES,
        ...(relations ? { relations } : {}),
      });
    },
  );

  app.get<{ Params: PatientParams }>(
    '/patients/:id/journey/care-pathway',
    { schema: { params: patientParams, response: { 200: carePathwayResponse } } },
    async (request) => {
      requireKnownParameters(request, []);
      return readCarePathway(app.db, fhirFetchFor(app, request, options.baseUrl), await scopeOf(app, request));
    },
  );

  app.get<{ Querystring: CohortQuery }>(
    '/journey/cohort-patterns',
    { schema: { querystring: cohortQuery, response: { 200: cohortResponse } } },
    async (request) => {
      requireKnownParameters(request, ['from', 'to', 'group', 'patients', 'types', 'limit']);
      const from = parseCodes(request.query.from, 'from');
      const to = parseCodes(request.query.to, 'to');
      const stepTypes =
        request.query.types === undefined ? DEFAULT_STEP_TYPES : splitList(request.query.types, 'types');
      if (stepTypes.some((type) => !RESOURCE_TYPE.test(type))) {
        throw badParameter('types', 'expected resource type names such as Condition,Procedure');
      }
      const fetch = fhirFetchFor(app, request, options.baseUrl);
      const cohort = await resolveCohort(fetch, cohortSourceOf(request.query));
      return findCohortPatterns(app.db, cohort, {
        tenantId: request.context?.tenantId ?? '',
        hidden: await app.access.hiddenByConsent(request, cohort ?? undefined),
        from,
        to,
        stepTypes,
        limit: request.query.limit,
      });
    },
  );
}
