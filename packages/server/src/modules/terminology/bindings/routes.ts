import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RequestContext } from '../../../platform/request-context.ts';
import { listBindings, type TerminologyBinding } from './binding-store.ts';
import { configureBindings, removeBinding } from './configure-bindings.ts';
import { bindingsErrorHandler, BindingRequestError } from './errors.ts';

const Binding = {
  type: 'object',
  required: ['resourceType', 'path', 'valueSet'],
  additionalProperties: false,
  properties: {
    resourceType: { type: 'string', minLength: 1, maxLength: 64 },
    path: { type: 'string', minLength: 1, maxLength: 256 },
    valueSet: { type: 'string', minLength: 1, maxLength: 2048 },
  },
} as const;

const BindingList = {
  type: 'object',
  required: ['bindings'],
  additionalProperties: false,
  properties: { bindings: { type: 'array', maxItems: 1000, items: Binding } },
} as const;

const BindingParams = {
  type: 'object',
  required: ['resourceType', 'path'],
  properties: { resourceType: { type: 'string' }, path: { type: 'string' } },
} as const;

type BindingList = { bindings: TerminologyBinding[] };

function contextOf(request: FastifyRequest): RequestContext {
  if (!request.context) {
    throw new Error('bindings routes run after authentication');
  }
  return request.context;
}

/** Bindings decide which clinical data a tenant accepts, so only its administrators change them. */
function requireAdmin(request: FastifyRequest): RequestContext {
  const context = contextOf(request);
  if (!context.roles.includes('admin')) {
    throw new BindingRequestError('AUTH_FORBIDDEN', 'Changing terminology bindings needs the admin role');
  }
  return context;
}

/**
 * The tenant's required terminology bindings: `GET /bindings` lists them, `PUT /bindings`
 * replaces them all, `DELETE /bindings/{resourceType}/{path}` removes one. Register under
 * `/api/terminology`. Every route needs an access token; changes need the `admin` role.
 */
export async function bindingsPlugin(app: FastifyInstance) {
  app.setErrorHandler(bindingsErrorHandler);
  app.addHook('onRequest', async (request) => app.authenticate(request));

  app.get('/bindings', { schema: { response: { 200: BindingList } } }, async (request): Promise<BindingList> => {
    return { bindings: await listBindings(app.db, contextOf(request).tenantId) };
  });

  app.put<{ Body: BindingList }>(
    '/bindings',
    { schema: { body: BindingList, response: { 200: BindingList } } },
    async (request): Promise<BindingList> => {
      const { tenantId } = requireAdmin(request);
      return { bindings: await configureBindings(app.db, { tenantId, bindings: request.body.bindings }) };
    },
  );

  app.delete<{ Params: { resourceType: string; path: string } }>(
    '/bindings/:resourceType/:path',
    { schema: { params: BindingParams } },
    async (request, reply) => {
      const { tenantId } = requireAdmin(request);
      await removeBinding(app.db, { tenantId, ...request.params });
      return reply.code(204).send();
    },
  );
}
