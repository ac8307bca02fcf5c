import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { allOk, created, type Resource } from '@caregraph/core/fhir';
import { createFhirAccessGuard, type FhirAccessGuard } from '../access/index.ts';
import { BREAK_GLASS_HEADER } from '../audit/index.ts';
import { buildCapabilityStatement } from './capability-statement.ts';
import { createCompartmentProbe } from './compartment-probe.ts';
import { handleFhirRequest } from './interactions/router.ts';
import { isKnownResourceType } from './validation/index.ts';
import type { FhirRepo, FhirRequest, FhirResponse } from './interactions/types.ts';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';

type PreferHeader = { preferReturn?: FhirRequest['preferReturn']; lenient: boolean };

function parsePrefer(header: string | string[] | undefined): PreferHeader {
  const text = [header ?? []].flat().join(',');
  const returnMatch = /return=(minimal|representation|OperationOutcome)/.exec(text);
  return {
    ...(returnMatch ? { preferReturn: returnMatch[1] as FhirRequest['preferReturn'] } : {}),
    lenient: /handling=lenient/.test(text),
  };
}

function readQuery(request: FastifyRequest): Array<[string, string]> {
  const question = request.url.indexOf('?');
  const query = question < 0 ? [] : [...new URLSearchParams(request.url.slice(question + 1)).entries()];
  if (request.body instanceof URLSearchParams) {
    query.push(...request.body.entries());
  }
  return query;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sendResponse(reply: FastifyReply, request: FhirRequest, response: FhirResponse, baseUrl: string) {
  reply.code(response.status).type(FHIR_JSON);
  if (response.versionId !== undefined) {
    reply.header('ETag', `W/"${response.versionId}"`);
  }
  if (response.lastUpdated) {
    reply.header('Last-Modified', response.lastUpdated.toUTCString());
  }
  if (response.location) {
    reply.header('Location', `${baseUrl}/${response.location}`);
  }
  if (response.status === 204) {
    return reply.send();
  }
  const isWrite = request.method === 'POST' || request.method === 'PUT' || request.method === 'PATCH';
  if (isWrite && request.path !== '' && !request.path.includes('$') && !request.path.endsWith('_search')) {
    if (request.preferReturn === 'minimal') {
      return reply.send();
    }
    if (request.preferReturn === 'OperationOutcome') {
      return reply.send(response.status === 201 ? created() : allOk());
    }
  }
  return reply.send(typeof response.body === 'string' ? response.body : (response.body satisfies Resource | undefined));
}

/**
 * A low-cardinality metrics label: the method and resource type, or a fixed word for paths a
 * client could vary at will (unknown types), so labels cannot grow without bound.
 */
export function metricsRouteOf(method: string, path: string): string {
  const [first = ''] = path.split('/');
  const scope = first === '' ? '/' : first.startsWith('_') || isKnownResourceType(first) ? first : 'unknown';
  return `fhir:${method} ${scope}${path.includes('/') ? '/…' : ''}`;
}

/**
 * Alerts the privacy officers of records opened by breaking the glass; the alert Communication is
 * stored as system work (no access guard), attributed to the request in the audit trail.
 */
async function reportBreakGlass(
  app: FastifyInstance,
  request: FastifyRequest,
  repo: FhirRepo,
  access: FhirAccessGuard,
  reason: string,
) {
  await app.access.reportBreakGlass(request, {
    reason,
    uses: access.breakGlassUses,
    createCommunication: async (communication) => {
      await handleFhirRequest(repo, { method: 'POST', path: 'Communication', query: [], body: communication });
    },
  });
}

/** The HTTP adapter over the FHIR router, mounted at `/fhir/R4`. */
export async function registerFhirRoutes(app: FastifyInstance, options: { baseUrl: string; version: string }) {
  const baseUrl = `${options.baseUrl}/fhir/R4`;
  const startedAt = new Date().toISOString();
  app.get('/metadata', { config: { public: true } }, async (request, reply) => {
    request.metricsRoute = 'fhir:metadata';
    return reply.type(FHIR_JSON).send(buildCapabilityStatement({ baseUrl, version: options.version, date: startedAt }));
  });

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const context = request.context;
    if (!context) {
      throw new Error('authenticated route reached without a request context');
    }
    const path = (request.params as { '*'?: string })['*'] ?? '';
    const prefer = parsePrefer(request.headers.prefer);
    const fhirRequest: FhirRequest = {
      method: request.method as FhirRequest['method'],
      path,
      query: readQuery(request),
      body: request.body instanceof URLSearchParams ? undefined : request.body,
      ifMatch: header(request, 'if-match'),
      ifNoneMatch: header(request, 'if-none-match'),
      ifNoneExist: header(request, 'if-none-exist'),
      ...prefer,
    };
    request.metricsRoute = metricsRouteOf(request.method, path);
    const timings = new Map<string, number>();
    const repo: FhirRepo = {
      db: app.db,
      tenantId: context.tenantId,
      baseUrl,
      now: () => new Date(),
      audit: app.audit.contextOf(request),
      timings,
    };
    // What the caller may do: SMART scopes ∩ the tenant's access policy, checked by the router for
    // every request and bundle entry; searches are filtered in SQL (modules/access).
    const breakGlassReason = header(request, BREAK_GLASS_HEADER)?.trim() || undefined;
    const access = createFhirAccessGuard({
      identity: context,
      policies: await app.access.policiesOf(context.tenantId),
      probe: createCompartmentProbe(app.db, context.tenantId),
      breakGlassReason,
    });
    const response = await handleFhirRequest({ ...repo, access }, fhirRequest);
    if (breakGlassReason !== undefined && access.breakGlassUses.length > 0) {
      await reportBreakGlass(app, request, repo, access, breakGlassReason);
    }
    if (timings.size > 0) {
      // Server-Timing (W3C): what the store's named steps took, e.g. the patient index's matching.
      reply.header('Server-Timing', [...timings].map(([name, ms]) => `${name};dur=${ms.toFixed(2)}`).join(', '));
    }
    if (request.method === 'GET' && fhirRequest.ifNoneMatch && response.versionId !== undefined) {
      if (fhirRequest.ifNoneMatch.replace(/^W\//, '') === `"${response.versionId}"`) {
        return reply.code(304).header('ETag', `W/"${response.versionId}"`).send();
      }
    }
    return sendResponse(reply, fhirRequest, response, baseUrl);
  };
  app.route({ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], url: '/*', handler });
  app.route({ method: ['GET', 'POST'], url: '/', handler });
}
