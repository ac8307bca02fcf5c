import type { Resource, ValueSet } from '@caregraph/core/fhir';
import type { Queryable } from '../../../platform/db/index.ts';
import type { TerminologyContext } from '../operations/context.ts';
import type { CodeSystemRelease } from '../store/index.ts';

// The tenant's live resource of a type with canonical url $3 (and version $4), the latest written.
// Found through the FHIR search index on `url` (an R4 search parameter of every canonical
// resource), so a tenant with many of them pays one index probe.
const READ_CANONICAL = `SELECT r.content AS resource
  FROM search_uri u
  JOIN resource r ON r.tenant_id = u.tenant_id AND r.resource_type = u.resource_type AND r.id = u.resource_id
  WHERE u.tenant_id = $1 AND u.resource_type = $2 AND u.code = 'url' AND u.value = $3 AND NOT r.deleted
    AND ($4::text IS NULL OR r.content ->> 'version' = $4)
  ORDER BY r.last_updated DESC LIMIT 1`;

// The value set with canonical url $2 (and version $3) as tenant $1 sees it, as `resolveValueSet`
// finds it, in one query: the tenant's own ValueSet (the latest written), else a shared one, the
// current release first.
const READ_VALUE_SET = `SELECT resource FROM (
    SELECT r.content AS resource, 0 AS rank, r.last_updated AS at, NULL::boolean AS is_current, NULL::text AS version
    FROM search_uri u
    JOIN resource r ON r.tenant_id = u.tenant_id AND r.resource_type = u.resource_type AND r.id = u.resource_id
    WHERE u.tenant_id = $1 AND u.resource_type = 'ValueSet' AND u.code = 'url' AND u.value = $2 AND NOT r.deleted
      AND ($3::text IS NULL OR r.content ->> 'version' = $3)
    UNION ALL
    SELECT v.resource, 1, NULL, v.is_current, v.version FROM term_value_set v
    WHERE v.url = $2 AND ($3::text IS NULL OR v.version = $3)
  ) found ORDER BY rank, at DESC NULLS LAST, is_current DESC, version DESC LIMIT 1`;

// Shared by every write: which release of a system is current changes only when terminology is
// loaded, and the membership query checks it each time (see `checkCodesInValueSet`).
const currentReleases = new Map<string, CodeSystemRelease>();

function parseResource<T>(value: T | string | undefined): T | undefined {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}

/**
 * The terminology context of a write: the tenant's ValueSet and CodeSystem resources are read in
 * the write's transaction (which sees what a Bundle wrote before), and every value set and code
 * system is resolved once for the context's lifetime. Current releases are remembered longer unless
 * `rememberReleases` is false, for a caller that does not run the query that checks them.
 */
export function bindingContext(
  q: Queryable,
  tenantId: string,
  options: { rememberReleases: boolean } = { rememberReleases: true },
): TerminologyContext {
  return {
    db: q,
    fetch: () => Promise.reject(new Error('The bindings check reads canonical resources only')),
    findCanonical: async (resourceType, url, version) => {
      const { rows } = await q.query<{ resource: Resource | string }>(
        READ_CANONICAL,
        [tenantId, resourceType, url, version ?? null],
        { name: 'term-binding-canonical' },
      );
      return parseResource(rows[0]?.resource);
    },
    findValueSet: async (url, version) => {
      const { rows } = await q.query<{ resource: ValueSet | string }>(
        READ_VALUE_SET,
        [tenantId, url, version ?? null],
        {
          name: 'term-binding-value-set',
        },
      );
      return parseResource(rows[0]?.resource);
    },
    resolved: new Map(),
    ...(options.rememberReleases ? { currentReleases } : {}),
  };
}
