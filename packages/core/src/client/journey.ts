import type { JourneyGraph, JourneyPath } from '../domain/journey.ts';
import type { HttpClient } from './http-client.ts';

/** Which part of a journey to read; every field is optional. */
export type JourneyFilters = {
  /** Earliest and latest time (ISO 8601 date or dateTime). */
  start?: string;
  end?: string;
  /** Resource types to keep. */
  types?: readonly string[];
  /** Codes as `system|code` or bare codes (any of them). */
  codes?: readonly string[];
  /** `Encounter/id`: the encounter and what happened during it. */
  encounter?: string;
  /** `Practitioner/id` or `Organization/id`: what this provider did. */
  provider?: string;
  count?: number;
  cursor?: string;
};

function journeyPath(patientId: string, suffix = ''): string {
  return `/api/patients/${encodeURIComponent(patientId)}/journey${suffix}`;
}

function filterQuery(filters: JourneyFilters) {
  return {
    start: filters.start,
    end: filters.end,
    type: filters.types && filters.types.length > 0 ? filters.types.join(',') : undefined,
    code: filters.codes && filters.codes.length > 0 ? filters.codes.join(',') : undefined,
    encounter: filters.encounter,
    provider: filters.provider,
    _count: filters.count,
    _cursor: filters.cursor,
  };
}

/**
 * Reads one page of a patient's journey: nodes in time order and the edges between them.
 * @example
 * const page = await getJourney(client, 'p1', { types: ['Condition', 'Procedure'], count: 500 });
 */
export function getJourney(
  client: HttpClient,
  patientId: string,
  filters: JourneyFilters = {},
  signal?: AbortSignal,
): Promise<JourneyGraph> {
  return client.get<JourneyGraph>(journeyPath(patientId), filterQuery(filters), signal);
}

/** The paths between two nodes of a journey and whether the search stopped at its cap. */
export type JourneyPaths = { paths: JourneyPath[]; truncated?: boolean };

/**
 * Finds how one node of a journey leads to another.
 * @param options - `mode` shortest (default) or all simple paths up to `maxDepth` hops
 */
export function findJourneyPaths(
  client: HttpClient,
  patientId: string,
  options: { from: string; to: string; mode?: 'shortest' | 'all'; maxDepth?: number },
  signal?: AbortSignal,
): Promise<JourneyPaths> {
  return client.get<JourneyPaths>(
    journeyPath(patientId, '/paths'),
    { from: options.from, to: options.to, mode: options.mode, maxDepth: options.maxDepth },
    signal,
  );
}

/** The WebSocket URL that streams a journey's changes, for a page served from `origin`. */
export function journeyLiveUrl(origin: string, patientId: string): string {
  return `${origin.replace(/^http/, 'ws')}${journeyPath(patientId, '/live')}`;
}
