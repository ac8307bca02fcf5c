import { ApiError } from '@caregraph/core/client';

/** A sentence for a failed request that a user can act on; never a stack trace. */
export function describeError(error: unknown, what: string): string {
  if (error instanceof ApiError) {
    switch (error.status) {
      case 0:
        return error.message;
      case 401:
        return 'Your sign-in is no longer accepted. Sign out and sign in again.';
      case 403:
        return `You do not have access to ${what}.`;
      case 404:
        return `${what.charAt(0).toUpperCase()}${what.slice(1)} was not found.`;
      default:
        return `Could not load ${what}: ${error.message}`;
    }
  }
  return `Could not load ${what}. Try again.`;
}
