import { randomUUID } from 'node:crypto';
import { badRequest, OutcomeError, preconditionFailed, type Bundle, type BundleEntry } from '@caregraph/core/fhir';
import { isTransientConflict } from '../../../platform/db/index.ts';
import { deferJourneyWrites, flushJourneyWrites } from '../../journey/projection/index.ts';
import { findMatchingIds } from '../search/run-search.ts';
import type { StoreContext } from '../store/context.ts';
import { assertResourceType } from '../interactions/checks.ts';
import { findConditionalUpdateTarget, findIfNoneExistMatch } from '../interactions/conditional.ts';
import { createResource, versionResponse } from '../interactions/write-resource.ts';
import { inTransaction, type FhirRepo, type FhirRequest, type FhirResponse } from '../interactions/types.ts';
import { locatedError, toErrorEntry, toFhirRequest, toResponseEntry } from './bundle-entry.ts';
import { collectConditionalReferences, rewriteReferences } from './rewrite-references.ts';

/** Handles one non-bundle request; the router passes itself in so bundles can reuse it. */
export type Dispatch = (repo: FhirRepo, request: FhirRequest) => Promise<FhirResponse>;

// Transaction processing order (R4 §3.1.0.11.2): deletes, creates, updates/patches, then reads.
const METHOD_ORDER: Record<string, number> = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3, HEAD: 3 };

/** Processes a `batch` or `transaction` Bundle posted to the FHIR base. */
export async function processBundle(
  repo: FhirRepo,
  body: unknown,
  dispatch: Dispatch,
  includeResources: boolean,
): Promise<FhirResponse> {
  const bundle = body as Bundle;
  if (typeof body !== 'object' || body === null || bundle.resourceType !== 'Bundle') {
    throw new OutcomeError(badRequest('POST to the FHIR base takes a Bundle', 'resourceType'));
  }
  if (bundle.type !== 'batch' && bundle.type !== 'transaction') {
    throw new OutcomeError(
      badRequest(`Bundle.type must be batch or transaction, got "${bundle.type ?? 'none'}"`, 'Bundle.type'),
    );
  }
  if (bundle.entry !== undefined && !Array.isArray(bundle.entry)) {
    throw new OutcomeError(badRequest('Bundle.entry must be an array', 'Bundle.entry'));
  }
  const entries = bundle.entry ?? [];
  const responses =
    bundle.type === 'transaction'
      ? await processTransaction(repo, entries, dispatch, includeResources)
      : await processBatch(repo, entries, dispatch, includeResources);
  const result: Bundle = { resourceType: 'Bundle', type: `${bundle.type}-response`, entry: responses };
  return { status: 200, body: result };
}

async function resolveConditionalReference(ctx: StoreContext, baseUrl: string, reference: string): Promise<string> {
  const [resourceType = '', queryString = ''] = reference.split('?', 2);
  assertResourceType(resourceType);
  const ids = await findMatchingIds(ctx.tx, { tenantId: ctx.tenantId, baseUrl, resourceType, queryString, limit: 2 });
  if (ids.length !== 1) {
    throw new OutcomeError(
      preconditionFailed(
        `Conditional reference ${resourceType}?… matched ${ids.length === 0 ? 'no' : 'more than one'} resource`,
      ),
    );
  }
  return `${resourceType}/${ids[0]}`;
}

/** Resolves every conditional reference a resource uses that `into` does not know yet. */
async function resolveConditionalReferences(
  ctx: StoreContext,
  baseUrl: string,
  resource: unknown,
  into: Map<string, string>,
): Promise<void> {
  for (const reference of collectConditionalReferences(resource)) {
    if (!into.has(reference)) {
      into.set(reference, await resolveConditionalReference(ctx, baseUrl, reference));
    }
  }
}

/** Reads and searches answer with what they found, whatever the Prefer header says about writes. */
function includesResource(request: FhirRequest, includeResources: boolean): boolean {
  return includeResources || request.method === 'GET' || request.method === 'HEAD';
}

type PlannedEntry = {
  index: number;
  request: FhirRequest;
  assignedId?: string;
  existing?: FhirResponse;
  /** `Type/id` the entry's fullUrl stands for once written. */
  target?: string;
};

/**
 * Plans a transaction: parses each entry, assigns ids to creates, runs `ifNoneExist` searches and
 * maps every `fullUrl` to the `Type/id` it will have, so references can be rewritten before writing.
 */
async function planTransaction(ctx: StoreContext, repo: FhirRepo, entries: BundleEntry[]) {
  const replacements = new Map<string, string>();
  const planned: PlannedEntry[] = [];
  for (const [index, entry] of entries.entries()) {
    try {
      const plan = await planEntry(ctx, repo, entry, index);
      if (entry.fullUrl && plan.target) {
        replacements.set(entry.fullUrl, plan.target);
      }
      planned.push(plan);
    } catch (error) {
      throw locatedError(error, index);
    }
  }
  // Conditional references are resolved against what was stored before the transaction.
  for (const plan of planned) {
    try {
      await resolveConditionalReferences(ctx, repo.baseUrl, plan.request.body, replacements);
    } catch (error) {
      throw locatedError(error, plan.index);
    }
  }
  return { planned, replacements };
}

/**
 * Parses one entry; a create gets its id now (or the id of its `ifNoneExist` match), and a
 * conditional update becomes an update of the id it will write to.
 */
async function planEntry(ctx: StoreContext, repo: FhirRepo, entry: BundleEntry, index: number): Promise<PlannedEntry> {
  const request = toFhirRequest(entry, index);
  const plan: PlannedEntry = { index, request };
  const [resourceType = '', id] = request.path.split('/');
  if (request.method === 'POST' && request.path !== '' && !request.path.includes('/')) {
    assertResourceType(resourceType);
    if (request.ifNoneExist) {
      const ifNoneExist = request.ifNoneExist;
      const existing = await findIfNoneExistMatch(ctx, { baseUrl: repo.baseUrl, resourceType, ifNoneExist });
      if (existing) {
        plan.existing = versionResponse(existing, 200);
        plan.assignedId = existing.id;
      }
    }
    plan.assignedId ??= randomUUID();
    plan.target = `${resourceType}/${plan.assignedId}`;
  } else if (request.method === 'PUT' && id) {
    plan.target = `${resourceType}/${id}`;
  } else if (request.method === 'PUT' && request.path !== '' && request.query.length > 0) {
    // A conditional update: its target is found now, so references to its fullUrl can be rewritten.
    assertResourceType(resourceType);
    const queryString = new URLSearchParams(request.query).toString();
    const options = { baseUrl: repo.baseUrl, resourceType, queryString, body: request.body };
    const targetId = (await findConditionalUpdateTarget(ctx, options)) ?? randomUUID();
    plan.request = { ...request, path: `${resourceType}/${targetId}`, query: [], body: withId(request.body, targetId) };
    plan.target = `${resourceType}/${targetId}`;
  }
  return plan;
}

/** The body with `id` set, when it is a JSON object; anything else is left for validation to refuse. */
function withId(body: unknown, id: string): unknown {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? { ...body, id } : body;
}

async function processTransaction(
  repo: FhirRepo,
  entries: BundleEntry[],
  dispatch: Dispatch,
  includeResources: boolean,
): Promise<BundleEntry[]> {
  // A transaction of its own is run again when PostgreSQL ends it to break a deadlock (inTransaction);
  // inside a caller's transaction, the caller decides.
  return inTransaction(repo, async (ctx) => {
    const inner: FhirRepo = { ...repo, tx: ctx.tx };
    // A Bundle's journey contributions are written together at its end: an imported patient's
    // whole journey in a few statements instead of two per resource.
    deferJourneyWrites(ctx.tx);
    const { planned, replacements } = await planTransaction(ctx, repo, entries);
    const responses = new Array<BundleEntry>(entries.length);
    const ordered = [...planned].sort(
      (a, b) => (METHOD_ORDER[a.request.method] ?? 9) - (METHOD_ORDER[b.request.method] ?? 9) || a.index - b.index,
    );
    for (const plan of ordered) {
      const request = { ...plan.request, body: rewriteReferences(plan.request.body, replacements) };
      try {
        let response: FhirResponse;
        if (plan.existing) {
          response = plan.existing;
        } else if (request.method === 'POST' && plan.assignedId) {
          // Created here with the id planned for it, not dispatched: authorised here like every
          // dispatched entry, and held to the caller's policy criteria once stored (modules/access).
          await repo.access?.authorize(request, ctx.tx);
          response = await createResource(ctx, request.path, request.body, plan.assignedId);
          await repo.access?.checkWritten(ctx.tx, {
            resourceType: request.path,
            id: plan.assignedId,
            interaction: 'c',
          });
        } else {
          response = await dispatch(inner, request);
        }
        responses[plan.index] = toResponseEntry(response, repo.baseUrl, includesResource(request, includeResources));
      } catch (error) {
        if (isTransientConflict(error)) {
          throw error; // the whole transaction runs again (inTransaction)
        }
        // Any failure rolls the whole transaction back; the outcome names the entry.
        throw locatedError(error, plan.index);
      }
    }
    await flushJourneyWrites(ctx.tx);
    return responses;
  });
}

async function processBatch(
  repo: FhirRepo,
  entries: BundleEntry[],
  dispatch: Dispatch,
  includeResources: boolean,
): Promise<BundleEntry[]> {
  const responses: BundleEntry[] = [];
  for (const [index, entry] of entries.entries()) {
    try {
      // Each batch entry is its own transaction: one failing leaves the others in place.
      const responseEntry = await inTransaction(repo, async (ctx) => {
        const request = toFhirRequest(entry, index);
        const replacements = new Map<string, string>();
        await resolveConditionalReferences(ctx, repo.baseUrl, request.body, replacements);
        const body = replacements.size > 0 ? rewriteReferences(request.body, replacements) : request.body;
        const response = await dispatch({ ...repo, tx: ctx.tx }, { ...request, body: body });
        return toResponseEntry(response, repo.baseUrl, includesResource(request, includeResources));
      });
      responses.push(responseEntry);
    } catch (error) {
      responses.push(toErrorEntry(error, index));
    }
  }
  return responses;
}
