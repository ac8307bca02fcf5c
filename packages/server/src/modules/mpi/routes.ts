import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { MpiSettings, ReviewDecision, ReviewStatusFilter } from '@caregraph/core/domain';
import type { RequestContext } from '../../platform/request-context.ts';
import { MpiError } from './errors.ts';
import { listModelVersions } from './model-store.ts';
import { readGoldenRecord } from './read-golden-record.ts';
import { decideReview, listReviews, readReviewDetail } from './reviews.ts';
import {
  decisionBody,
  goldenRecord,
  idParams,
  modelList,
  modelVersion,
  reviewDetail,
  reviewPage,
  reviewSummary,
  reviewsQuery,
  settings,
  settingsBody,
  trainBody,
  versionParams,
} from './schemas.ts';
import { readSettings, writeSettings } from './settings.ts';
import { activateModel, trainTenantModel } from './train-model.ts';

type IdParams = { id: string };

function contextOf(request: FastifyRequest): RequestContext {
  if (!request.context) {
    throw new Error('mpi routes run after authentication');
  }
  return request.context;
}

/** Training, rollback and settings change how every patient is matched, so only administrators may. */
function requireAdmin(request: FastifyRequest): RequestContext {
  const context = contextOf(request);
  if (!context.roles.includes('admin')) {
    throw new MpiError('MPI_FORBIDDEN', 'This needs the admin role');
  }
  return context;
}

/** The master patient index route table, mounted under `/api/mpi`. */
export function registerMpiRoutes(app: FastifyInstance, options: { baseUrl: string }): void {
  app.get<{ Querystring: { status: ReviewStatusFilter; _count: number; cursor?: string } }>(
    '/reviews',
    { schema: { querystring: reviewsQuery, response: { 200: reviewPage } } },
    async (request) => {
      const { status, _count: count, cursor } = request.query;
      return listReviews(app.db, { tenantId: contextOf(request).tenantId, status, count, cursor });
    },
  );

  app.get<{ Params: IdParams }>(
    '/reviews/:id',
    { schema: { params: idParams, response: { 200: reviewDetail } } },
    async (request) => readReviewDetail(app.db, { tenantId: contextOf(request).tenantId, id: request.params.id }),
  );

  app.post<{ Params: IdParams; Body: ReviewDecision }>(
    '/reviews/:id/decision',
    { schema: { params: idParams, body: decisionBody, response: { 200: reviewSummary } } },
    async (request) => {
      const { tenantId, actor } = contextOf(request);
      return app.db.transaction((tx) =>
        decideReview(
          { db: app.db, tx, tenantId, baseUrl: `${options.baseUrl}/fhir/R4`, now: () => new Date() },
          { id: request.params.id, decision: request.body, actor: actor.label },
        ),
      );
    },
  );

  app.get<{ Params: IdParams }>(
    '/persons/:id',
    { schema: { params: idParams, response: { 200: goldenRecord } } },
    async (request) => readGoldenRecord(app.db, { tenantId: contextOf(request).tenantId, personId: request.params.id }),
  );

  app.get('/models', { schema: { response: { 200: modelList } } }, async (request) => ({
    models: await listModelVersions(app.db, contextOf(request).tenantId),
  }));

  app.post<{ Body: { seed?: number } | null }>(
    '/train',
    { schema: { body: trainBody, response: { 200: modelVersion } } },
    async (request) => {
      const { tenantId } = requireAdmin(request);
      const seed = request.body?.seed;
      return trainTenantModel(app.db, { tenantId, ...(seed === undefined ? {} : { seed }) });
    },
  );

  app.post<{ Params: { version: number } }>(
    '/models/:version/activate',
    { schema: { params: versionParams, response: { 200: modelVersion } } },
    async (request) =>
      activateModel(app.db, { tenantId: requireAdmin(request).tenantId, version: request.params.version }),
  );

  app.get('/settings', { schema: { response: { 200: settings } } }, async (request) =>
    readSettings(app.db, contextOf(request).tenantId),
  );

  app.put<{ Body: MpiSettings }>(
    '/settings',
    { schema: { body: settingsBody, response: { 200: settings } } },
    async (request) => writeSettings(app.db, requireAdmin(request).tenantId, request.body),
  );
}
