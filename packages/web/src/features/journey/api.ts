import { findJourneyPaths, getJourney, type HttpClient } from '@caregraph/core/client';
import type { JourneyEdge, JourneyGraph, JourneyNode } from '@caregraph/core/domain';
import type { Resource } from '@caregraph/core/fhir';
import { useQuery } from '@tanstack/react-query';
import { useClient } from '../session/SessionProvider.tsx';
import type { LoadedJourney } from './loaded-journey.ts';

/** How many nodes one request asks for, and how many the views load at most. */
export const JOURNEY_PAGE_SIZE = 1000;
export const JOURNEY_MAX_NODES = 10_000;

export const journeyKey = (patientId: string) => ['journey', patientId] as const;

/** Reads the journey page by page along the timeline (edges are deduplicated across pages). */
export async function loadJourney(client: HttpClient, patientId: string, signal?: AbortSignal): Promise<LoadedJourney> {
  const nodes: JourneyNode[] = [];
  const edges = new Map<string, JourneyEdge>();
  let cursor: string | undefined;
  do {
    const page: JourneyGraph = await getJourney(client, patientId, { count: JOURNEY_PAGE_SIZE, cursor }, signal);
    nodes.push(...page.nodes);
    for (const edge of page.edges) {
      edges.set(`${edge.from}|${edge.relation}|${edge.to}`, edge);
    }
    cursor = page.next ?? undefined;
  } while (cursor && nodes.length < JOURNEY_MAX_NODES);
  const refs = new Set(nodes.map((node) => node.ref));
  // A page's edges may point into later pages; keep only edges whose ends were loaded.
  const joined = [...edges.values()].filter((edge) => refs.has(edge.from) && refs.has(edge.to));
  return { nodes, edges: joined, truncated: cursor !== undefined };
}

/** The patient's whole journey (up to JOURNEY_MAX_NODES nodes). */
export function useJourney(patientId: string) {
  const client = useClient();
  return useQuery({
    queryKey: journeyKey(patientId),
    queryFn: ({ signal }) => loadJourney(client, patientId, signal),
  });
}

/** The shortest path between two nodes, once both are chosen. */
export function useJourneyPath(patientId: string, from: string | undefined, to: string | undefined) {
  const client = useClient();
  return useQuery({
    queryKey: ['journey', patientId, 'path', from, to],
    queryFn: ({ signal }) =>
      findJourneyPaths(client, patientId, { from: from ?? '', to: to ?? '', mode: 'shortest' }, signal),
    enabled: from !== undefined && to !== undefined && from !== to,
  });
}

/** One FHIR resource by reference (`Type/id`), for drilling into a node. */
export function useResource(ref: string | undefined) {
  const client = useClient();
  return useQuery({
    queryKey: ['fhir', ref],
    queryFn: ({ signal }) => client.get<Resource>(`/fhir/R4/${ref ?? ''}`, {}, signal),
    enabled: ref !== undefined,
  });
}
