import { searchNextPage, searchResources, type HttpClient, type SearchPage } from '@caregraph/core/client';
import type { AuditEvent } from '@caregraph/core/fhir';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { fetchUsers } from '../admin-users/api.ts';
import { useClient } from '../session/SessionProvider.tsx';
import { auditSearchParams, type AuditFilter } from './audit-filter.ts';
import { parseAuditEntry, type AuditEntryView } from './audit-display.ts';
import {
  verifyInclusionProof,
  type InclusionProofJson,
  type ProofReport,
  type PublicKeysJson,
} from './verify-proof.ts';

/** Entries per page of the explorer (one FHIR search page). */
export const AUDIT_PAGE_SIZE = 50;

/**
 * The `agent` value of a user filter: an e-mail address becomes that user's id (entries name users
 * by id); anything else (a user id, an API key's label) is searched as given. An address with no
 * account is searched as given too, and so finds nothing, which is the right answer.
 */
export async function resolveAgent(client: HttpClient, user: string, signal?: AbortSignal): Promise<string> {
  if (!user.includes('@')) {
    return user;
  }
  const users = await fetchUsers(client, { search: user.toLowerCase(), limit: 20, offset: 0 }, signal);
  return users.find((candidate) => candidate.email.toLowerCase() === user.toLowerCase())?.id ?? user;
}

type AuditPage = SearchPage<AuditEvent>;

/** The audit entries matching a filter, newest first, paged through the search's `next` links. */
export function useAuditEvents(filter: AuditFilter, isEnabled: boolean) {
  const client = useClient();
  const query = useInfiniteQuery({
    queryKey: ['audit', 'events', filter],
    queryFn: async ({ pageParam, signal }): Promise<AuditPage> => {
      if (pageParam !== undefined) {
        return searchNextPage<AuditEvent>(client, pageParam, signal);
      }
      const agent = await resolveAgent(client, filter.user, signal);
      return searchResources<AuditEvent>(
        client,
        'AuditEvent',
        auditSearchParams(filter, agent, AUDIT_PAGE_SIZE),
        signal,
      );
    },
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last: AuditPage) => last.next,
    enabled: isEnabled,
    // The trail grows all the time: a filter opened again is searched again.
    staleTime: 0,
  });
  const pages = query.data?.pages;
  const events = useMemo(() => (pages ?? []).flatMap((page) => page.resources), [pages]);
  return { ...query, events };
}

/**
 * E-mail addresses by user id, to show who acted instead of an id. Best effort: without the right
 * to list users (or while loading) the explorer shows ids.
 */
export function useUserDirectory(): ReadonlyMap<string, string> {
  const client = useClient();
  const { data } = useQuery({
    queryKey: ['admin-users', 'directory'],
    queryFn: ({ signal }) => fetchUsers(client, { limit: 500, offset: 0 }, signal),
    staleTime: 5 * 60_000,
    retry: false,
  });
  return useMemo(() => new Map((data ?? []).map((user) => [user.id, user.email])), [data]);
}

/** WebCrypto, which browsers offer only to secure pages (HTTPS, or the loopback address). */
function requireSubtleCrypto(): SubtleCrypto {
  // The DOM types declare `crypto.subtle` always present; on a plain-HTTP page it is not.
  const subtle = globalThis.crypto.subtle as SubtleCrypto | undefined;
  if (!subtle) {
    throw new Error('This page is not served over HTTPS, so the browser offers no WebCrypto to verify proofs with.');
  }
  return subtle;
}

/** An entry's proof, checked in this page: the entry as proven, the proof, and each step's result. */
export type VerifiedEntry = { entry: AuditEntryView | undefined; proof: InclusionProofJson; report: ProofReport };

/**
 * Fetches an entry's inclusion proof in the latest signed tree head and the published signing keys,
 * then verifies both here with WebCrypto. Refetching verifies again (against a newer head).
 */
export function useVerifiedEntry(entryId: string) {
  const client = useClient();
  return useQuery({
    queryKey: ['audit', 'proof', entryId],
    queryFn: async ({ signal }): Promise<VerifiedEntry> => {
      const [proof, publicKeys] = await Promise.all([
        client.get<InclusionProofJson>('/api/audit/proofs/inclusion', { entryId }, signal),
        client.get<PublicKeysJson>('/api/audit/public-keys', {}, signal),
      ]);
      const report = await verifyInclusionProof(requireSubtleCrypto(), { expectedEntryId: entryId, proof, publicKeys });
      return { entry: parseAuditEntry(proof.entry), proof, report };
    },
    enabled: entryId !== '',
    staleTime: 0,
  });
}
