import { ApiError } from '@caregraph/core/client';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useSession } from '../session/SessionProvider.tsx';
import { appendSnapshot, snapshotOf, type MetricsSnapshot } from './health-series.ts';
import { parsePrometheusText } from './prometheus-text.ts';

export const METRICS_URL = '/metrics';

/** How often the screen scrapes `/metrics`. */
export const POLL_INTERVAL_MS = 5000;

const WINDOW_KEY = ['platform-health', 'window'] as const;

/**
 * GETs the Prometheus text. `/metrics` is public on this server (like the health checks), but the
 * session's credential is sent anyway, so a deployment that guards it behind the API's bearer
 * authentication keeps working. Errors are ApiErrors, worded as the API client words them.
 */
export async function fetchMetricsText(token: string | undefined, signal?: AbortSignal): Promise<string> {
  let response: Response;
  try {
    response = await fetch(METRICS_URL, {
      headers: { Accept: 'text/plain', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (signal?.aborted) {
      throw error;
    }
    throw new ApiError(0, 'The server could not be reached. Check the network connection and try again.');
  }
  if (!response.ok) {
    throw new ApiError(response.status, response.statusText || `HTTP ${response.status}`);
  }
  return response.text();
}

/**
 * The rolling window of scrapes, polled every five seconds while the screen is open. The window
 * lives in the query cache, so leaving the screen and coming back keeps the recent history.
 */
export function useMetricsWindow() {
  const { session } = useSession();
  const queryClient = useQueryClient();
  return useQuery({
    queryKey: WINDOW_KEY,
    queryFn: async ({ signal }): Promise<MetricsSnapshot[]> => {
      const text = await fetchMetricsText(session?.token, signal);
      const snapshot = snapshotOf(parsePrometheusText(text), Date.now());
      return appendSnapshot(queryClient.getQueryData<MetricsSnapshot[]>(WINDOW_KEY) ?? [], snapshot);
    },
    refetchInterval: POLL_INTERVAL_MS,
    // Each scrape is a new point: never served from the cache, never held back in a background tab.
    staleTime: 0,
    gcTime: 15 * 60_000,
    refetchIntervalInBackground: false,
  });
}
