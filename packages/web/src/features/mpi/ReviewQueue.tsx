import type { ReviewStatusFilter } from '@caregraph/core/domain';
import { Link } from 'react-router';
import { Card } from '../../components/Card.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { usePrefetchReview, useReviewQueue } from './api.ts';
import { reviewQueuePath } from './review-links.ts';
import { ReviewQueueTable } from './ReviewQueueTable.tsx';
import './mpi.css';
import { LoadMore } from '../../components/LoadMore.tsx';

const FILTERS: readonly { status: ReviewStatusFilter; label: string }[] = [
  { status: 'open', label: 'Open' },
  { status: 'closed', label: 'Decided' },
];

const EMPTY: Record<ReviewStatusFilter, string> = {
  open: 'No potential duplicates are waiting for review. New ones appear here when the matcher is unsure about two records.',
  closed: 'No review has been decided yet.',
};

/** The master patient index's review queue of one status, with a switch between open and decided reviews. */
export function ReviewQueue({ status }: { status: ReviewStatusFilter }) {
  const queue = useReviewQueue(status);
  const prefetch = usePrefetchReview();
  const what = status === 'open' ? 'the open reviews' : 'the decided reviews';
  const count = queue.reviews.length;

  return (
    <Card
      title="Potential duplicates"
      actions={
        <nav className="segmented" aria-label="Review status">
          {FILTERS.map((filter) => (
            <Link
              key={filter.status}
              to={reviewQueuePath(filter.status)}
              className="segmented__option"
              aria-current={filter.status === status ? 'page' : undefined}
            >
              {filter.label}
            </Link>
          ))}
        </nav>
      }
    >
      {queue.isPending && <p className="muted">Loading {what}…</p>}
      {queue.isError && count === 0 && (
        <ErrorMessage error={queue.error} what={what} onRetry={() => void queue.refetch()} />
      )}
      {queue.isSuccess && count === 0 && (
        <p className="review-empty" data-testid="review-queue-empty">
          <span className="review-empty__symbol" aria-hidden="true">
            ✓
          </span>
          {EMPTY[status]}
        </p>
      )}
      {count > 0 && (
        <>
          <p className="muted review-queue__caption" aria-live="polite">
            {count} {status === 'open' ? 'open' : 'decided'} review{count === 1 ? '' : 's'}
            {queue.hasNextPage ? ' loaded, more below' : ''}
            {status === 'open' ? '. Open one to compare the records; press ? there for keyboard shortcuts.' : '.'}
          </p>
          {queue.isRefetchError && (
            <ErrorMessage
              error={queue.error}
              what={`${what} (showing what was loaded before)`}
              onRetry={() => void queue.refetch()}
            />
          )}
          <ReviewQueueTable reviews={queue.reviews} status={status} onPrefetch={prefetch} />
          <LoadMore pages={queue} what="more reviews" label="Load more" className="review-queue__more" />
        </>
      )}
    </Card>
  );
}
