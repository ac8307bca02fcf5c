import type { OperationOutcome } from '@caregraph/core/fhir';
import { parseSearchQuery, type SearchQuery } from '../search/parse-query.ts';
import { runSearch } from '../search/run-search.ts';
import { readContext, type FhirRepo, type FhirResponse } from './types.ts';

function pageLink(repo: FhirRepo, query: SearchQuery, params: Array<[string, string]>, offset: number): string {
  const search = new URLSearchParams(params.filter(([name]) => name !== '_offset' && !query.ignored.includes(name)));
  if (offset > 0) {
    search.set('_offset', String(offset));
  }
  const text = search.toString();
  return `${repo.baseUrl}/${query.resourceType}${text ? `?${text}` : ''}`;
}

/**
 * Type-level search. The searchset Bundle is assembled as text around each match's stored JSON,
 * so matches are never parsed and re-serialised.
 */
export async function searchType(
  repo: FhirRepo,
  resourceType: string,
  params: Array<[string, string]>,
  lenient: boolean,
): Promise<FhirResponse> {
  const query = parseSearchQuery(resourceType, params, lenient);
  const page = await runSearch(readContext(repo).tx, { tenantId: repo.tenantId, baseUrl: repo.baseUrl, query });
  const links = [{ relation: 'self', url: pageLink(repo, query, params, query.offset) }];
  if (page.hasMore) {
    links.push({ relation: 'next', url: pageLink(repo, query, params, query.offset + query.count) });
  }
  if (query.offset > 0) {
    links.push({ relation: 'previous', url: pageLink(repo, query, params, Math.max(0, query.offset - query.count)) });
  }
  const entries = page.matches.map(
    (match) =>
      `{"fullUrl":${JSON.stringify(`${repo.baseUrl}/${resourceType}/${match.id}`)},"resource":${match.text},"search":{"mode":"match"}}`,
  );
  if (query.ignored.length > 0) {
    const outcome: OperationOutcome = {
      resourceType: 'OperationOutcome',
      issue: query.ignored.map((name) => ({
        severity: 'warning',
        code: 'not-supported',
        details: { text: `Search parameter "${name}" was ignored` },
        expression: [name],
      })),
    };
    entries.push(`{"resource":${JSON.stringify(outcome)},"search":{"mode":"outcome"}}`);
  }
  const total = page.total === undefined ? '' : `"total":${page.total},`;
  const body = `{"resourceType":"Bundle","type":"searchset",${total}"link":${JSON.stringify(links)},"entry":[${entries.join(',')}]}`;
  return { status: 200, body };
}
