import type { Appointment, Bundle, CareTeam, Organization, Practitioner, Reference } from '@caregraph/core/fhir';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useChartSearch } from '../chart/api.ts';
import { useClient, useSession } from '../session/SessionProvider.tsx';
import type { AccessLogPage } from './access-log.ts';
import { portalIdentityOf, type PortalIdentity } from './portal-identity.ts';

/** Who is signed in, as far as the portal cares: the patient they are, if any. */
export function usePortalIdentity(): PortalIdentity {
  const { session } = useSession();
  return useMemo(() => (session ? portalIdentityOf(session.user) : { patientId: undefined }), [session]);
}

/** The patient's appointments (FHIR Appointment), oldest first; the screen splits them at now. */
export const useAppointments = (patientId: string) =>
  useChartSearch<Appointment>(patientId, 'Appointment', { _sort: 'date' });

/** The care teams the patient is the subject of. */
export const useCareTeams = (patientId: string) => useChartSearch<CareTeam>(patientId, 'CareTeam', {});

type NamedResource = Practitioner | Organization;

/** Practitioner and Organization references by type: the only kinds a care team names here. */
function idsOf(references: readonly (Reference | undefined)[], type: NamedResource['resourceType']): string[] {
  const prefix = `${type}/`;
  const ids = references.flatMap((reference) =>
    reference?.reference?.startsWith(prefix) ? [reference.reference.slice(prefix.length)] : [],
  );
  return [...new Set(ids)].sort();
}

/**
 * The Practitioners and Organizations behind a set of references, read with one search per type
 * (`_id=a,b,c`) however many rows name them, keyed by `Type/id`.
 */
export function useNamedResources(references: readonly (Reference | undefined)[]) {
  const client = useClient();
  const practitioners = idsOf(references, 'Practitioner');
  const organizations = idsOf(references, 'Organization');
  return useQuery({
    queryKey: ['portal', 'named', practitioners, organizations],
    queryFn: async ({ signal }) => {
      const read = async (type: NamedResource['resourceType'], ids: string[]) =>
        ids.length === 0
          ? []
          : (
              (
                await client.get<Bundle<NamedResource>>(
                  `/fhir/R4/${type}`,
                  { _id: ids.join(','), _count: ids.length },
                  signal,
                )
              ).entry ?? []
            ).flatMap((entry) => (entry.resource ? [entry.resource] : []));
      const found = [...(await read('Practitioner', practitioners)), ...(await read('Organization', organizations))];
      return new Map(found.map((resource) => [`${resource.resourceType}/${resource.id ?? ''}`, resource]));
    },
    enabled: practitioners.length + organizations.length > 0,
  });
}

/** How many access entries one page of the list asks for. */
export const ACCESS_PAGE_SIZE = 25;

/**
 * Who accessed the signed-in patient's record, newest first, from the audit trail
 * (`GET /api/audit/my-record-access`; the server takes the patient from the token), page by page.
 */
export function useRecordAccess(includeOwn: boolean) {
  const client = useClient();
  const query = useInfiniteQuery({
    queryKey: ['portal', 'record-access', includeOwn],
    queryFn: ({ pageParam, signal }) =>
      client.get<AccessLogPage>(
        '/api/audit/my-record-access',
        { limit: ACCESS_PAGE_SIZE, offset: pageParam, includeOwn },
        signal,
      ),
    initialPageParam: 0,
    getNextPageParam: (last) => last.nextOffset,
  });
  const pages = query.data?.pages;
  const entries = useMemo(() => (pages ?? []).flatMap((page) => page.entries), [pages]);
  return { ...query, entries };
}
