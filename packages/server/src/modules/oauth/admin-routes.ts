// `/api/oauth`: registering clients, rotating signing keys (administrators), and creating EHR
// launches (any member of staff).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RequestContext } from '../../platform/request-context.ts';
import { parseResourceScope } from '../access/index.ts';
import { registerClient, type ClientGrantType } from './clients.ts';
import { OAuthError } from './errors.ts';
import { createLaunch } from './launch-context.ts';
import type { OAuthRuntime } from './runtime.ts';
import { STATIC_SCOPES } from './settings.ts';

type ClientBody = {
  clientId?: string;
  clientName: string;
  confidential: boolean;
  redirectUris?: string[];
  grantTypes: ClientGrantType[];
  scopes: string[];
  roles?: string[];
};

const clientBody = {
  type: 'object',
  additionalProperties: false,
  required: ['clientName', 'confidential', 'grantTypes', 'scopes'],
  properties: {
    clientId: { type: 'string', pattern: '^[A-Za-z0-9._~-]{4,128}$' },
    clientName: { type: 'string', minLength: 1, maxLength: 200 },
    confidential: { type: 'boolean' },
    redirectUris: { type: 'array', maxItems: 20, items: { type: 'string', format: 'uri', maxLength: 2000 } },
    grantTypes: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { enum: ['authorization_code', 'refresh_token', 'client_credentials'] },
    },
    scopes: { type: 'array', maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 200 } },
    roles: { type: 'array', maxItems: 10, items: { type: 'string', minLength: 1, maxLength: 40 } },
  },
} as const;

const clientResponse = {
  type: 'object',
  properties: { clientId: { type: 'string' }, clientSecret: { type: 'string' } },
} as const;

const launchBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    patient: { type: 'string', pattern: '^[A-Za-z0-9\\-.]{1,64}$' },
    encounter: { type: 'string', pattern: '^[A-Za-z0-9\\-.]{1,64}$' },
  },
} as const;

function contextOf(request: FastifyRequest): RequestContext {
  if (!request.context) {
    throw new Error('authenticated route reached without a request context');
  }
  return request.context;
}

function requireRole(request: FastifyRequest, roles: string[]): RequestContext {
  const context = contextOf(request);
  if (!context.roles.some((role) => roles.includes(role))) {
    throw new OAuthError('OAUTH_FORBIDDEN', `Only ${roles.join(', ')} may do this`);
  }
  return context;
}

const KNOWN_SCOPES = new Set<string>(STATIC_SCOPES);

export function registerOAuthAdminRoutes(app: FastifyInstance, runtime: OAuthRuntime) {
  app.addHook('onRequest', async (request) => app.authenticate(request));

  app.post<{ Body: ClientBody }>(
    '/clients',
    { schema: { body: clientBody, response: { 201: clientResponse } } },
    async (request, reply) => {
      const { tenantId } = requireRole(request, ['admin']);
      const body = request.body;
      const unknown = body.scopes.filter((scope) => !KNOWN_SCOPES.has(scope) && !parseResourceScope(scope));
      if (unknown.length > 0) {
        throw new OAuthError('OAUTH_INVALID_CLIENT', `Unknown scopes: ${unknown.join(' ')}`);
      }
      if (body.grantTypes.includes('authorization_code') && (body.redirectUris ?? []).length === 0) {
        throw new OAuthError('OAUTH_INVALID_CLIENT', 'authorization_code needs at least one redirect URI');
      }
      if (body.grantTypes.includes('client_credentials') && !body.confidential) {
        throw new OAuthError('OAUTH_INVALID_CLIENT', 'client_credentials needs a confidential client');
      }
      const registered = await registerClient(app.db, {
        tenantId,
        ...(body.clientId === undefined ? {} : { clientId: body.clientId }),
        clientName: body.clientName,
        isConfidential: body.confidential,
        redirectUris: body.redirectUris ?? [],
        grantTypes: body.grantTypes,
        allowedScopes: body.scopes,
        roles: body.roles ?? [],
      });
      return reply.code(201).send(registered);
    },
  );

  app.post('/keys/rotate', async (request) => {
    requireRole(request, ['admin']);
    return { kid: await runtime.rotate() };
  });

  app.post<{ Body: { patient?: string; encounter?: string } }>(
    '/launch',
    { schema: { body: launchBody } },
    async (request, reply) => {
      const { tenantId } = requireRole(request, ['admin', 'clinician', 'nurse', 'staff']);
      const launch = await createLaunch(app.db, {
        tenantId,
        patientId: request.body.patient,
        encounterId: request.body.encounter,
        now: new Date(),
      });
      return reply.code(201).send({ launch });
    },
  );
}
