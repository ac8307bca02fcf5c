import type { ReviewDecision, ReviewDetail, ReviewStatusFilter } from '@caregraph/core/domain';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { useShortcuts } from '../../components/shortcuts/ShortcutProvider.tsx';
import { useClient } from '../session/SessionProvider.tsx';
import { findOpenReview, useDecideReview, usePrefetchReview, useReview, useReviewQueue } from './api.ts';
import { ComparisonTable } from './ComparisonTable.tsx';
import { DecisionBar } from './DecisionBar.tsx';
import { describeDecisionError } from './decision-error.ts';
import { decisionLabel, readDecisionNotice, type DecisionNotice } from './decision-notice.ts';
import { MergeDialog } from './MergeDialog.tsx';
import { isOpenReview } from './review-display.ts';
import { reviewPath, reviewQueuePath } from './review-links.ts';
import { neighbourReview, nextOpenReview, queuePosition } from './review-navigation.ts';
import { REVIEW_SHORTCUTS, type ReviewAction } from './review-shortcuts.ts';
import { ReviewScore } from './ReviewScore.tsx';
import './mpi.css';

type ReviewWorkspaceProps = {
  reviewId: string;
  /** The queue the review was opened from: next and previous walk it. */
  status: ReviewStatusFilter;
};

/**
 * One potential duplicate under review: the two records side by side with the matcher's evidence,
 * the decisions, and keyboard navigation through the queue. After a decision the next open review
 * opens by itself, so a reviewer can work through the queue without the mouse.
 */
export function ReviewWorkspace({ reviewId, status }: ReviewWorkspaceProps) {
  const client = useClient();
  const navigate = useNavigate();
  const location = useLocation();
  const review = useReview(reviewId);
  const queue = useReviewQueue(status);
  const openQueue = useReviewQueue('open');
  const decide = useDecideReview();
  const prefetch = usePrefetchReview();
  const [isMergeOpen, setMergeOpen] = useState(false);
  const [lastNotice, setLastNotice] = useState<DecisionNotice | undefined>();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const notice = readDecisionNotice(location.state) ?? lastNotice;

  const ids = useMemo(() => queue.reviews.map((item) => item.id), [queue.reviews]);
  const openIds = useMemo(() => openQueue.reviews.map((item) => item.id), [openQueue.reviews]);
  const nextId = neighbourReview(ids, reviewId, 1);
  const previousId = neighbourReview(ids, reviewId, -1);
  const canLoadMore = nextId === undefined && queue.hasNextPage;

  const { reset } = decide;
  useEffect(() => {
    // A new review starts clean: no dialog, no error from the previous one, focus on its heading.
    setMergeOpen(false);
    setLastNotice(undefined);
    reset();
    headingRef.current?.focus();
  }, [reviewId, reset]);

  useEffect(() => {
    if (nextId !== undefined) {
      prefetch(nextId);
    }
  }, [nextId, prefetch]);

  const show = (id: string, queueStatus: ReviewStatusFilter, state?: { notice: DecisionNotice }) =>
    void navigate(reviewPath(id, queueStatus), state ? { state } : {});

  const showNext = async () => {
    if (nextId !== undefined) {
      show(nextId, status);
      return;
    }
    if (queue.hasNextPage && !queue.isFetchingNextPage) {
      const result = await queue.fetchNextPage();
      const loaded = (result.data?.pages ?? []).flatMap((page) => page.items.map((item) => item.id));
      const following = neighbourReview(loaded, reviewId, 1);
      if (following !== undefined) {
        show(following, status);
      }
    }
  };

  const record = (current: ReviewDetail, decision: ReviewDecision) => {
    if (!isOpenReview(current.status) || decide.isPending) {
      return;
    }
    setMergeOpen(false);
    // The open queue as it is now: the decided review leaves it as soon as the server accepts.
    const remaining = openIds;
    const moveOn = async () => {
      const next =
        nextOpenReview(remaining, current.id) ?? (await findOpenReview(client, current.id).catch(() => undefined));
      const text = `${decisionLabel(decision)}: ${current.a.name} and ${current.b.name}.`;
      const done: DecisionNotice = { reviewId: current.id, text, isLastOpen: next === undefined };
      if (next === undefined) {
        setLastNotice(done);
      } else {
        show(next, 'open', { notice: done });
      }
    };
    decide.mutate({ id: current.id, decision }, { onSuccess: () => void moveOn() });
  };

  const current = review.data;
  const canDecide = current !== undefined && isOpenReview(current.status);
  const onAction = (action: ReviewAction) => {
    switch (action) {
      case 'link':
        if (current) {
          record(current, { decision: 'link' });
        }
        return;
      case 'not-a-match':
        if (current) {
          record(current, { decision: 'not-a-match' });
        }
        return;
      case 'merge':
        if (canDecide && !decide.isPending) {
          setMergeOpen(true);
        }
        return;
      case 'next':
        void showNext();
        return;
      case 'previous':
        if (previousId !== undefined) {
          show(previousId, status);
        }
        return;
    }
  };
  useShortcuts(
    REVIEW_SHORTCUTS.map((shortcut) => ({
      keys: shortcut.keys,
      description: shortcut.description,
      group: 'Duplicate review',
      // While the merge dialog is open its own keys (a, b, Escape) apply, not the page's.
      run: () => {
        if (!isMergeOpen) {
          onAction(shortcut.action);
        }
      },
    })),
  );

  const position = queuePosition(ids, reviewId, queue.hasNextPage);
  return (
    <div className="review-workspace">
      <div className="review-workspace__top">
        <Link to={reviewQueuePath(status)}>← {status === 'open' ? 'Open reviews' : 'Decided reviews'}</Link>
        {position && <span className="muted">{position}</span>}
      </div>
      <div className="review-notice" role="status" data-testid="review-notice">
        {notice && (
          <p className="review-notice__text">
            <span aria-hidden="true">✓ </span>
            {notice.text}{' '}
            {notice.isLastOpen ? (
              <>
                That was the last open review. <Link to={reviewQueuePath('open')}>Back to the queue</Link>
              </>
            ) : (
              <Link to={reviewPath(notice.reviewId, 'closed')}>Show the decided review</Link>
            )}
          </p>
        )}
      </div>
      <section className="card review-card" aria-labelledby="review-heading">
        <h2 id="review-heading" ref={headingRef} tabIndex={-1} className="review-card__heading">
          {current ? `${current.a.name} and ${current.b.name}` : 'Potential duplicate'}
        </h2>
        {review.isPending && <p className="muted">Loading the review…</p>}
        {review.isError && (
          <>
            <ErrorMessage error={review.error} what="this review" onRetry={() => void review.refetch()} />
            <p>
              <Link to={reviewQueuePath('open')}>Back to the open reviews</Link>
            </p>
          </>
        )}
        {current && (
          <>
            <ReviewScore review={current} />
            {decide.isError && (
              <p className="form-error" role="alert">
                {describeDecisionError(decide.error)}
              </p>
            )}
            <DecisionBar
              canDecide={canDecide}
              isSending={decide.isPending}
              onLink={() => onAction('link')}
              onNotAMatch={() => onAction('not-a-match')}
              onMerge={() => onAction('merge')}
              onPrevious={previousId === undefined ? undefined : () => onAction('previous')}
              onNext={nextId === undefined && !canLoadMore ? undefined : () => onAction('next')}
            />
            <ComparisonTable review={current} />
            <MergeDialog
              open={isMergeOpen}
              a={current.a}
              b={current.b}
              onMerge={(survivor) => record(current, { decision: 'merge', survivor })}
              onClose={() => setMergeOpen(false)}
            />
          </>
        )}
      </section>
    </div>
  );
}
