import {
  createResource,
  searchNextPage,
  searchResources,
  type QueryParams,
  type SearchPage,
} from '@caregraph/core/client';
import type {
  AllergyIntolerance,
  Condition,
  DiagnosticReport,
  DocumentReference,
  Encounter,
  Immunization,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Resource,
  ResourceType,
} from '@caregraph/core/fhir';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useClient } from '../session/SessionProvider.tsx';

/** Rows per FHIR page; longer lists load more pages on request. */
export const CHART_PAGE_SIZE = 100;

/** Every query of one patient's chart for a resource type starts with this key, so a write can refresh them. */
export function chartKey(patientId: string, resourceType: ResourceType) {
  return ['chart', patientId, resourceType] as const;
}

/**
 * One FHIR search of a patient's chart, paged by the server's `next` links: the whole tab comes
 * from this one request (plus `_include`d resources), never one request per row.
 */
export function useChartSearch<T extends Resource>(patientId: string, resourceType: ResourceType, params: QueryParams) {
  const client = useClient();
  const query = useInfiniteQuery({
    queryKey: [...chartKey(patientId, resourceType), params],
    queryFn: ({ pageParam, signal }): Promise<SearchPage<T>> =>
      pageParam
        ? searchNextPage<T>(client, pageParam, signal)
        : searchResources<T>(client, resourceType, { patient: patientId, _count: CHART_PAGE_SIZE, ...params }, signal),
    initialPageParam: '',
    getNextPageParam: (last) => last.next,
    enabled: patientId !== '',
  });
  const pages = query.data?.pages;
  const resources = useMemo(() => (pages ?? []).flatMap((page) => page.resources), [pages]);
  const included = useMemo(() => (pages ?? []).flatMap((page) => page.included), [pages]);
  // Virtualised lists fetch the next page by themselves at their end, unless that just failed
  // (then the error and its retry button are shown instead of retrying in a loop).
  const canAutoFetch = query.hasNextPage && !query.isFetchingNextPage && !query.isFetchNextPageError;
  return { ...query, resources, included, total: pages?.[0]?.total, canAutoFetch };
}

/** A search result as a tab shows it: rows, loading and error state, and more pages. */
export type ChartSearch<T extends Resource> = ReturnType<typeof useChartSearch<T>>;

export const useConditions = (patientId: string) => useChartSearch<Condition>(patientId, 'Condition', {});

export const useAllergies = (patientId: string) =>
  useChartSearch<AllergyIntolerance>(patientId, 'AllergyIntolerance', {});

export const useMedicationRequests = (patientId: string) =>
  useChartSearch<MedicationRequest>(patientId, 'MedicationRequest', {
    _sort: '-authoredon',
    _include: 'MedicationRequest:medication',
  });

export const useMedicationStatements = (patientId: string) =>
  useChartSearch<MedicationStatement>(patientId, 'MedicationStatement', {
    _include: 'MedicationStatement:medication',
  });

export const useVitalSigns = (patientId: string) =>
  useChartSearch<Observation>(patientId, 'Observation', { category: 'vital-signs', _sort: '-date' });

export const useLabResults = (patientId: string) =>
  useChartSearch<Observation>(patientId, 'Observation', { category: 'laboratory', _sort: '-date' });

export const useDiagnosticReports = (patientId: string) =>
  useChartSearch<DiagnosticReport>(patientId, 'DiagnosticReport', { _sort: '-date' });

export const useEncounters = (patientId: string) =>
  useChartSearch<Encounter>(patientId, 'Encounter', { _sort: '-date' });

export const useImmunizations = (patientId: string) =>
  useChartSearch<Immunization>(patientId, 'Immunization', { _sort: '-date' });

export const useDocuments = (patientId: string) =>
  useChartSearch<DocumentReference>(patientId, 'DocumentReference', { _sort: '-date' });

/**
 * Creates a resource in the patient's chart through the FHIR API and, once stored, refreshes
 * every query of its type so the new entry shows in its tab (and in the header and summary).
 */
export function useCreateChartResource<T extends Resource>(patientId: string) {
  const client = useClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (resource: T) => createResource<T>(client, resource),
    onSuccess: (saved) => queryClient.invalidateQueries({ queryKey: chartKey(patientId, saved.resourceType) }),
  });
}
