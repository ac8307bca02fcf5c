import { badRequest, OutcomeError, type Bundle, type Resource, type ValueSet } from '@caregraph/core/fhir';
import type { Queryable } from '../../../platform/db/index.ts';
import type { CodeSystemRelease } from '../store/index.ts';
import type { TerminologyResourceType } from './definitions.ts';

/**
 * Runs one read interaction against the tenant's FHIR resources (the FHIR router, bound to the
 * tenant of the request). Passed in rather than imported, so the FHIR module can call terminology
 * operations without the two modules importing each other.
 */
export type FhirFetch = (request: {
  method: 'GET';
  path: string;
  query: Array<[string, string]>;
}) => Promise<{ status: number; body?: unknown }>;

/** Finds the tenant's live resource of a canonical URL (and version), the most recently updated first. */
export type CanonicalReader = (
  resourceType: TerminologyResourceType,
  url: string,
  version: string | undefined,
) => Promise<Resource | undefined>;

/** What terminology operations run with: the reference data in the database and the tenant's own resources. */
export type TerminologyContext = {
  /** The database, or the open transaction of a Bundle being processed. */
  db: Queryable;
  fetch: FhirFetch;
  /**
   * Reads canonical resources without the FHIR router: the write path's bindings check reads
   * inside the write's transaction, where a FHIR search would not see it.
   */
  findCanonical?: CanonicalReader;
  /**
   * Reads a value set the way `resolveValueSet` does (the tenant's, else a shared one) in one
   * query, where each query counts: the write path resolves a value set per transaction.
   */
  findValueSet?: (url: string, version: string | undefined) => Promise<ValueSet | undefined>;
  /**
   * Current releases by url, kept beyond one transaction. Whoever compiles SQL from them must
   * check they are still current, as `checkCodesInValueSet` does in the query it runs anyway.
   */
  currentReleases?: Map<string, CodeSystemRelease>;
  /**
   * Value sets and code systems already resolved, by canonical: a context that lives for one
   * transaction resolves each once, however many resources it checks.
   */
  resolved?: Map<string, Promise<unknown>>;
};

/** `resolve()` once per context that keeps a `resolved` map; every call otherwise. */
export function resolveOnce<T>(ctx: TerminologyContext, key: string, resolve: () => Promise<T>): Promise<T> {
  if (!ctx.resolved) {
    return resolve();
  }
  let found = ctx.resolved.get(key) as Promise<T> | undefined;
  if (!found) {
    found = resolve();
    ctx.resolved.set(key, found);
  }
  return found;
}

/** How many same-URL resources a canonical lookup reads; more than a handful means versions, newest first. */
const CANONICAL_PAGE = 20;

function parseBody(body: unknown): unknown {
  return typeof body === 'string' ? JSON.parse(body) : body;
}

/** The tenant's live resources of a type matching a search (`url`, `source-code`…). */
export async function searchTenantResources<T extends Resource>(
  ctx: TerminologyContext,
  resourceType: TerminologyResourceType,
  query: Array<[string, string]>,
): Promise<T[]> {
  const response = await ctx.fetch({
    method: 'GET',
    path: resourceType,
    query: [...query, ['_count', String(CANONICAL_PAGE)], ['_sort', '-_lastUpdated']],
  });
  const bundle = parseBody(response.body) as Bundle;
  return (bundle.entry ?? [])
    .filter((entry) => entry.search?.mode !== 'outcome')
    .map((entry) => entry.resource)
    .filter((resource): resource is T => resource?.resourceType === resourceType);
}

/** The tenant's resource of this canonical URL (and version), the most recently updated when several match. */
export async function findTenantResourceByUrl<T extends Resource>(
  ctx: TerminologyContext,
  resourceType: TerminologyResourceType,
  url: string,
  version?: string,
): Promise<T | undefined> {
  if (ctx.findCanonical) {
    return (await ctx.findCanonical(resourceType, url, version)) as T | undefined;
  }
  const query: Array<[string, string]> = [['url', url]];
  if (version !== undefined) {
    query.push(['version', version]);
  }
  const [found] = await searchTenantResources<T>(ctx, resourceType, query);
  return found;
}

/** The tenant's resource `resourceType/id`: 404 when absent, 410 when deleted (from the FHIR read). */
export async function readTenantResource<T extends Resource>(
  ctx: TerminologyContext,
  resourceType: TerminologyResourceType,
  id: string,
): Promise<T> {
  const response = await ctx.fetch({ method: 'GET', path: `${resourceType}/${id}`, query: [] });
  return parseBody(response.body) as T;
}

/** Splits a canonical `url|version` into its parts; a separate version parameter wins over none. */
export function splitCanonical(canonical: string, version?: string): { url: string; version: string | undefined } {
  const bar = canonical.indexOf('|');
  if (bar < 0) {
    return { url: canonical, version };
  }
  const inline = canonical.slice(bar + 1);
  if (version !== undefined && inline !== version) {
    throw new OutcomeError(badRequest(`"${canonical}" names version ${inline} but version ${version} was asked for`));
  }
  return { url: canonical.slice(0, bar), version: inline };
}
