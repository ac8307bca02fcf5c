import { badRequest, OutcomeError, preconditionFailed } from '@caregraph/core/fhir';
import { findMatchingIds } from '../search/run-search.ts';
import type { StoreContext, StoredVersion } from '../store/context.ts';
import { assertHasCriteria } from './checks.ts';
import { createResource, deleteResource, updateResource, versionResponse } from './write-resource.ts';
import { tryReadCurrent } from '../store/resource-rows.ts';
import type { FhirResponse } from './types.ts';

/** At most two matching ids: enough to tell none, one and many apart. */
function findUpToTwo(ctx: StoreContext, baseUrl: string, resourceType: string, queryString: string) {
  return findMatchingIds(ctx.tx, { tenantId: ctx.tenantId, baseUrl, resourceType, queryString, limit: 2 });
}

/**
 * The one live resource an `If-None-Exist` query (`identifier=x|y`, optionally `Type?`-prefixed)
 * matches, or undefined when none does; 412 when several do. Shared by conditional create and the
 * `ifNoneExist` of Bundle entries.
 */
export async function findIfNoneExistMatch(
  ctx: StoreContext,
  options: { baseUrl: string; resourceType: string; ifNoneExist: string },
): Promise<StoredVersion | undefined> {
  const { baseUrl, resourceType, ifNoneExist } = options;
  const query = ifNoneExist.replace(/^[A-Za-z]*\?/, '');
  assertHasCriteria(query, 'create');
  const matches = await findUpToTwo(ctx, baseUrl, resourceType, query);
  if (matches.length > 1) {
    throw new OutcomeError(preconditionFailed(`If-None-Exist matched more than one ${resourceType}`));
  }
  return matches[0] ? tryReadCurrent(ctx, resourceType, matches[0]) : undefined;
}

/** Conditional create (`If-None-Exist`): returns the existing match, creates when none, 412 when several. */
export async function conditionalCreate(
  ctx: StoreContext,
  options: { baseUrl: string; resourceType: string; body: unknown; ifNoneExist: string },
): Promise<FhirResponse> {
  const existing = await findIfNoneExistMatch(ctx, options);
  return existing ? versionResponse(existing, 200) : createResource(ctx, options.resourceType, options.body);
}

/**
 * The id a conditional update (`PUT Type?criteria`) writes to, per R4 §3.1.0.4.3: the single
 * match's, else the body's own id (update as create), else undefined for a server-assigned one.
 * Throws 412 when several resources match and 400 when the body names another id than the match.
 */
export async function findConditionalUpdateTarget(
  ctx: StoreContext,
  options: { baseUrl: string; resourceType: string; queryString: string; body: unknown },
): Promise<string | undefined> {
  const { baseUrl, resourceType, queryString, body } = options;
  assertHasCriteria(queryString, 'update');
  const matches = await findUpToTwo(ctx, baseUrl, resourceType, queryString);
  if (matches.length > 1) {
    throw new OutcomeError(preconditionFailed(`Conditional update matched more than one ${resourceType}`));
  }
  const bodyId = (body as { id?: unknown } | null)?.id;
  const [matchId] = matches;
  if (matchId) {
    if (bodyId !== undefined && bodyId !== matchId) {
      // "One Match, resource id provided but does not match resource found" is a 400.
      throw new OutcomeError(
        badRequest(
          `Body id "${JSON.stringify(bodyId)}" differs from the id of the matched resource`,
          `${resourceType}.id`,
        ),
      );
    }
    return matchId;
  }
  return typeof bodyId === 'string' ? bodyId : undefined;
}

/** Conditional update (`PUT Type?criteria`): updates the single match, or creates. */
export async function conditionalUpdate(
  ctx: StoreContext,
  options: { baseUrl: string; resourceType: string; queryString: string; body: unknown; ifMatch?: string | undefined },
): Promise<FhirResponse> {
  const { resourceType, body, ifMatch } = options;
  const id = await findConditionalUpdateTarget(ctx, options);
  if (id === undefined) {
    return createResource(ctx, resourceType, body);
  }
  return updateResource(ctx, { resourceType, id, body: { ...(body as object), id }, ifMatch });
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
