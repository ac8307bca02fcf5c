import type { Bundle, HumanName, Practitioner, Reference, Resource } from '@caregraph/core/fhir';
import { handleFhirRequest, type FhirRepo } from '../fhir/index.ts';
import { DEMO_USERS, tryFindUserByEmailAddress } from '../identity/index.ts';
import type { Database } from '../../platform/db/index.ts';
import { buildDemoAppointments, type DemoParticipants } from './demo-appointments.ts';
import { buildDemoVisitSummary } from './demo-documents.ts';

export type DemoPortalDataOptions = {
  tenantId: string;
  /** The FHIR base URL without a trailing slash, as the import of the demo data used it. */
  fhirBaseUrl: string;
  /** The Patient the demo patient sign-in is linked to. */
  patientId: string;
  /** The demo clinician's Practitioner, the other side of the appointments; undefined when there is none. */
  practitionerId: string | undefined;
  /** The day the schedule is placed around (UTC). */
  now: Date;
};

function formatHumanName(name: HumanName | undefined): string | undefined {
  if (!name) {
    return undefined;
  }
  const text = name.text ?? [...(name.prefix ?? []), ...(name.given ?? []), name.family ?? ''].join(' ').trim();
  return text === '' ? undefined : text;
}

/** A reference to the practitioner with their name as its display, or undefined when there is no such practitioner. */
async function tryPractitionerReference(
  repo: FhirRepo,
  id: string | undefined,
): Promise<Reference<Practitioner> | undefined> {
  if (id === undefined) {
    return undefined;
  }
  const response = await handleFhirRequest(repo, { method: 'GET', path: `Practitioner/${id}`, query: [] });
  const body = typeof response.body === 'string' ? (JSON.parse(response.body) as Resource) : response.body;
  if (body?.resourceType !== 'Practitioner') {
    return undefined;
  }
  const display = formatHumanName(body.name?.[0]);
  return { reference: `Practitioner/${id}`, ...(display ? { display } : {}) };
}

/**
 * Gives the demo patient what the patient portal shows and Synthea does not write: appointments
 * before and after today and an after-visit summary (the identity module's demo users bring the
 * care team). Written as one transaction of
 * updates with fixed ids, so it runs at every start: on the same day it stores nothing new (an
 * identical update is no new version); on a later day it moves the schedule so "upcoming" stays
 * upcoming. Returns how many resources it wrote.
 */
export async function writeDemoPortalData(db: Database, options: DemoPortalDataOptions): Promise<number> {
  const repo: FhirRepo = { db, tenantId: options.tenantId, baseUrl: options.fhirBaseUrl, now: () => new Date() };
  const participants: DemoParticipants = {
    patient: { reference: `Patient/${options.patientId}` },
    practitioner: await tryPractitionerReference(repo, options.practitionerId),
  };
  const resources: Resource[] = [
    ...buildDemoAppointments(options.now, participants),
    buildDemoVisitSummary(options.now, participants),
  ];
  const transaction: Bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: resources.map((resource) => ({
      resource,
      request: { method: 'PUT', url: `${resource.resourceType}/${resource.id ?? ''}` },
    })),
  };
  const since = repo.now();
  const response = await handleFhirRequest(repo, { method: 'POST', path: '', query: [], body: transaction });
  const result = (typeof response.body === 'string' ? JSON.parse(response.body) : response.body) as Bundle;
  // An update identical to the stored version answers 200 with that (older) version's time.
  return (result.entry ?? []).filter((entry) => {
    const modified = entry.response?.lastModified;
    return modified !== undefined && Date.parse(modified) >= since.getTime();
  }).length;
}

/** The e-mail address of the demo sign-in of a role. */
function demoEmail(role: 'patient' | 'clinician'): string | undefined {
  return DEMO_USERS.find((user) => user.role === role)?.email;
}

/**
 * Writes the demo portal data (see {@link writeDemoPortalData}) for the demo patient sign-in's
 * Patient, with the demo clinician's Practitioner: the people the demo signs in as. Nothing is
 * written when the demo patient sign-in is missing or linked to no Patient.
 */
export async function ensureDemoPortalData(
  db: Database,
  options: Pick<DemoPortalDataOptions, 'tenantId' | 'fhirBaseUrl' | 'now'>,
): Promise<number> {
  const find = async (role: 'patient' | 'clinician') => {
    const email = demoEmail(role);
    return email === undefined ? undefined : tryFindUserByEmailAddress(db, options.tenantId, email);
  };
  const patientId = (await find('patient'))?.patientId;
  if (patientId === undefined) {
    return 0;
  }
  const fhirUser = (await find('clinician'))?.fhirUser;
  const practitionerId = fhirUser?.startsWith('Practitioner/') ? fhirUser.slice('Practitioner/'.length) : undefined;
  return writeDemoPortalData(db, { ...options, patientId, practitionerId });
}
