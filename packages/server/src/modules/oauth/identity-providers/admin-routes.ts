// `/api/admin/identity-providers`: a tenant's administrators list, add, change and remove the
// upstream OpenID Connect providers its users may sign in with.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SsoError } from './errors.ts';
import {
  createIdentityProvider,
  deleteIdentityProvider,
  getIdentityProvider,
  updateIdentityProvider,
  type ProviderAdmin,
  type ProviderAdminDeps,
} from './manage-identity-providers.ts';
import { listIdentityProviders, type IdentityProvider, type IdentityProviderInput } from './provider-records.ts';
import {
  createProviderBody,
  providerListResponse,
  providerParams,
  providerResponse,
  updateProviderBody,
} from './schemas.ts';

type Params = { id: string };

function adminOf(app: FastifyInstance, request: FastifyRequest): ProviderAdmin {
  const context = request.context;
  if (!context?.roles.includes('admin')) {
    throw new SsoError('SSO_FORBIDDEN', 'Administrators only');
  }
  return { tenantId: context.tenantId, audit: app.audit.contextOf(request) };
}

export function registerIdentityProviderAdminRoutes(
  app: FastifyInstance,
  deps: ProviderAdminDeps & { redirectUri: string },
) {
  app.addHook('onRequest', async (request) => {
    await app.authenticate(request);
    adminOf(app, request);
  });
  const present = (provider: IdentityProvider) => ({
    ...provider,
    hasClientSecret: true,
    redirectUri: deps.redirectUri,
  });

  app.get('/', { schema: { response: { 200: providerListResponse } } }, async (request) => ({
    providers: (await listIdentityProviders(deps.db, adminOf(app, request).tenantId)).map(present),
  }));

  app.get<{ Params: Params }>(
    '/:id',
    { schema: { params: providerParams, response: { 200: providerResponse } } },
    async (request) => present(await getIdentityProvider(deps.db, adminOf(app, request).tenantId, request.params.id)),
  );

  app.post<{ Body: IdentityProviderInput & { clientSecret: string } }>(
    '/',
    { schema: { body: createProviderBody, response: { 201: providerResponse } } },
    async (request, reply) => {
      const provider = await createIdentityProvider(deps, { admin: adminOf(app, request), input: request.body });
      return reply.code(201).send(present(provider));
    },
  );

  app.put<{ Params: Params; Body: IdentityProviderInput }>(
    '/:id',
    { schema: { params: providerParams, body: updateProviderBody, response: { 200: providerResponse } } },
    async (request) =>
      present(
        await updateIdentityProvider(deps, {
          admin: adminOf(app, request),
          id: request.params.id,
          input: request.body,
        }),
      ),
  );

  app.delete<{ Params: Params }>('/:id', { schema: { params: providerParams } }, async (request, reply) => {
    await deleteIdentityProvider(deps, { admin: adminOf(app, request), id: request.params.id });
    return reply.code(204).send();
  });
}
