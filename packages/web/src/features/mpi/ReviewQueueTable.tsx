import type { ReviewStatusFilter, ReviewSummary } from '@caregraph/core/domain';
import { useRef } from 'react';
import { Link, useNavigate } from 'react-router';
import { useShortcuts } from '../../components/shortcuts/ShortcutProvider.tsx';
import { MatchScore } from './MatchScore.tsx';
import { PatientSummary } from './PatientSummary.tsx';
import { reviewPath } from './review-links.ts';

type ReviewQueueTableProps = {
  reviews: readonly ReviewSummary[];
  status: ReviewStatusFilter;
  /** Called when a row is pointed at or focused, to load that review before it is opened. */
  onPrefetch: (id: string) => void;
};

/** Moves focus to the review link `step` rows away from the focused one (the first or last when none is). */
function focusRow(container: HTMLElement | null, step: 1 | -1): void {
  const links = [...(container?.querySelectorAll<HTMLAnchorElement>('a.review-queue__open') ?? [])];
  const current = links.findIndex((link) => link === document.activeElement);
  const target = current < 0 ? (step === 1 ? links[0] : links.at(-1)) : links[current + step];
  target?.focus();
}

const openedAt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function formatOpened(createdAt: string): string {
  const time = Date.parse(createdAt);
  return Number.isNaN(time) ? createdAt : openedAt.format(time);
}

/** The pairs of a review queue; each row opens its side-by-side comparison. */
export function ReviewQueueTable({ reviews, status, onPrefetch }: ReviewQueueTableProps) {
  const navigate = useNavigate();
  const containerRef = useRef<HTMLDivElement>(null);
  useShortcuts([
    {
      keys: 'j',
      description: 'Next review in the list',
      group: 'Duplicate reviews',
      run: () => focusRow(containerRef.current, 1),
    },
    {
      keys: 'k',
      description: 'Previous review in the list',
      group: 'Duplicate reviews',
      run: () => focusRow(containerRef.current, -1),
    },
  ]);
  return (
    <div className="table-scroll" ref={containerRef}>
      <table className="data-table review-queue">
        <thead>
          <tr>
            <th scope="col">Record A</th>
            <th scope="col">Record B</th>
            <th scope="col">Match</th>
            <th scope="col">Opened</th>
            <th scope="col">
              <span className="mpi-sr-only">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {reviews.map((review) => {
            const path = reviewPath(review.id, status);
            return (
              <tr
                key={review.id}
                className="review-queue__row"
                onMouseEnter={() => onPrefetch(review.id)}
                onFocus={() => onPrefetch(review.id)}
                // The row is a larger target for the pointer; keyboard users have the link in its last cell.
                onClick={(event) => {
                  if (!(event.target instanceof Element && event.target.closest('a'))) {
                    void navigate(path);
                  }
                }}
              >
                <td>
                  <PatientSummary card={review.a} />
                </td>
                <td>
                  <PatientSummary card={review.b} />
                </td>
                <td>
                  <MatchScore probability={review.probability} grade={review.grade} />
                </td>
                <td className="muted">{formatOpened(review.createdAt)}</td>
                <td>
                  <Link to={path} className="button button--small review-queue__open">
                    {status === 'open' ? 'Review' : 'View'}
                    <span className="mpi-sr-only">
                      {' '}
                      {review.a.name} and {review.b.name}
                    </span>
                  </Link>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
