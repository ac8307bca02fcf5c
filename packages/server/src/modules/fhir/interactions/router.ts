import {
  badRequest,
  notAllowed,
  notFound,
  OutcomeError,
  type CapabilityStatementRestResourceSearchParam,
} from '@caregraph/core/fhir';
import {
  AUDIT_EVENT_SEARCH_PARAMETERS,
  handleAuditEventRequest,
  isAuditEventPath,
  recordFailedFhirRead,
  recordFhirRead,
} from '../../audit/index.ts';
import {
  isTerminologyOperation,
  runTerminologyOperation,
  TERMINOLOGY_OPERATIONS,
} from '../../terminology/operations/index.ts';
import { lockPatientWrites, runMpiOperation } from '../../mpi/index.ts';
// The declarations alone (a file importing nothing), as TYPE_OPERATIONS below is built at load time.
import { isMpiOperation, MPI_OPERATIONS } from '../../mpi/operations/definitions.ts';
import { processBundle } from '../bundle/process-bundle.ts';
import { isKnownResourceType } from '../validation/index.ts';
import { assertResourceType } from './checks.ts';
import { conditionalCreate, conditionalDelete, conditionalUpdate } from './conditional.ts';
import { everythingOperation } from './everything.ts';
import { readHistory } from './history.ts';
import { patchResource } from './patch-resource.ts';
import { readResource, readVersion } from './read-resource.ts';
import { searchType } from './search.ts';
import { searchCompartment, searchSystem } from './search-levels.ts';
import type { StoreContext } from '../store/context.ts';
import { inTransaction, readContext, type FhirRepo, type FhirRequest, type FhirResponse } from './types.ts';
import { validateOperation } from './validate-operation.ts';
import { createResource, deleteResource, updateResource } from './write-resource.ts';

function queryString(query: Array<[string, string]>): string {
  return new URLSearchParams(query).toString();
}

/**
 * Routes one FHIR REST interaction (R4 §3.1.0) to its implementation. Knows nothing of HTTP
 * frameworks: the Fastify adapter and Bundle processing both call it. A read, search, history or
 * `$everything` is recorded in the audit trail before its answer (or its refusal) is returned
 * (writes are recorded where they are stored); AuditEvent is answered from the audit trail itself.
 */
export async function handleFhirRequest(repo: FhirRepo, asked: FhirRequest): Promise<FhirResponse> {
  let request = asked;
  let response: FhirResponse;
  try {
    // What the caller may do (modules/access); a search reached only through patient/ scopes comes back narrowed.
    if (repo.access) {
      request = await repo.access.authorize(asked, repo.tx);
    }
    if (isAuditEventPath(request.path)) {
      return await handleAuditEventRequest({ ...readContext(repo), baseUrl: repo.baseUrl }, request);
    }
    response = await routeFhirRequest(repo, request);
  } catch (error) {
    // A refused read is recorded too: who tried to read what, and how it ended.
    await recordFailedFhirRead(readContext(repo), request, error);
    throw error;
  }
  await recordFhirRead(readContext(repo), request, response.body);
  return response;
}

async function routeFhirRequest(repo: FhirRepo, request: FhirRequest): Promise<FhirResponse> {
  const segments = request.path.split('/').filter((segment) => segment !== '');
  const [resourceType, second, third, fourth] = segments;
  const method = request.method === 'HEAD' ? 'GET' : request.method;
  if (!resourceType) {
    if (method === 'POST') {
      return processBundle(repo, request.body, handleFhirRequest, request.preferReturn === 'representation');
    }
    return method === 'GET' ? searchSystem(repo, request) : notAllowedAt(method, 'the system level');
  }
  if (resourceType === '_search' && segments.length === 1 && method === 'POST') {
    return searchSystem(repo, request);
  }
  if (resourceType === '_history' && segments.length === 1 && method === 'GET') {
    return readHistory(repo, {}, request.query);
  }
  assertResourceType(resourceType);
  if (segments.length === 1) {
    return routeType(repo, request, method, resourceType);
  }
  if (second === '_history' && segments.length === 2 && method === 'GET') {
    return readHistory(repo, { resourceType }, request.query);
  }
  if (second === '_search' && segments.length === 2 && method === 'POST') {
    return searchType(repo, resourceType, request.query, request.lenient === true);
  }
  if (second === '$validate' && segments.length === 2 && method === 'POST') {
    return validateOperation(resourceType, request.body);
  }
  // Terminology operations ($lookup, $expand…), type and instance level; they read the tenant's own
  // terminology resources back through this router.
  const operation = segments.length === 3 ? third : second;
  if (operation && segments.length <= 3 && isTerminologyOperation(resourceType, operation)) {
    return runTerminologyOperation(
      { db: readContext(repo).tx, fetch: (read) => handleFhirRequest(repo, read) },
      {
        resourceType,
        operation,
        id: segments.length === 3 ? second : undefined,
        method,
        query: request.query,
        body: request.body,
      },
    );
  }
  // The master patient index's type-level Patient operations: $match, $merge, $unmerge.
  if (second && segments.length === 2 && isMpiOperation(resourceType, second)) {
    return runMpiOperation(repo, { operation: second, method, body: request.body });
  }
  if (!second || !/^[A-Za-z0-9\-.]{1,64}$/.test(second)) {
    throw new OutcomeError(badRequest(`Invalid resource id "${second ?? ''}"`));
  }
  const id = second;
  if (segments.length === 2) {
    return routeInstance(repo, request, method, resourceType, id);
  }
  if (third === '_history' && method === 'GET') {
    if (segments.length === 3) {
      return readHistory(repo, { resourceType, id }, request.query);
    }
    if (segments.length === 4 && fourth) {
      return readVersion(repo, resourceType, id, fourth);
    }
  }
  if (third === '$validate' && segments.length === 3 && method === 'POST') {
    return validateOperation(resourceType, request.body, id);
  }
  if (third === '$everything' && segments.length === 3 && (method === 'GET' || method === 'POST')) {
    if (resourceType === 'Patient' || resourceType === 'Encounter') {
      return everythingOperation(repo, { compartment: resourceType, id, query: request.query, body: request.body });
    }
  }
  if (third && (third === '*' || isKnownResourceType(third)) && segments.length === 3 && method === 'GET') {
    return searchCompartment(repo, request, { type: resourceType, id }, third);
  }
  if (third && fourth === '_search' && segments.length === 4 && method === 'POST') {
    return searchCompartment(repo, request, { type: resourceType, id }, third);
  }
  throw new OutcomeError(notFound(`No FHIR interaction at ${method} ${segments.slice(0, 1).join('/')}/…`));
}

function notAllowedAt(method: string, where: string): never {
  throw new OutcomeError(notAllowed(`${method} is not supported at ${where}`));
}

/**
 * A write in its transaction. A Patient write that owns its transaction first takes the tenant's
 * Patient-write lock (see mpi/patient-write-lock.ts), so concurrent ones cannot deadlock while matching;
 * inside a transaction Bundle the Bundle's retry on a deadlock applies instead.
 */
function inWrite<T>(repo: FhirRepo, resourceType: string, work: (ctx: StoreContext) => Promise<T>): Promise<T> {
  return inTransaction(repo, async (ctx) => {
    if (resourceType === 'Patient' && !repo.tx) {
      await lockPatientWrites(ctx.tx, ctx.tenantId);
    }
    return work(ctx);
  });
}

/**
 * A create or update in its transaction, with what it stored held to the criteria of the caller's
 * policy rows (modules/access) before it commits: a refusal rolls the write back.
 */
function inCheckedWrite(
  repo: FhirRepo,
  resourceType: string,
  work: (ctx: StoreContext) => Promise<FhirResponse>,
  isCreate = false,
): Promise<FhirResponse> {
  return inWrite(repo, resourceType, async (ctx) => {
    const response = await work(ctx);
    const id = response.location?.split('/')[1];
    // A conditional create that found its match (200) wrote nothing.
    if (repo.access && id !== undefined && (!isCreate || response.status === 201)) {
      await repo.access.checkWritten(ctx.tx, { resourceType, id, interaction: response.status === 201 ? 'c' : 'u' });
    }
    return response;
  });
}

function routeType(repo: FhirRepo, request: FhirRequest, method: string, resourceType: string) {
  const conditions = queryString(request.query);
  switch (method) {
    case 'GET':
      return searchType(repo, resourceType, request.query, request.lenient === true);
    case 'POST': {
      const ifNoneExist = request.ifNoneExist;
      return inCheckedWrite(
        repo,
        resourceType,
        (ctx) =>
          ifNoneExist
            ? conditionalCreate(ctx, { baseUrl: repo.baseUrl, resourceType, body: request.body, ifNoneExist })
            : createResource(ctx, resourceType, request.body),
        true,
      );
    }
    case 'PUT':
      return inCheckedWrite(repo, resourceType, (ctx) =>
        conditionalUpdate(ctx, {
          baseUrl: repo.baseUrl,
          resourceType,
          queryString: conditions,
          body: request.body,
          ifMatch: request.ifMatch,
        }),
      );
    case 'DELETE':
      return inWrite(repo, resourceType, (ctx) =>
        conditionalDelete(ctx, { baseUrl: repo.baseUrl, resourceType, queryString: conditions }),
      );
    default:
      throw new OutcomeError(notAllowed(`${method} is not supported on ${resourceType}`));
  }
}

function routeInstance(repo: FhirRepo, request: FhirRequest, method: string, resourceType: string, id: string) {
  switch (method) {
    case 'GET':
      return readResource(repo, resourceType, id);
    case 'PUT':
      return inCheckedWrite(repo, resourceType, (ctx) =>
        updateResource(ctx, { resourceType, id, body: request.body, ifMatch: request.ifMatch }),
      );
    case 'PATCH':
      return inCheckedWrite(repo, resourceType, (ctx) =>
        patchResource(ctx, { resourceType, id, body: request.body, ifMatch: request.ifMatch }),
      );
    case 'DELETE':
      return inWrite(repo, resourceType, (ctx) => deleteResource(ctx, resourceType, id));
    default:
      throw new OutcomeError(notAllowed(`${method} is not supported on ${resourceType}/${id}`));
  }
}

/** Exported for the capability statement: what the router implements. */
export const SUPPORTED_INTERACTIONS = {
  type: ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create', 'search-type'],
  system: ['transaction', 'batch', 'history-system', 'search-system'],
} as const;

/**
 * Types the router answers from another module than the resource store, with the search parameters
 * that module answers, for the capability statement: they are not stored, so no _include or
 * _revinclude reaches them.
 */
export const NOT_STORED_TYPES: Record<string, CapabilityStatementRestResourceSearchParam[]> = {
  AuditEvent: AUDIT_EVENT_SEARCH_PARAMETERS,
};

/** The operations the router answers on resource types and instances, for the capability statement. */
export const TYPE_OPERATIONS: Array<{ name: string; definition: string; types: 'all' | string[] }> = [
  { name: 'validate', definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate', types: 'all' },
  { name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything', types: ['Patient'] },
  {
    name: 'everything',
    definition: 'http://hl7.org/fhir/OperationDefinition/Encounter-everything',
    types: ['Encounter'],
  },
  ...TERMINOLOGY_OPERATIONS.map((operation) => ({
    name: operation.name,
    definition: operation.definition,
    types: [operation.resourceType],
  })),
  ...MPI_OPERATIONS.map((operation) => ({
    name: operation.name,
    definition: operation.definition,
    types: ['Patient'],
  })),
];
