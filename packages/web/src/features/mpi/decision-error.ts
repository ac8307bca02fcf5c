import { ApiError } from '@caregraph/core/client';
import { describeError } from '../../components/describe-error.ts';

/** Why a decision on a review was not recorded, in words a reviewer can act on. */
export function describeDecisionError(error: unknown): string {
  if (error instanceof ApiError) {
    switch (error.status) {
      case 409:
        return 'This review was already decided, perhaps by someone else; it now shows the recorded outcome.';
      case 403:
        return 'You do not have permission to decide duplicate reviews.';
      case 404:
        return 'This review no longer exists.';
      case 0:
      case 401:
        return describeError(error, 'the decision');
      default:
        return `The decision was not recorded: ${error.message}`;
    }
  }
  return 'The decision was not recorded. Try again.';
}
