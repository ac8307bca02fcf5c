import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { FhirRequest, FhirResponse } from '../../fhir/index.ts';

/** The FHIR API of the same tenant, as a function: how the journey reads resources it does not project. */
export type FhirFetch = (request: FhirRequest) => Promise<FhirResponse>;

/** Searches never fetch more than this many pages (of the server's largest page size). */
const MAX_PAGES = 100;

function parseBody(response: FhirResponse): unknown {
  return typeof response.body === 'string' ? JSON.parse(response.body) : response.body;
}

/** Reads one resource; undefined when it is absent or deleted. */
export async function tryReadResource<T extends Resource>(
  fetch: FhirFetch,
  resourceType: string,
  id: string,
): Promise<T | undefined> {
  const response = await fetch({ method: 'GET', path: `${resourceType}/${id}`, query: [] });
  return response.status === 200 ? (parseBody(response) as T) : undefined;
}

/**
 * Every match of a search, following `next` links. A search the FHIR API refuses (a bad parameter)
 * throws `onError(diagnostics)`, so the caller can name its own parameter.
 */
export async function searchAll<T extends Resource>(
  fetch: FhirFetch,
  resourceType: string,
  query: Array<[string, string]>,
  onError: (diagnostics: string) => Error,
): Promise<T[]> {
  const found: T[] = [];
  let pageQuery: Array<[string, string]> | undefined = [...query, ['_count', '1000']];
  for (let page = 0; pageQuery && page < MAX_PAGES; page++) {
    const response = await fetch({ method: 'GET', path: resourceType, query: pageQuery });
    const bundle = parseBody(response) as
      | Bundle
      | { resourceType: 'OperationOutcome'; issue?: Array<{ diagnostics?: string; details?: { text?: string } }> }
      | undefined;
    if (response.status !== 200 || bundle?.resourceType !== 'Bundle') {
      const issue = bundle?.resourceType === 'OperationOutcome' ? bundle.issue?.[0] : undefined;
      const diagnostics = issue?.details?.text ?? issue?.diagnostics;
      throw onError(diagnostics ?? `the search answered ${response.status}`);
    }
    for (const entry of bundle.entry ?? []) {
      if (entry.resource?.resourceType === resourceType && entry.search?.mode !== 'include') {
        found.push(entry.resource as T);
      }
    }
    const next = bundle.link?.find((link) => link.relation === 'next')?.url;
    pageQuery = next ? [...new URL(next).searchParams] : undefined;
  }
  return found;
}
