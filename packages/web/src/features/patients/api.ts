import type { Bundle, Patient } from '@caregraph/core/fhir';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useClient } from '../session/SessionProvider.tsx';
import { patientSearchParams } from './patient-display.ts';

export const PATIENT_PAGE_SIZE = 20;

/** Patients matching what was typed (name, birth date or identifier), sorted by family name. */
export function usePatientSearch(term: string) {
  const client = useClient();
  const params = patientSearchParams(term);
  return useQuery({
    queryKey: ['patients', 'search', params],
    queryFn: async ({ signal }) => {
      const bundle = await client.get<Bundle<Patient>>(
        '/fhir/R4/Patient',
        { ...params, _count: PATIENT_PAGE_SIZE, _sort: 'family,given', _total: 'accurate' },
        signal,
      );
      return {
        patients: (bundle.entry ?? []).flatMap((entry) => (entry.resource ? [entry.resource] : [])),
        total: bundle.total,
      };
    },
    placeholderData: keepPreviousData,
  });
}

/** One patient by id. */
export function usePatient(patientId: string) {
  const client = useClient();
  return useQuery({
    queryKey: ['patients', 'read', patientId],
    queryFn: ({ signal }) => client.get<Patient>(`/fhir/R4/Patient/${encodeURIComponent(patientId)}`, {}, signal),
  });
}
