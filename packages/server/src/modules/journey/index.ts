import type { FastifyInstance } from 'fastify';
import { recordApiRead } from '../audit/index.ts';
import { createJourneyHub } from './live/journey-hub.ts';
import { registerLiveRoute } from './live/watch-journey.ts';
import { registerJourneyRoutes } from './routes.ts';

export { JourneyError, type JourneyErrorCode } from './journey-error.ts';
export {
  deriveContribution,
  deriveLinks,
  findReferences,
  isJourneyResourceType,
  parseRelativeReference,
  relationOf,
  TENANT_LOCK_KEY,
  writeJourney,
  type FoundReference,
  type JourneyContribution,
  type JourneyLink,
  type JourneyNode as ProjectedJourneyNode,
  type JourneyWrite,
  type Relation,
} from './projection/index.ts';
export { rebuildJourney, type RebuildJourneyOptions, type RebuildProgress, type RebuildReport } from './rebuild.ts';
export {
  createJourneyHub,
  JOURNEY_CHANNEL,
  parseJourneyNotification,
  type JourneyHub,
  type JourneyLiveMessage,
  type JourneyNotification,
} from './live/journey-hub.ts';
export {
  DEFAULT_STEP_TYPES,
  findCohortPatterns,
  resolveCohort,
  type CohortPattern,
  type CohortPatternOptions,
  type CohortPatterns,
  type CohortSource,
  type PathwayStep,
} from './queries/cohort-patterns.ts';
export { readCarePathway, type CarePathway, type CareProvider, type Referral } from './queries/care-pathway.ts';
export type { FhirFetch } from './queries/fhir-fetch.ts';
export {
  findJourneyPaths,
  readNeighbourhood,
  type Neighbourhood,
  type NeighbourhoodOptions,
  type PathAnswer,
  type PathMode,
  type PathsOptions,
} from './queries/find-paths.ts';
export {
  buildJourneyGraph,
  findAllSimplePaths,
  findNeighbourhood,
  findShortestPath,
  type JourneyEdge,
  type JourneyGraph,
  type JourneyPath,
} from './queries/graph.ts';
export { parseJourneyFilter, type JourneyFilter, type JourneyFilterParameters } from './queries/journey-filter.ts';
export type { JourneyNode, JourneyScope } from './queries/journey-nodes.ts';
export { readJourney, type JourneyPage, type JourneyPageOptions } from './queries/read-journey.ts';
export {
  groupTimeline,
  readTimeline,
  type Timeline,
  type TimelineGroup,
  type TimelineGrouping,
} from './queries/timeline.ts';

/**
 * The patient journey API (`/api`): journeys, timelines, paths, neighbourhoods, care pathways and
 * cohort patterns read from the journey projection, and a WebSocket of live changes. Authenticated
 * like the FHIR API; errors are `application/problem+json`.
 */
export async function journeyPlugin(app: FastifyInstance, options: { baseUrl: string }) {
  app.addHook('onRequest', async (request) => {
    // A browser's WebSocket cannot carry the header: that route then authenticates by its first message.
    if (request.routeOptions.config?.authenticatesByMessage === true && request.headers.authorization === undefined) {
      return;
    }
    await app.authenticate(request);
  });
  // Every journey answer is a read of a patient's record: recorded before it is sent, so a failure
  // to record fails the request.
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.context && request.method === 'GET' && reply.statusCode < 400) {
      const patientId = (request.params as { id?: string } | undefined)?.id;
      const group = (request.query as { group?: string } | undefined)?.group;
      await recordApiRead(app.db, {
        tenantId: request.context.tenantId,
        context: app.audit.contextOf(request),
        route: request.routeOptions.url ?? 'journey',
        ...(patientId === undefined ? {} : { patientId }),
        ...(group === undefined ? {} : { entities: [group.startsWith('Group/') ? group : `Group/${group}`] }),
      });
    }
    return payload;
  });
  const hub = createJourneyHub(app.db, (error) => app.log.error({ err: error }, 'journey live update failed'));
  app.addHook('onClose', () => hub.close());
  registerJourneyRoutes(app, options);
  registerLiveRoute(app, hub);
}
