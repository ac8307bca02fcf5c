import type { Bundle, OperationOutcome, Resource, ResourceType } from '../fhir/types.ts';
import { ApiError } from './api-error.ts';
import type { HttpClient, QueryParams } from './http-client.ts';

const FHIR_BASE = '/fhir/R4';
const FHIR_JSON = 'application/fhir+json';

/** One page of a FHIR search: the matches, what `_include` brought along, and the next page's path. */
export type SearchPage<T extends Resource> = {
  /** Entries with `search.mode` `match` (or no mode), in the server's order. */
  resources: T[];
  /** Entries with `search.mode` `include`: referenced resources fetched in the same request. */
  included: Resource[];
  /** The total when the server counted it (`_total=accurate`). */
  total?: number;
  /** The next page as a path and query on this server, for {@link searchNextPage}; absent on the last page. */
  next?: string;
};

/** One issue of an OperationOutcome, reduced to what a form shows next to its fields. */
export type OutcomeIssueSummary = {
  severity: 'fatal' | 'error' | 'warning' | 'information';
  /** A sentence for people: the issue's `details.text`, else its `diagnostics`. */
  text: string;
  /** FHIRPath expressions of the elements at fault, e.g. `Condition.onset[x]`. */
  expression: string[];
};

/** The path and query of an absolute `next` link, so the same client (and its credential) follows it. */
function toPath(link: string): string {
  const url = new URL(link, 'http://placeholder.invalid');
  return `${url.pathname}${url.search}`;
}

function toPage<T extends Resource>(bundle: Bundle): SearchPage<T> {
  const resources: T[] = [];
  const included: Resource[] = [];
  for (const entry of bundle.entry ?? []) {
    if (!entry.resource) {
      continue;
    }
    if (entry.search?.mode === 'include') {
      included.push(entry.resource);
    } else {
      resources.push(entry.resource as T);
    }
  }
  const next = bundle.link?.find((link) => link.relation === 'next')?.url;
  return {
    resources,
    included,
    ...(bundle.total === undefined ? {} : { total: bundle.total }),
    ...(next ? { next: toPath(next) } : {}),
  };
}

/**
 * Runs a FHIR search and returns its first page.
 * @param params - FHIR search parameters, e.g. `{ patient: 'p1', category: 'vital-signs', _sort: '-date' }`
 * @throws ApiError with the server's OperationOutcome in `body` on an unknown parameter (400) or no access (403)
 * @example
 * const page = await searchResources<Observation>(client, 'Observation', { patient: 'p1', _count: 100 });
 */
export async function searchResources<T extends Resource>(
  client: HttpClient,
  resourceType: ResourceType,
  params: QueryParams = {},
  signal?: AbortSignal,
): Promise<SearchPage<T>> {
  return toPage<T>(await client.get<Bundle>(`${FHIR_BASE}/${resourceType}`, params, signal));
}

/**
 * Follows a search's `next` link.
 * @param next - {@link SearchPage.next} of the previous page
 */
export async function searchNextPage<T extends Resource>(
  client: HttpClient,
  next: string,
  signal?: AbortSignal,
): Promise<SearchPage<T>> {
  return toPage<T>(await client.get<Bundle>(next, {}, signal));
}

/**
 * Reads one resource by type and id.
 * @throws ApiError with status 404 when there is none (or 410 when it was deleted)
 */
export function readResource<T extends Resource>(
  client: HttpClient,
  resourceType: T['resourceType'],
  id: string,
  signal?: AbortSignal,
): Promise<T> {
  return client.get<T>(`${FHIR_BASE}/${resourceType}/${encodeURIComponent(id)}`, {}, signal);
}

/**
 * Creates a resource (`POST /fhir/R4/<type>`) and returns it as stored, with its id.
 * @throws ApiError with status 400 or 422 and the OperationOutcome in `body` when the server rejects it;
 * read its issues with {@link outcomeIssuesOf}
 * @example
 * const saved = await createResource(client, { resourceType: 'Condition', subject: { reference: 'Patient/p1' }, code });
 */
export async function createResource<T extends Resource>(client: HttpClient, resource: T): Promise<T> {
  const saved = await client.send<T | undefined>('POST', `${FHIR_BASE}/${resource.resourceType}`, resource, {
    contentType: FHIR_JSON,
  });
  if (!saved) {
    throw new ApiError(502, 'The server stored the resource but did not return it.');
  }
  return saved;
}

function isOperationOutcome(body: unknown): body is OperationOutcome {
  return (
    typeof body === 'object' &&
    body !== null &&
    (body as { resourceType?: unknown }).resourceType === 'OperationOutcome' &&
    Array.isArray((body as { issue?: unknown }).issue)
  );
}

/**
 * The issues of the OperationOutcome a failed request carried, for showing next to a form;
 * empty when the error has none (network failure, a problem+json body, another error).
 * Invariant failures carry their FHIRPath in `diagnostics`, so the sentence in `details.text` comes first.
 */
export function outcomeIssuesOf(error: unknown): OutcomeIssueSummary[] {
  if (!(error instanceof ApiError) || !isOperationOutcome(error.body)) {
    return [];
  }
  return (error.body.issue ?? []).flatMap((issue) => {
    const text = issue.details?.text ?? issue.diagnostics;
    if (!text) {
      return [];
    }
    return [{ severity: issue.severity ?? 'error', text, expression: issue.expression ?? [] }];
  });
}
