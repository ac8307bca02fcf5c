import { badRequest, notFound, OutcomeError, type Bundle, type BundleEntry, type Resource } from '@caregraph/core/fhir';
import { toDateRange } from '../search/date-range.ts';
import { readContext, type FhirRepo, type FhirResponse } from './types.ts';

type HistoryRow = {
  resource_type: string;
  id: string;
  version_id: number;
  last_updated: Date;
  deleted: boolean;
  method: string;
  content: Resource | null;
};

const MAX_COUNT = 1000;

function readHistoryParameters(query: Array<[string, string]>) {
  let count = 50;
  let offset = 0;
  let since: string | undefined;
  let at: string | undefined;
  for (const [name, value] of query) {
    if (name === '_count' || name === '_offset') {
      const number = Number(value);
      if (!Number.isInteger(number) || number < 0) {
        throw new OutcomeError(badRequest(`Invalid ${name} "${value}"`, name));
      }
      if (name === '_count') {
        count = Math.min(number, MAX_COUNT);
      } else {
        offset = number;
      }
    } else if (name === '_since' || name === '_at') {
      const range = toDateRange(value);
      if (!range || (name === '_since' && !value.includes('T'))) {
        throw new OutcomeError(badRequest(`Invalid ${name} "${value}": an instant is required`, name));
      }
      if (name === '_since') {
        since = range.low;
      } else {
        at = range.high;
      }
    } else if (name !== '_format' && name !== '_pretty') {
      throw new OutcomeError(badRequest(`Unsupported history parameter "${name}"`, name));
    }
  }
  return { count, offset, since, at };
}

/**
 * `_history` at system, type or instance level: a history Bundle, newest first, with `_since`,
 * `_at`, `_count` and paging links.
 */
export async function readHistory(
  repo: FhirRepo,
  scope: { resourceType?: string; id?: string },
  query: Array<[string, string]>,
): Promise<FhirResponse> {
  const { count, offset, since, at } = readHistoryParameters(query);
  const params: unknown[] = [repo.tenantId];
  const conditions = ['tenant_id = $1'];
  if (scope.resourceType) {
    params.push(scope.resourceType);
    conditions.push(`resource_type = $${params.length}`);
  }
  if (scope.id) {
    params.push(scope.id);
    conditions.push(`id = $${params.length}`);
  }
  if (since) {
    params.push(since);
    conditions.push(`last_updated >= $${params.length}::timestamptz`);
  }
  if (at) {
    params.push(at);
    conditions.push(`last_updated <= $${params.length}::timestamptz`);
  }
  params.push(count + 1, offset);
  const { rows } = await readContext(repo).tx.query<HistoryRow>(
    `SELECT resource_type, id, version_id, last_updated, deleted, method, content FROM resource_history
     WHERE ${conditions.join(' AND ')}
     ORDER BY last_updated DESC, resource_type, id, version_id DESC
     LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  );
  const path = [scope.resourceType, scope.id, '_history'].filter(Boolean).join('/');
  const pageUrl = (pageOffset: number) => {
    const search = new URLSearchParams(query.filter(([name]) => name !== '_offset'));
    search.set('_offset', String(pageOffset));
    return `${repo.baseUrl}/${path}?${search.toString()}`;
  };
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'history',
    link: [{ relation: 'self', url: pageUrl(offset) }],
    entry: rows.slice(0, count).map((row) => historyEntry(repo.baseUrl, row)),
  };
  // With _count=0 the next page would be this one again: a client following it would never stop.
  if (count > 0 && rows.length > count) {
    bundle.link?.push({ relation: 'next', url: pageUrl(offset + count) });
  }
  if (offset > 0) {
    bundle.link?.push({ relation: 'previous', url: pageUrl(Math.max(0, offset - count)) });
  }
  if (scope.id && rows.length === 0 && offset === 0 && !since && !at) {
    const exists = await readContext(repo).tx.query(
      'SELECT 1 FROM resource WHERE tenant_id = $1 AND resource_type = $2 AND id = $3',
      [repo.tenantId, scope.resourceType, scope.id],
    );
    if (exists.rows.length === 0) {
      throw new OutcomeError(notFound(`${scope.resourceType}/${scope.id} not found`));
    }
  }
  return { status: 200, body: bundle };
}

function historyEntry(baseUrl: string, row: HistoryRow): BundleEntry {
  const url = `${row.resource_type}/${row.id}`;
  const entry: BundleEntry = {
    fullUrl: `${baseUrl}/${url}`,
    request: { method: row.method as 'PUT', url: row.method === 'POST' ? row.resource_type : url },
    response: {
      status: row.deleted ? '204' : row.version_id === 1 ? '201' : '200',
      etag: `W/"${row.version_id}"`,
      lastModified: new Date(row.last_updated).toISOString(),
    },
  };
  if (row.content) {
    entry.resource = row.content;
  }
  return entry;
}
