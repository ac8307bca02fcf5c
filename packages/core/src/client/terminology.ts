import type { HttpClient } from './http-client.ts';

/** How a suggestion matched what was typed: its code, the start of its code, a word, or by similarity. */
export type ConceptMatch = 'code' | 'code-prefix' | 'word-prefix' | 'similar';

/** One suggestion of the terminology typeahead. */
export type ConceptSuggestion = {
  /** The code system's canonical url, e.g. `http://snomed.info/sct`. */
  system: string;
  /** The code system's name for people, e.g. `SNOMED CT`. */
  systemName: string;
  code: string;
  /** The concept's display (its code when it has none). */
  display: string;
  inactive: boolean;
  matchedOn: ConceptMatch;
};

/** What to suggest. */
export type ConceptQuery = {
  /** What was typed: at least 2 characters besides spaces. */
  text: string;
  /** Only these code systems (canonical urls); every loaded one when absent. */
  systems?: readonly string[];
  /** Only concepts of this value set (canonical url). */
  valueSet?: string;
  /** At most this many suggestions (1–100; the server's default is 20). */
  count?: number;
};

/**
 * Suggests concepts for what was typed, best first (`GET /api/terminology/search`).
 * @throws ApiError 400 `TERM_UNKNOWN_SYSTEM` when a system asked for is not loaded
 * @example
 * const items = await suggestConcepts(client, { text: 'diab', systems: ['http://snomed.info/sct'], count: 10 });
 */
export async function suggestConcepts(
  client: HttpClient,
  query: ConceptQuery,
  signal?: AbortSignal,
): Promise<ConceptSuggestion[]> {
  const answer = await client.get<{ items: ConceptSuggestion[] }>(
    '/api/terminology/search',
    { q: query.text, system: query.systems, valueSet: query.valueSet, count: query.count },
    signal,
  );
  return answer.items;
}
