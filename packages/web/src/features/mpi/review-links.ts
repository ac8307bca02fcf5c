import type { ReviewStatusFilter } from '@caregraph/core/domain';

/** The queue of one status; open is the default and has the shorter address. */
export function reviewQueuePath(status: ReviewStatusFilter): string {
  return status === 'open' ? '/admin/reviews' : '/admin/reviews?status=closed';
}

/** One review, remembering which queue it was opened from so next and previous walk that queue. */
export function reviewPath(id: string, status: ReviewStatusFilter): string {
  const path = `/admin/reviews/${encodeURIComponent(id)}`;
  return status === 'open' ? path : `${path}?status=closed`;
}

/** The queue status named by a `status` search parameter; anything but `closed` is the open queue. */
export function parseReviewStatus(value: string | null): ReviewStatusFilter {
  return value === 'closed' ? 'closed' : 'open';
}
