import { useCallback, useEffect, useState } from 'react';
import {
  describeFetchError,
  parseReadiness,
  summarizeCapabilities,
  type Readiness,
  type ServerSummary,
} from './summary.ts';

export const READINESS_URL = '/readyz';
export const METADATA_URL = '/fhir/R4/metadata';

/** The state of one request: loading, failed with a readable message, or done. */
export type Loadable<T> = { state: 'loading' } | { state: 'error'; message: string } | { state: 'done'; value: T };

/** A request's state plus a way to send it again. */
export type LoadableResult<T> = { result: Loadable<T>; reload: () => void };

/**
 * GETs JSON from a public endpoint (no credentials).
 * @param okStatuses - statuses whose body is still meaningful; `/readyz` explains a 503 in its body
 */
async function getJson(url: string, signal: AbortSignal, okStatuses: readonly number[] = []): Promise<unknown> {
  const response = await fetch(url, { signal, headers: { Accept: 'application/json' }, credentials: 'omit' });
  if (!response.ok && !okStatuses.includes(response.status)) {
    throw new Error(`${url} answered HTTP ${response.status}.`);
  }
  return response.json();
}

function useLoad<T>(url: string, load: (signal: AbortSignal) => Promise<T>): LoadableResult<T> {
  const [result, setResult] = useState<Loadable<T>>({ state: 'loading' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    setResult({ state: 'loading' });
    load(controller.signal).then(
      (value) => {
        if (!controller.signal.aborted) {
          setResult({ state: 'done', value });
        }
      },
      (error: unknown) => {
        if (!controller.signal.aborted) {
          setResult({ state: 'error', message: describeFetchError(error, url) });
        }
      },
    );
    return () => {
      controller.abort();
    };
  }, [url, load, attempt]);
  const reload = useCallback(() => {
    setAttempt((n) => n + 1);
  }, []);
  return { result, reload };
}

const loadReadiness = async (signal: AbortSignal) => parseReadiness(await getJson(READINESS_URL, signal, [503]));
const loadCapabilities = async (signal: AbortSignal) => summarizeCapabilities(await getJson(METADATA_URL, signal));

/** The server's readiness and database mode, from `/readyz`. */
export function useReadiness(): LoadableResult<Readiness> {
  return useLoad(READINESS_URL, loadReadiness);
}

/** What the FHIR API supports, from the CapabilityStatement at `/fhir/R4/metadata`. */
export function useCapabilities(): LoadableResult<ServerSummary> {
  return useLoad(METADATA_URL, loadCapabilities);
}
