import { searchNextPage, searchResources, type SearchPage } from '@caregraph/core/client';
import type { Bundle, Patient } from '@caregraph/core/fhir';
import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useClient } from '../session/SessionProvider.tsx';
import { patientSearchParams } from './patient-display.ts';

export const PATIENT_PAGE_SIZE = 20;

/** Rows per FHIR page of the patient list; the list loads the next page as its end scrolls into view. */
export const PATIENT_LIST_PAGE_SIZE = 50;

const SORT = 'family,given';

/**
 * Patients matching what was typed (name, birth date or identifier), sorted by family name: the
 * first page only, for suggestions. `enabled: false` sends nothing (an empty search box).
 */
export function usePatientSearch(term: string, options: { enabled?: boolean; count?: number } = {}) {
  const client = useClient();
  const params = patientSearchParams(term);
  const count = options.count ?? PATIENT_PAGE_SIZE;
  return useQuery({
    queryKey: ['patients', 'search', params, count],
    queryFn: async ({ signal }) => {
      const bundle = await client.get<Bundle<Patient>>(
        '/fhir/R4/Patient',
        { ...params, _count: count, _sort: SORT, _total: 'accurate' },
        signal,
      );
      return {
        patients: (bundle.entry ?? []).flatMap((entry) => (entry.resource ? [entry.resource] : [])),
        total: bundle.total,
      };
    },
    placeholderData: keepPreviousData,
    enabled: options.enabled ?? true,
  });
}

/**
 * Every patient matching what was typed, page after page through the server's `next` links: one
 * request per page of {@link PATIENT_LIST_PAGE_SIZE}, never one per row.
 */
export function usePatientList(term: string) {
  const client = useClient();
  const params = patientSearchParams(term);
  const query = useInfiniteQuery({
    queryKey: ['patients', 'list', params],
    queryFn: ({ pageParam, signal }): Promise<SearchPage<Patient>> =>
      pageParam
        ? searchNextPage<Patient>(client, pageParam, signal)
        : searchResources<Patient>(
            client,
            'Patient',
            { ...params, _count: PATIENT_LIST_PAGE_SIZE, _sort: SORT, _total: 'accurate' },
            signal,
          ),
    initialPageParam: '',
    getNextPageParam: (last) => last.next,
    placeholderData: keepPreviousData,
  });
  const pages = query.data?.pages;
  const patients = useMemo(() => (pages ?? []).flatMap((page) => page.resources), [pages]);
  return { ...query, patients, total: pages?.[0]?.total };
}

/** One patient by id. */
export function usePatient(patientId: string) {
  const client = useClient();
  return useQuery({
    queryKey: ['patients', 'read', patientId],
    queryFn: ({ signal }) => client.get<Patient>(`/fhir/R4/Patient/${encodeURIComponent(patientId)}`, {}, signal),
  });
}
