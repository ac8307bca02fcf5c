import type {
  GoldenRecord,
  ModelVersion,
  MpiSettings,
  ReviewDecision,
  ReviewDetail,
  ReviewPage,
  ReviewStatusFilter,
  ReviewSummary,
} from '../domain/mpi.ts';
import type { HttpClient } from './http-client.ts';

function reviewPath(id: string, suffix = ''): string {
  return `/api/mpi/reviews/${encodeURIComponent(id)}${suffix}`;
}

/**
 * Reads one page of the master patient index's review queue.
 * @param options - `status` open (default) or closed, `count` items per page, `cursor` from the previous page's `next`
 * @example
 * const first = await listReviews(client, { status: 'open', count: 20 });
 * const second = first.next ? await listReviews(client, { cursor: first.next }) : undefined;
 */
export function listReviews(
  client: HttpClient,
  options: { status?: ReviewStatusFilter; count?: number; cursor?: string } = {},
  signal?: AbortSignal,
): Promise<ReviewPage> {
  return client.get<ReviewPage>(
    '/api/mpi/reviews',
    { status: options.status, _count: options.count, cursor: options.cursor },
    signal,
  );
}

/**
 * Reads one review with the comparison of every field, its weight and the total weight.
 * @throws ApiError 404 when the review does not exist in the tenant
 */
export function getReview(client: HttpClient, id: string, signal?: AbortSignal): Promise<ReviewDetail> {
  return client.get<ReviewDetail>(reviewPath(id), {}, signal);
}

/**
 * Records a reviewer's decision on a potential duplicate and returns the closed review.
 * @param decision - `link` (same person), `not-a-match`, or `merge` with the surviving record
 * @throws ApiError 409 when the review was already decided
 * @example
 * await decideReview(client, 'task-1', { decision: 'merge', survivor: 'a' });
 */
export function decideReview(
  client: HttpClient,
  id: string,
  decision: ReviewDecision,
  signal?: AbortSignal,
): Promise<ReviewSummary> {
  return client.send<ReviewSummary>('POST', reviewPath(id, '/decision'), decision, signal ? { signal } : {});
}

/** Reads a golden record: the FHIR Person and every patient it links. */
export function getGoldenRecord(client: HttpClient, personId: string, signal?: AbortSignal): Promise<GoldenRecord> {
  return client.get<GoldenRecord>(`/api/mpi/persons/${encodeURIComponent(personId)}`, {}, signal);
}

/** Lists the tenant's matching model versions, the active one marked. */
export function listModelVersions(client: HttpClient, signal?: AbortSignal): Promise<{ models: ModelVersion[] }> {
  return client.get<{ models: ModelVersion[] }>('/api/mpi/models', {}, signal);
}

/**
 * Trains a new matching model on the tenant's patients (unsupervised) and makes it the active version.
 * @param options - `seed` makes the random pair sampling repeatable
 * @throws ApiError 403 without the admin role
 */
export function trainMatchModel(client: HttpClient, options: { seed?: number } = {}): Promise<ModelVersion> {
  return client.send<ModelVersion>('POST', '/api/mpi/train', options);
}

/**
 * Makes an earlier model version the active one again (rollback).
 * @throws ApiError 403 without the admin role, 404 for an unknown version
 */
export function activateModelVersion(client: HttpClient, version: number): Promise<ModelVersion> {
  return client.send<ModelVersion>('POST', `/api/mpi/models/${version}/activate`, {});
}

/** Reads the tenant's master patient index settings (source trust order for survivorship). */
export function getMpiSettings(client: HttpClient, signal?: AbortSignal): Promise<MpiSettings> {
  return client.get<MpiSettings>('/api/mpi/settings', {}, signal);
}

/**
 * Replaces the tenant's master patient index settings.
 * @throws ApiError 403 without the admin role
 */
export function updateMpiSettings(client: HttpClient, settings: MpiSettings): Promise<MpiSettings> {
  return client.send<MpiSettings>('PUT', '/api/mpi/settings', settings);
}
