import type { OperationOutcome, OperationOutcomeIssue } from '@caregraph/core/fhir';
import type { Criterion } from '../search/criteria.ts';
import { withGenericPlans } from '../search/generic-plans.ts';
import { findIncludes } from '../search/includes.ts';
import { encodeCursor, type Cursor } from '../search/paging.ts';
import { parseSearchQuery, type SearchQuery } from '../search/parse-query.ts';
import { runSearch } from '../search/run-search.ts';
import { applyElements, applySummary } from '../search/summary.ts';
import { readContext, type FhirRepo, type FhirResponse } from './types.ts';

/** At most this many `_include`/`_revinclude` resources per page; more is reported as a warning. */
export const MAX_INCLUDED = 1000;

/** Where a search was asked: type level (`Patient?`), system level (`?_type=`), or a compartment. */
export type SearchTarget = {
  /** The path of the search before `?`, e.g. `Patient`, `` or `Patient/1/Observation`. */
  path: string;
  resourceTypes: string[];
  /** Extra criteria implied by the path (compartment search). */
  criteria?: Criterion[];
};

function pageLink(
  repo: FhirRepo,
  target: SearchTarget,
  query: SearchQuery,
  params: Array<[string, string]>,
  cursor?: Cursor,
): string {
  const kept = params.filter(([name]) => name !== '_offset' && name !== '_cursor' && !query.ignored.includes(name));
  const search = new URLSearchParams(kept);
  if (cursor) {
    search.set('_cursor', encodeCursor(cursor));
  } else if (query.offset > 0 && !query.cursor) {
    search.set('_offset', String(query.offset));
  } else if (query.cursor) {
    search.set('_cursor', encodeCursor(query.cursor));
  }
  const text = search.toString();
  const path = target.path ? `/${target.path}` : '';
  return `${repo.baseUrl}${path}${text ? `?${text}` : ''}`;
}

/** The stored JSON of a match, cut down when `_summary` or `_elements` asked for less. */
function shapeResource(query: SearchQuery, text: string): string {
  if (query.elements) {
    return JSON.stringify(applyElements(JSON.parse(text) as Record<string, unknown>, query.elements));
  }
  if (query.summary === 'false') {
    return text;
  }
  return JSON.stringify(applySummary(JSON.parse(text) as Record<string, unknown>, query.summary));
}

function entry(repo: FhirRepo, resourceType: string, id: string, resource: string, mode: 'match' | 'include'): string {
  return `{"fullUrl":${JSON.stringify(`${repo.baseUrl}/${resourceType}/${id}`)},"resource":${resource},"search":{"mode":"${mode}"}}`;
}

function warnings(query: SearchQuery, truncated: boolean): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = query.ignored.map((name) => ({
    severity: 'warning',
    code: 'not-supported',
    details: { text: `Search parameter "${name}" was ignored` },
    expression: [name],
  }));
  if (truncated) {
    issues.push({
      severity: 'warning',
      code: 'too-costly',
      details: { text: `Only the first ${MAX_INCLUDED} included resources are returned; page with a smaller _count` },
    });
  }
  return issues;
}

/**
 * Search at type, system or compartment level. The searchset Bundle is assembled as text around
 * each match's stored JSON, so matches are never parsed and re-serialised unless `_summary` or
 * `_elements` cut them down.
 */
export async function search(
  repo: FhirRepo,
  target: SearchTarget,
  params: Array<[string, string]>,
  lenient: boolean,
): Promise<FhirResponse> {
  const query = parseSearchQuery(target.resourceTypes, params, lenient);
  query.criteria.push(...(target.criteria ?? []));
  const tx = readContext(repo).tx;
  const access = repo.access?.filter;
  const page = await runSearch(tx, { tenantId: repo.tenantId, baseUrl: repo.baseUrl, query, access });
  const links = [{ relation: 'self', url: pageLink(repo, target, query, params) }];
  if (page.next) {
    links.push({ relation: 'next', url: pageLink(repo, target, query, params, page.next) });
  }
  if (page.previous) {
    links.push({ relation: 'previous', url: pageLink(repo, target, query, params, page.previous) });
  }
  const entries = page.matches.map((match) =>
    entry(repo, match.resourceType, match.id, shapeResource(query, match.text), 'match'),
  );
  let truncated = false;
  if (query.includes.length > 0 && page.matches.length > 0) {
    const included = await withGenericPlans(repo.db, repo.tx, (q) =>
      findIncludes(q, {
        tenantId: repo.tenantId,
        matches: page.matches,
        includes: query.includes,
        limit: MAX_INCLUDED,
        access,
      }),
    );
    truncated = included.truncated;
    entries.push(
      ...included.resources.map((resource) =>
        entry(repo, resource.resourceType, resource.id, shapeResource(query, resource.text), 'include'),
      ),
    );
  }
  const issues = warnings(query, truncated);
  if (issues.length > 0) {
    const outcome: OperationOutcome = { resourceType: 'OperationOutcome', issue: issues };
    entries.push(`{"resource":${JSON.stringify(outcome)},"search":{"mode":"outcome"}}`);
  }
  const total = page.total === undefined ? '' : `"total":${page.total},`;
  const body = `{"resourceType":"Bundle","type":"searchset",${total}"link":${JSON.stringify(links)},"entry":[${entries.join(',')}]}`;
  return { status: 200, body };
}

/** Type-level search `GET [type]?…`. */
export function searchType(
  repo: FhirRepo,
  resourceType: string,
  params: Array<[string, string]>,
  lenient: boolean,
): Promise<FhirResponse> {
  return search(repo, { path: resourceType, resourceTypes: [resourceType] }, params, lenient);
}
