// Pure shaping of the workspace's FHIR searches: today's bounds, the patients of care teams and
// encounters, and which lab results to flag. Unit-tested without a server.
import type { Appointment, Bundle, CareTeam, Encounter, Observation, Patient, Resource } from '@caregraph/core/fhir';
import { abnormalFlag, type AbnormalFlag } from '../chart/fhir-display.ts';

/** The start and end of the local day containing `now`, as instants for a FHIR date search. */
export function dayBounds(now: Date): { start: string; end: string } {
  const start = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const end = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
  return { start: start.toISOString(), end: end.toISOString() };
}

/** The resources of a bundle of one type (matches and includes alike). */
export function resourcesOf<T extends Resource>(bundle: Bundle, resourceType: T['resourceType']): T[] {
  return (bundle.entry ?? []).flatMap((entry) =>
    entry.resource?.resourceType === resourceType ? [entry.resource as T] : [],
  );
}

/** `Patient/123` (or an absolute URL ending so) → `123`. */
export function patientIdOf(reference: string | undefined): string | undefined {
  const match = reference === undefined ? null : /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(reference);
  return match?.[1];
}

/** One row of the schedule: the appointment and its patient (from `_include`), when there is one. */
export type ScheduleRow = { appointment: Appointment; patient: Patient | undefined };

/** Today's appointments in start order, each with its patient from the same bundle. */
export function scheduleRowsOf(bundle: Bundle): ScheduleRow[] {
  const patients = new Map(resourcesOf<Patient>(bundle, 'Patient').map((patient) => [patient.id, patient]));
  return (bundle.entry ?? [])
    .filter((entry) => entry.search?.mode !== 'include' && entry.resource?.resourceType === 'Appointment')
    .map((entry) => {
      const appointment = entry.resource as Appointment;
      const patientId = appointment.participant
        .map((participant) => patientIdOf(participant.actor?.reference))
        .find((id) => id !== undefined);
      return { appointment, patient: patientId === undefined ? undefined : patients.get(patientId) };
    })
    .sort((a, b) => (a.appointment.start ?? '').localeCompare(b.appointment.start ?? ''));
}

/** Why a patient is on "my patients": a care team the user is on, or an encounter they took part in. */
export type MyPatient = { patient: Patient; reason: 'care-team' | 'encounter'; lastSeen: string | undefined };

/**
 * The patients of the user's care teams first, then those of their most recent encounters, each
 * once, with the date they were last seen (the latest encounter's start).
 */
export function myPatientsOf(careTeams: Bundle, encounters: Bundle): MyPatient[] {
  const patients = new Map<string, Patient>();
  for (const patient of [
    ...resourcesOf<Patient>(careTeams, 'Patient'),
    ...resourcesOf<Patient>(encounters, 'Patient'),
  ]) {
    if (patient.id) {
      patients.set(patient.id, patient);
    }
  }
  const lastSeen = new Map<string, string>();
  for (const encounter of resourcesOf<Encounter>(encounters, 'Encounter')) {
    const id = patientIdOf(encounter.subject?.reference);
    const start = encounter.period?.start;
    if (id && start && (lastSeen.get(id) ?? '') < start) {
      lastSeen.set(id, start);
    }
  }
  const result: MyPatient[] = [];
  const seen = new Set<string>();
  const add = (id: string | undefined, reason: MyPatient['reason']) => {
    const patient = id === undefined ? undefined : patients.get(id);
    if (id && patient && !seen.has(id)) {
      seen.add(id);
      result.push({ patient, reason, lastSeen: lastSeen.get(id) });
    }
  };
  for (const team of resourcesOf<CareTeam>(careTeams, 'CareTeam')) {
    add(patientIdOf(team.subject?.reference), 'care-team');
  }
  const byRecency = [...lastSeen.entries()].sort((a, b) => b[1].localeCompare(a[1]));
  for (const [id] of byRecency) {
    add(id, 'encounter');
  }
  return result;
}

/** A lab result worth a look: outside its reference range or flagged by the lab. */
export type LabAlert = {
  observation: Observation;
  patientId: string;
  flag: Exclude<AbnormalFlag, 'normal' | undefined>;
};

/** The abnormal results among recent labs, newest first, at most `limit`. */
export function labAlertsOf(observations: readonly Observation[], limit = 10): LabAlert[] {
  const alerts: LabAlert[] = [];
  for (const observation of observations) {
    const flag = abnormalFlag(observation);
    const patientId = patientIdOf(observation.subject?.reference);
    if (flag !== undefined && flag !== 'normal' && patientId !== undefined) {
      alerts.push({ observation, patientId, flag });
    }
  }
  const time = (observation: Observation) => observation.effectiveDateTime ?? observation.issued ?? '';
  return alerts.sort((a, b) => time(b.observation).localeCompare(time(a.observation))).slice(0, limit);
}
