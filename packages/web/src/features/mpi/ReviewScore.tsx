import type { ReviewDetail } from '@caregraph/core/domain';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import {
  AGREEMENT_DISPLAY,
  countAgreements,
  decisionOutcome,
  formatWeight,
  isOpenReview,
  type Agreement,
} from './review-display.ts';
import { MatchScore } from './MatchScore.tsx';

const ORDER: readonly Agreement[] = ['agree', 'partial', 'disagree', 'missing'];

const decidedAt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function Outcome({ review }: { review: ReviewDetail }) {
  const parts = [decisionOutcome(review) ?? 'Decided'];
  if (review.decidedBy) {
    parts.push(`by ${review.decidedBy}`);
  }
  const time = review.decidedAt ? Date.parse(review.decidedAt) : Number.NaN;
  if (!Number.isNaN(time)) {
    parts.push(decidedAt.format(time));
  }
  return <StatusBadge tone="neutral">{parts.join(' · ')}</StatusBadge>;
}

/** The verdict of the matcher on a pair: probability, grade, total weight, and the fields by agreement. */
export function ReviewScore({ review }: { review: ReviewDetail }) {
  const counts = countAgreements(review.fields);
  const isOpen = isOpenReview(review.status);
  return (
    <dl className="review-score" data-testid="review-score">
      <div>
        <dt>Match probability</dt>
        <dd>
          <MatchScore probability={review.probability} grade={review.grade} />
        </dd>
      </div>
      <div>
        <dt>Total weight</dt>
        <dd>
          <span className="review-score__weight">{formatWeight(review.weight)}</span>
        </dd>
      </div>
      <div>
        <dt>Fields</dt>
        <dd className="review-score__counts">
          {ORDER.filter((agreement) => counts[agreement] > 0).map((agreement) => (
            <span key={agreement} className={`agreement agreement--${agreement}`}>
              <span className="agreement__symbol" aria-hidden="true">
                {AGREEMENT_DISPLAY[agreement].symbol}
              </span>
              {counts[agreement]} {AGREEMENT_DISPLAY[agreement].counted}
            </span>
          ))}
        </dd>
      </div>
      <div>
        <dt>Status</dt>
        <dd data-testid="review-status">
          {isOpen ? <StatusBadge tone="warning">Waiting for a decision</StatusBadge> : <Outcome review={review} />}
        </dd>
      </div>
    </dl>
  );
}
