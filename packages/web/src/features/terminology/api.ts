import { ApiError, suggestConcepts, type ConceptSuggestion } from '@caregraph/core/client';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useClient } from '../session/SessionProvider.tsx';

/** Canonical urls of the code systems the chart's forms search. */
export const CODE_SYSTEMS = {
  snomed: 'http://snomed.info/sct',
  icd10cm: 'http://hl7.org/fhir/sid/icd-10-cm',
  loinc: 'http://loinc.org',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
} as const;

/** The server's typeahead wants at least this many characters besides spaces. */
export const MIN_QUERY_LENGTH = 2;

function isUnknownSystem(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    error.status === 400 &&
    typeof error.body === 'object' &&
    error.body !== null &&
    (error.body as { code?: unknown }).code === 'TERM_UNKNOWN_SYSTEM'
  );
}

export type SuggestionSource = {
  /** The code systems to search first. */
  systems: readonly string[];
  /** Searched instead when none of `systems` is loaded (e.g. SNOMED CT substances when RxNorm is not). */
  fallbackSystems?: readonly string[];
  count?: number;
};

/** Suggestions for what was typed (already debounced by the caller); idle below two characters. */
export function useConceptSuggestions(text: string, source: SuggestionSource) {
  const client = useClient();
  const trimmed = text.trim();
  const { systems, fallbackSystems, count = 12 } = source;
  return useQuery({
    queryKey: ['terminology', 'search', trimmed, systems, fallbackSystems, count],
    queryFn: async ({ signal }): Promise<ConceptSuggestion[]> => {
      try {
        return await suggestConcepts(client, { text: trimmed, systems, count }, signal);
      } catch (error) {
        if (fallbackSystems && isUnknownSystem(error)) {
          return suggestConcepts(client, { text: trimmed, systems: fallbackSystems, count }, signal);
        }
        throw error;
      }
    },
    enabled: trimmed.length >= MIN_QUERY_LENGTH,
    // Code systems change only when a release is loaded: suggestions stay good for the session.
    staleTime: 10 * 60_000,
    placeholderData: keepPreviousData,
  });
}
