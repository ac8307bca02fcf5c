import type { Organization, Practitioner, PractitionerRole, Reference, ServiceRequest } from '@medplum/fhirtypes';
import type { Queryable } from '../../../platform/db/index.ts';
import { searchAll, type FhirFetch } from './fhir-fetch.ts';
import { requirePatient, type JourneyScope } from './journey-nodes.ts';

/** A provider who saw the patient: an organisation, a practitioner or a practitioner's role. */
export type CareProvider = {
  ref: string;
  kind: 'Organization' | 'Practitioner' | 'PractitionerRole';
  name?: string;
  firstContact: string | null;
  lastContact: string | null;
  /** Journey nodes naming this provider, and how many of them are encounters. */
  contacts: number;
  encounters: number;
};

/** A referral from one organisation to another, through a ServiceRequest. */
export type Referral = {
  from: string;
  to: string;
  serviceRequest: string;
  time: string | null;
  /** Encounters based on the ServiceRequest: where the referral was taken up. */
  encounters: string[];
};

export type CarePathway = { providers: CareProvider[]; referrals: Referral[] };

type ProviderRow = {
  provider: string;
  first_contact: Date | null;
  last_contact: Date | null;
  contacts: number;
  encounters: number;
};

/** The resources the patient's Consents hide from the caller, as a statement parameter. */
const hiddenOf = (scope: JourneyScope): string[] => [...(scope.hidden ?? [])];

/** The providers of a patient's journey in order of first contact, with their counts and dates. */
async function readProviders(db: Queryable, scope: JourneyScope): Promise<CareProvider[]> {
  const { rows } = await db.query<ProviderRow>(
    `SELECT p.provider,
            min(n.start_time) AS first_contact,
            max(coalesce(n.end_time, n.start_time)) AS last_contact,
            count(*)::int AS contacts,
            (count(*) FILTER (WHERE n.resource_type = 'Encounter'))::int AS encounters
     FROM journey_node n CROSS JOIN LATERAL unnest(n.providers) AS p(provider)
     WHERE n.tenant_id = $1 AND n.patient_id = $2 AND NOT (n.resource_type || '/' || n.resource_id = ANY($3::text[]))
     GROUP BY p.provider
     ORDER BY min(n.start_time) NULLS LAST, p.provider`,
    [scope.tenantId, scope.patientId, hiddenOf(scope)],
    { name: 'journey-care-providers' },
  );
  return rows.map((row) => ({
    ref: row.provider,
    kind: row.provider.slice(0, row.provider.indexOf('/')) as CareProvider['kind'],
    firstContact: row.first_contact === null ? null : new Date(row.first_contact).toISOString(),
    lastContact: row.last_contact === null ? null : new Date(row.last_contact).toISOString(),
    contacts: row.contacts,
    encounters: row.encounters,
  }));
}

function displayName(resource: Organization | Practitioner): string | undefined {
  if (resource.resourceType === 'Organization') {
    return resource.name;
  }
  const name = resource.name?.[0];
  return (
    name?.text ??
    ([...(name?.prefix ?? []), ...(name?.given ?? []), name?.family].filter(Boolean).join(' ') || undefined)
  );
}

/** A search of our own making that fails is a server error, not the client's. */
const searchFailed = (diagnostics: string) => new Error(`reading the care pathway failed: ${diagnostics}`);

/** Names of the organisations and practitioners, read through the FHIR API in one search per type. */
async function nameProviders(fetch: FhirFetch, providers: CareProvider[]): Promise<void> {
  for (const kind of ['Organization', 'Practitioner'] as const) {
    const ids = providers
      .filter((provider) => provider.kind === kind)
      .map((provider) => provider.ref.slice(kind.length + 1));
    for (let start = 0; start < ids.length; start += 100) {
      const found = await searchAll<Organization | Practitioner>(
        fetch,
        kind,
        [['_id', ids.slice(start, start + 100).join(',')]],
        searchFailed,
      );
      const names = new Map(found.map((resource) => [`${kind}/${resource.id ?? ''}`, displayName(resource)]));
      for (const provider of providers) {
        const name = names.get(provider.ref);
        if (name) {
          provider.name = name;
        }
      }
    }
  }
}

type ReferralRow = {
  service_request: string;
  organisations: string[] | null;
  taken_up_in: string[] | null;
  taken_up_by: string[] | null;
};

/**
 * Per ServiceRequest of the journey: the organisations of the encounter it was requested in, and
 * the encounters based on it with their organisations, from the projection alone.
 */
async function readReferralContext(db: Queryable, scope: JourneyScope): Promise<Map<string, ReferralRow>> {
  const { rows } = await db.query<ReferralRow>(
    `SELECT s.resource_id AS service_request,
            (SELECT array_agg(p) FROM journey_node e, unnest(e.providers) AS p
             WHERE e.tenant_id = $1 AND e.patient_id = $2 AND e.resource_type = 'Encounter'
               AND e.resource_id = s.encounter_id AND p LIKE 'Organization/%'
               AND NOT ('Encounter/' || e.resource_id = ANY($3::text[]))) AS organisations,
            (SELECT array_agg(b.from_id ORDER BY b.from_id) FROM journey_edge b
             WHERE b.tenant_id = $1 AND b.patient_id = $2 AND b.relation = 'based-on' AND b.from_type = 'Encounter'
               AND b.to_type = 'ServiceRequest' AND b.to_id = s.resource_id
               AND NOT ('Encounter/' || b.from_id = ANY($3::text[]))) AS taken_up_in,
            (SELECT array_agg(DISTINCT p) FROM journey_edge b
             JOIN journey_node e ON e.tenant_id = $1 AND e.patient_id = $2 AND e.resource_type = 'Encounter' AND e.resource_id = b.from_id
             CROSS JOIN LATERAL unnest(e.providers) AS p
             WHERE b.tenant_id = $1 AND b.patient_id = $2 AND b.relation = 'based-on' AND b.from_type = 'Encounter'
               AND b.to_type = 'ServiceRequest' AND b.to_id = s.resource_id AND p LIKE 'Organization/%'
               AND NOT ('Encounter/' || b.from_id = ANY($3::text[]))) AS taken_up_by
     FROM journey_node s
     WHERE s.tenant_id = $1 AND s.patient_id = $2 AND s.resource_type = 'ServiceRequest'
       AND NOT ('ServiceRequest/' || s.resource_id = ANY($3::text[]))`,
    [scope.tenantId, scope.patientId, hiddenOf(scope)],
    { name: 'journey-referral-context' },
  );
  return new Map(rows.map((row) => [row.service_request, row]));
}

/** The organisations behind references: an Organization itself, or a PractitionerRole's organisation. */
function organisationsOf(references: Array<Reference | undefined>, roles: ReadonlyMap<string, string>): string[] {
  return references.flatMap((reference) => {
    const ref = reference?.reference ?? '';
    if (ref.startsWith('Organization/')) {
      return [ref];
    }
    const organisation = ref.startsWith('PractitionerRole/') ? roles.get(ref) : undefined;
    return organisation ? [organisation] : [];
  });
}

async function readRoles(fetch: FhirFetch, requests: ServiceRequest[]): Promise<Map<string, string>> {
  const ids = [
    ...new Set(
      requests
        .flatMap((request) => [request.requester, ...(request.performer ?? [])])
        .map((reference) => reference?.reference ?? '')
        .filter((ref) => ref.startsWith('PractitionerRole/'))
        .map((ref) => ref.slice('PractitionerRole/'.length)),
    ),
  ];
  const roles = new Map<string, string>();
  for (let start = 0; start < ids.length; start += 100) {
    const found = await searchAll<PractitionerRole>(
      fetch,
      'PractitionerRole',
      [['_id', ids.slice(start, start + 100).join(',')]],
      searchFailed,
    );
    for (const role of found) {
      if (role.organization?.reference) {
        roles.set(`PractitionerRole/${role.id ?? ''}`, role.organization.reference);
      }
    }
  }
  return roles;
}

/**
 * Referral edges between organisations: for each ServiceRequest, from the requesting organisation
 * (the requester, or the organisation of the encounter it was written in) to each performing one
 * (the performer, or the organisation of an encounter based on it).
 */
async function readReferrals(db: Queryable, fetch: FhirFetch, scope: JourneyScope): Promise<Referral[]> {
  const context = await readReferralContext(db, scope);
  if (context.size === 0) {
    return [];
  }
  const requests = await searchAll<ServiceRequest>(
    fetch,
    'ServiceRequest',
    [['subject', `Patient/${scope.patientId}`]],
    searchFailed,
  );
  const roles = await readRoles(fetch, requests);
  const referrals: Referral[] = [];
  for (const request of requests) {
    const row = context.get(request.id ?? '');
    if (!row) {
      continue;
    }
    const requesters = organisationsOf([request.requester], roles);
    const from = requesters.length > 0 ? requesters : (row.organisations ?? []);
    const performers = organisationsOf(request.performer ?? [], roles);
    const to = performers.length > 0 ? performers : (row.taken_up_by ?? []);
    for (const source of new Set(from)) {
      for (const target of new Set(to)) {
        if (source !== target) {
          referrals.push({
            from: source,
            to: target,
            serviceRequest: `ServiceRequest/${request.id ?? ''}`,
            time: request.authoredOn ?? request.occurrenceDateTime ?? null,
            encounters: (row.taken_up_in ?? []).map((id) => `Encounter/${id}`),
          });
        }
      }
    }
  }
  return referrals.sort((a, b) => (a.time ?? '\uffff').localeCompare(b.time ?? '\uffff'));
}

/** Which providers saw the patient, in order of first contact, and the referrals between organisations. */
export async function readCarePathway(db: Queryable, fetch: FhirFetch, scope: JourneyScope): Promise<CarePathway> {
  await requirePatient(db, scope);
  const providers = await readProviders(db, scope);
  await nameProviders(fetch, providers);
  const referrals = await readReferrals(db, fetch, scope);
  return { providers, referrals };
}
