import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '@caregraph/core/client';
import type { PatientCard, ReviewDetail } from '@caregraph/core/domain';
import { describeDecisionError } from '../src/features/mpi/decision-error.ts';
import { decisionLabel, readDecisionNotice } from '../src/features/mpi/decision-notice.ts';
import {
  absentFields,
  comparisonRows,
  countAgreements,
  decisionOutcome,
  describeWeight,
  fieldLabel,
  formatProbability,
  formatWeight,
  gradeDisplay,
  isOpenReview,
  levelLabel,
  priorWeight,
  weightBar,
  weightScale,
} from '../src/features/mpi/review-display.ts';
import { parseReviewStatus, reviewPath, reviewQueuePath } from '../src/features/mpi/review-links.ts';
import { neighbourReview, nextOpenReview, queuePosition } from '../src/features/mpi/review-navigation.ts';
import { keysOf, REVIEW_SHORTCUTS } from '../src/features/mpi/review-shortcuts.ts';

const card = (overrides: Partial<PatientCard>): PatientCard => ({
  id: 'p1',
  name: 'Jon Smith',
  identifiers: [],
  source: 'registration',
  ...overrides,
});

function buildReview(overrides: Partial<ReviewDetail> = {}): ReviewDetail {
  return {
    id: 'task-1',
    status: 'open',
    createdAt: '2026-11-23T10:00:00Z',
    probability: 0.62,
    grade: 'possible',
    weight: 4.2,
    a: card({ id: 'a', birthDate: '1956-04-09', phone: '555-0101', identifiers: ['MRN 1 (clinic)'] }),
    b: card({ id: 'b', name: 'John Smith', birthDate: '1956-09-04', source: 'hl7' }),
    fields: [],
    ...overrides,
  };
}

describe('review display', () => {
  it('never rounds a doubtful probability to 0 % or 100 %', () => {
    assert.equal(formatProbability(0.62), '62%');
    assert.equal(formatProbability(0.953), '95.3%');
    assert.equal(formatProbability(0.0712), '7.1%');
    assert.equal(formatProbability(0.9999), '>99.9%');
    assert.equal(formatProbability(0.0001), '<0.1%');
    assert.equal(formatProbability(1), '100%');
    assert.equal(formatProbability(0), '0%');
  });

  it('writes weights with their sign and a true minus', () => {
    assert.equal(formatWeight(6.24), '+6.2');
    assert.equal(formatWeight(-3.06), '−3.1');
    assert.equal(formatWeight(0.04), '0');
    assert.equal(describeWeight(-3.06), '−3.1: evidence against a match');
    assert.equal(describeWeight(6.24), '+6.2: evidence for a match');
    assert.equal(describeWeight(0), 'no evidence either way');
  });

  it('draws every bar of a comparison on the scale of its strongest field', () => {
    const fields = [{ weight: 8 }, { weight: -2 }, { weight: 0.5 }];
    const scale = weightScale(fields);
    assert.equal(scale, 8);
    assert.deepEqual(weightBar(8, scale), { direction: 'for', percent: 100 });
    assert.deepEqual(weightBar(-2, scale), { direction: 'against', percent: 25 });
    assert.deepEqual(weightBar(0, scale), { direction: 'neutral', percent: 0 });
    // Small weights alone are not blown up to full bars.
    assert.equal(weightScale([{ weight: 0.2 }]), 1);
    assert.deepEqual(weightBar(0.2, 1), { direction: 'for', percent: 20 });
  });

  it('labels fields, levels and grades in words', () => {
    assert.equal(fieldLabel('birthDate'), 'Birth date');
    assert.equal(fieldLabel('locality'), 'Town and postcode');
    assert.equal(fieldLabel('nationalId'), 'National id');
    assert.equal(fieldLabel('postal_code'), 'Postal code');
    assert.equal(fieldLabel('insuranceNumber'), 'Insurance number');
    assert.equal(levelLabel('dayMonthSwap'), 'day and month swapped');
    assert.equal(levelLabel('missing'), 'not on both records');
    assert.equal(levelLabel('jaro_winkler_0.92'), 'jaro winkler 0.92');
    assert.deepEqual(gradeDisplay('probable'), { label: 'Probable', tone: 'ok' });
    assert.deepEqual(gradeDisplay('certainly-not'), { label: 'Certainly not', tone: 'error' });
    assert.deepEqual(gradeDisplay('novel'), { label: 'novel', tone: 'neutral' });
  });

  it('says how a closed review was decided', () => {
    assert.equal(isOpenReview('open'), true);
    assert.equal(isOpenReview('closed'), false);
    assert.equal(decisionOutcome({ decision: 'not-a-match' }), 'Not a match');
    assert.equal(decisionOutcome({ decision: 'resolved' }), 'Settled by later changes to the records');
    assert.equal(decisionOutcome({}), undefined);
  });

  it('shows the compared values, falls back to the records, and adds the parts no field scored', () => {
    const review = buildReview({
      fields: [
        { field: 'givenName', level: 'alias', agreement: 'partial', weight: 2.5, a: 'jon', b: 'john' },
        { field: 'familyName', level: 'exact', agreement: 'agree', weight: 7.1 },
        { field: 'birthDate', level: 'dayMonthSwap', agreement: 'partial', weight: 1.2 },
        { field: 'locality', level: 'different', agreement: 'disagree', weight: -4.4, a: '2000 sydney', b: '3000' },
        { field: 'phone', level: 'missing', agreement: 'missing', weight: 0, a: '5550101' },
        { field: 'email', level: 'missing', agreement: 'missing', weight: 0 },
        { field: 'nationalId', level: 'missing', agreement: 'missing', weight: 0 },
      ],
    });
    const rows = comparisonRows(review);
    assert.deepEqual(
      rows.map((row) => [row.label, row.a, row.b, row.score?.agreement]),
      [
        ['Given name', 'jon', 'john', 'partial'],
        ['Family name', 'Jon Smith', 'John Smith', 'agree'],
        ['Birth date', '1956-04-09', '1956-09-04', 'partial'],
        ['Town and postcode', '2000 sydney', '3000', 'disagree'],
        ['Phone', '5550101', undefined, 'missing'],
        // Not scored by the matcher, but part of what a reviewer compares.
        ['Identifiers', 'MRN 1 (clinic)', undefined, undefined],
        ['Source', 'registration', 'hl7', undefined],
      ],
    );
    // Fields neither record has carry no weight and are named in one line instead.
    assert.deepEqual(absentFields(review.fields), ['Email', 'National id']);
    assert.deepEqual(countAgreements(review.fields), { agree: 1, partial: 2, disagree: 1, missing: 3 });
    // The total (4.2) is the prior plus the fields (2.5 + 7.1 + 1.2 − 4.4 + 0 = 6.4).
    assert.ok(Math.abs(priorWeight(review) - -2.2) < 1e-9);
  });
});

describe('review navigation', () => {
  const ids = ['r1', 'r2', 'r3'];

  it('steps through the queue and stops at its ends', () => {
    assert.equal(neighbourReview(ids, 'r2', 1), 'r3');
    assert.equal(neighbourReview(ids, 'r2', -1), 'r1');
    assert.equal(neighbourReview(ids, 'r3', 1), undefined);
    assert.equal(neighbourReview(ids, 'r1', -1), undefined);
    // Opened from a link, outside the loaded queue: next is the queue's first review.
    assert.equal(neighbourReview(ids, 'elsewhere', 1), 'r1');
    assert.equal(neighbourReview(ids, 'elsewhere', -1), undefined);
  });

  it('goes on to the next open review after a decision, then back to ones skipped earlier', () => {
    assert.equal(nextOpenReview(ids, 'r2'), 'r3');
    assert.equal(nextOpenReview(ids, 'r3'), 'r1');
    assert.equal(nextOpenReview(['r1'], 'r1'), undefined);
    assert.equal(nextOpenReview(ids, 'elsewhere'), 'r1');
    assert.equal(nextOpenReview([], 'r1'), undefined);
  });

  it('says where in the queue a review is', () => {
    assert.equal(queuePosition(ids, 'r2', false), 'Review 2 of 3');
    assert.equal(queuePosition(ids, 'r2', true), 'Review 2 of 3+');
    assert.equal(queuePosition(ids, 'elsewhere', false), undefined);
  });

  it('keeps the queue a review was opened from in its address', () => {
    assert.equal(reviewQueuePath('open'), '/admin/reviews');
    assert.equal(reviewQueuePath('closed'), '/admin/reviews?status=closed');
    assert.equal(reviewPath('a/b', 'open'), '/admin/reviews/a%2Fb');
    assert.equal(reviewPath('t1', 'closed'), '/admin/reviews/t1?status=closed');
    assert.equal(parseReviewStatus('closed'), 'closed');
    assert.equal(parseReviewStatus(null), 'open');
    assert.equal(parseReviewStatus('anything'), 'open');
  });
});

describe('review shortcuts and decisions', () => {
  it('binds each action to distinct keys and names them for aria-keyshortcuts', () => {
    const keys = REVIEW_SHORTCUTS.map((shortcut) => shortcut.keys);
    assert.equal(new Set(keys).size, keys.length);
    assert.equal(keysOf('link'), 'l');
    assert.equal(keysOf('next'), 'j ArrowRight');
    assert.equal(keysOf('previous'), 'k ArrowLeft');
  });

  it('names the decision that was recorded', () => {
    assert.equal(decisionLabel({ decision: 'link' }), 'Linked as the same person');
    assert.equal(decisionLabel({ decision: 'not-a-match' }), 'Marked as not a match');
    assert.equal(decisionLabel({ decision: 'merge', survivor: 'b' }), 'Merged, keeping record B');
  });

  it('reads a decision notice from history state and ignores anything else', () => {
    const notice = { reviewId: 't1', text: 'Marked as not a match: A and B.', isLastOpen: false };
    assert.deepEqual(readDecisionNotice({ notice }), notice);
    assert.equal(readDecisionNotice(null), undefined);
    assert.equal(readDecisionNotice({ notice: { reviewId: 't1' } }), undefined);
    assert.equal(readDecisionNotice('notice'), undefined);
  });

  it('explains why a decision was not recorded', () => {
    assert.match(describeDecisionError(new ApiError(409, 'Task already completed')), /already decided/);
    assert.match(describeDecisionError(new ApiError(403, 'Forbidden')), /permission/);
    assert.match(describeDecisionError(new ApiError(404, 'Not found')), /no longer exists/);
    assert.match(describeDecisionError(new ApiError(0, 'The server could not be reached.')), /could not be reached/);
    assert.equal(
      describeDecisionError(new ApiError(500, 'database unavailable')),
      'The decision was not recorded: database unavailable',
    );
    assert.equal(describeDecisionError(new Error('boom')), 'The decision was not recorded. Try again.');
  });
});
