import type { HttpClient } from '@caregraph/core/client';
import type { Bundle, BundleEntry, Resource } from '@caregraph/core/fhir';

/** Resources per `$everything` page: the server's largest, so a typical record comes in one or two requests. */
export const EVERYTHING_PAGE_SIZE = 1000;

/** How far a download has come, for a progress message. */
export type DownloadProgress = { pages: number; resources: number };

/** The path and query of an absolute `next` link, so the same client (and its credential) follows it. */
function toPath(link: string): string {
  const url = new URL(link, 'http://placeholder.invalid');
  return `${url.pathname}${url.search}`;
}

/**
 * The pages of a `$everything` answer as one `collection` Bundle: every resource once (a supporting
 * resource such as a Practitioner may come with more than one page), in the order served.
 */
export function combineEverythingPages(pages: readonly Bundle[], now: Date): Bundle {
  const seen = new Set<string>();
  const entry: BundleEntry[] = [];
  for (const page of pages) {
    for (const item of page.entry ?? []) {
      const resource = item.resource;
      if (!resource || resource.resourceType === 'OperationOutcome') {
        continue;
      }
      const key = `${resource.resourceType}/${resource.id ?? entry.length}`;
      if (seen.has(key)) {
        continue;
      }
      seen.add(key);
      entry.push({ ...(item.fullUrl ? { fullUrl: item.fullUrl } : {}), resource });
    }
  }
  // No `total`: R4 allows it on search and history Bundles only (bdl-1).
  return { resourceType: 'Bundle', type: 'collection', timestamp: now.toISOString(), entry };
}

/**
 * A patient's whole record (`Patient/<id>/$everything`), every page followed through the server's
 * `next` links, as one Bundle.
 * @throws ApiError as the client does (403 for another patient, 0 when the server is unreachable)
 */
export async function fetchRecordBundle(
  client: HttpClient,
  patientId: string,
  options: { signal?: AbortSignal; onProgress?: (progress: DownloadProgress) => void; now?: () => Date } = {},
): Promise<Bundle> {
  const pages: Bundle[] = [];
  let resources = 0;
  let path: string | undefined = `/fhir/R4/Patient/${encodeURIComponent(patientId)}/$everything`;
  let query: Record<string, number> = { _count: EVERYTHING_PAGE_SIZE };
  while (path) {
    const page: Bundle = await client.get<Bundle>(path, query, options.signal);
    pages.push(page);
    resources += page.entry?.length ?? 0;
    options.onProgress?.({ pages: pages.length, resources });
    const next = page.link?.find((link) => link.relation === 'next')?.url;
    path = next ? toPath(next) : undefined;
    query = {};
  }
  return combineEverythingPages(pages, options.now?.() ?? new Date());
}

/** The resources of a Bundle, without the entries that carry none. */
export function resourcesOf(bundle: Bundle): Resource[] {
  return (bundle.entry ?? []).flatMap((entry) => (entry.resource ? [entry.resource] : []));
}

/** A file name that says whose record it is and when it was taken: `health-record-adan-portillo-2026-11-24.json`. */
export function recordFileName(patientName: string, now: Date, extension: 'json' | 'pdf'): string {
  const slug = patientName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const day = now.toISOString().slice(0, 10);
  return `health-record-${slug || 'patient'}-${day}.${extension}`;
}
