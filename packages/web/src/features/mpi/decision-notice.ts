import type { ReviewDecision } from '@caregraph/core/domain';

/** What the screen says after a decision was recorded; carried to the next review in the history state. */
export type DecisionNotice = { reviewId: string; text: string; isLastOpen: boolean };

/** The decision in the reviewer's words, for the confirmation. */
export function decisionLabel(decision: ReviewDecision): string {
  switch (decision.decision) {
    case 'link':
      return 'Linked as the same person';
    case 'not-a-match':
      return 'Marked as not a match';
    case 'merge':
      return `Merged, keeping record ${(decision.survivor ?? 'a').toUpperCase()}`;
  }
}

/** The notice passed in a navigation's state, if it is one (history state can hold anything). */
export function readDecisionNotice(state: unknown): DecisionNotice | undefined {
  if (typeof state !== 'object' || state === null || !('notice' in state)) {
    return undefined;
  }
  const { notice } = state;
  if (typeof notice !== 'object' || notice === null) {
    return undefined;
  }
  const { reviewId, text, isLastOpen } = notice as Record<string, unknown>;
  return typeof reviewId === 'string' && typeof text === 'string' && typeof isLastOpen === 'boolean'
    ? { reviewId, text, isLastOpen }
    : undefined;
}
