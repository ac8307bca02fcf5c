import { OutcomeError, preconditionFailed } from '@caregraph/core/fhir';
import { findMatchingIds } from '../search/run-search.ts';
import type { StoreContext } from '../store/context.ts';
import { assertHasCriteria } from './checks.ts';
import { createResource, deleteResource, updateResource, versionResponse } from './write-resource.ts';
import { tryReadCurrent } from '../store/resource-rows.ts';
import type { FhirResponse } from './types.ts';

/** At most two matching ids: enough to tell none, one and many apart. */
function findUpToTwo(ctx: StoreContext, baseUrl: string, resourceType: string, queryString: string) {
  return findMatchingIds(ctx.tx, { tenantId: ctx.tenantId, baseUrl, resourceType, queryString, limit: 2 });
}

/** Conditional create (`If-None-Exist`): returns the existing match, creates when none, 412 when several. */
export async function conditionalCreate(
  ctx: StoreContext,
  options: { baseUrl: string; resourceType: string; body: unknown; ifNoneExist: string },
): Promise<FhirResponse> {
  const { baseUrl, resourceType, body, ifNoneExist } = options;
  const query = ifNoneExist.replace(/^[A-Za-z]+\?/, '').replace(/^\?/, '');
  assertHasCriteria(query, 'create');
  const matches = await findUpToTwo(ctx, baseUrl, resourceType, query);
  if (matches.length > 1) {
    throw new OutcomeError(preconditionFailed(`If-None-Exist matched more than one ${resourceType}`));
  }
  const [existingId] = matches;
  if (existingId) {
    const existing = await tryReadCurrent(ctx, resourceType, existingId);
    if (existing) {
      return versionResponse(existing, 200);
    }
  }
  return createResource(ctx, resourceType, body);
}

/** Conditional update (`PUT Type?criteria`), per R4 §3.1.0.4.3. */
export async function conditionalUpdate(
  ctx: StoreContext,
  options: { baseUrl: string; resourceType: string; queryString: string; body: unknown; ifMatch?: string | undefined },
): Promise<FhirResponse> {
  const { baseUrl, resourceType, queryString, body, ifMatch } = options;
  assertHasCriteria(queryString, 'update');
  const matches = await findUpToTwo(ctx, baseUrl, resourceType, queryString);
  if (matches.length > 1) {
    throw new OutcomeError(preconditionFailed(`Conditional update matched more than one ${resourceType}`));
  }
  const bodyId = (body as { id?: unknown } | null)?.id;
  const [matchId] = matches;
  if (matchId) {
    if (bodyId !== undefined && bodyId !== matchId) {
      throw new OutcomeError(preconditionFailed(`Body id "${String(bodyId)}" differs from the matched resource's id`));
    }
    return updateResource(ctx, { resourceType, id: matchId, body: { ...(body as object), id: matchId }, ifMatch });
  }
  if (typeof bodyId === 'string') {
    return updateResource(ctx, { resourceType, id: bodyId, body, ifMatch });
  }
  return createResource(ctx, resourceType, body);
}

/** Conditional delete (`DELETE Type?criteria`): deletes the single match; 412 when several match. */
export async function conditionalDelete(
  ctx: StoreContext,
  options: { baseUrl: string; resourceType: string; queryString: string },
): Promise<FhirResponse> {
  const { baseUrl, resourceType, queryString } = options;
  assertHasCriteria(queryString, 'delete');
  const matches = await findUpToTwo(ctx, baseUrl, resourceType, queryString);
  if (matches.length > 1) {
    throw new OutcomeError(preconditionFailed(`Conditional delete matched more than one ${resourceType}`));
  }
  const [matchId] = matches;
  return matchId ? deleteResource(ctx, resourceType, matchId) : { status: 204 };
}
