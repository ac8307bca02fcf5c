import { ApiError } from '@caregraph/core/client';

/**
 * Whether a failed query is worth retrying: network failures and server errors may pass, but a
 * 4xx (bad request, no access, not found) will fail the same way again.
 */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status >= 400 && error.status < 500) {
    return false;
  }
  return failureCount < 2;
}
