import type { Bundle, BundleEntry, Resource } from '@caregraph/core/fhir';

// R4 §2.1.0 id: up to 64 letters, digits, '-' and '.'. Other ids cannot be a PUT target.
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * An entry written so that importing it twice changes nothing: a create of a resource that
 * carries an id becomes an update of that id (update-as-create), which stores no new version when
 * the content is unchanged. Creates guarded by `ifNoneExist` are already idempotent; an id that
 * is not a valid FHIR id stays a create (the server assigns one).
 */
export function toIdempotentEntry(entry: BundleEntry): BundleEntry {
  const resource = entry.resource;
  const request = entry.request;
  if (!resource?.id || !FHIR_ID.test(resource.id) || request?.ifNoneExist || (request && request.method !== 'POST')) {
    return entry;
  }
  return { ...entry, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } };
}

/** A resource on its own becomes one entry: PUT by id when it has one, else POST. */
export function toEntry(resource: Resource): BundleEntry {
  return toIdempotentEntry({ resource, request: { method: 'POST', url: resource.resourceType } });
}

/**
 * What a parsed JSON file is imported as: a transaction or batch Bundle keeps its type (a
 * transaction stays all-or-nothing); any other Bundle (collection, searchset…) or a lone resource
 * becomes a transaction of its resources.
 */
export function toImportBundle(parsed: Resource): Bundle {
  if (parsed.resourceType === 'Bundle' && (parsed.type === 'transaction' || parsed.type === 'batch')) {
    return { ...parsed, entry: (parsed.entry ?? []).map(toIdempotentEntry) };
  }
  if (parsed.resourceType === 'Bundle') {
    const entries = (parsed.entry ?? []).flatMap((entry) =>
      entry.resource ? [{ ...toEntry(entry.resource), ...(entry.fullUrl ? { fullUrl: entry.fullUrl } : {}) }] : [],
    );
    return { resourceType: 'Bundle', type: 'transaction', entry: entries };
  }
  return { resourceType: 'Bundle', type: 'transaction', entry: [toEntry(parsed)] };
}
