// The workspace's data: one FHIR search per panel (patients come in the same bundle through
// `_include`), never one request per row.
import type { Bundle, Observation, Task } from '@caregraph/core/fhir';
import { useQuery } from '@tanstack/react-query';
import { useClient } from '../session/SessionProvider.tsx';
import { dayBounds, labAlertsOf, myPatientsOf, resourcesOf, scheduleRowsOf } from './workspace-data.ts';

/** Statuses of a Task still waiting for someone. */
const OPEN_TASK_STATUSES = 'requested,received,accepted,ready,in-progress,on-hold';

/** At most this many patients are checked for abnormal results (one search, the ids in its query). */
const ALERT_PATIENT_LIMIT = 40;

/**
 * Today's appointments: the practitioner's when the user is one (`actor`), else the whole
 * organisation's (front desk), with each appointment's patient.
 */
export function useTodaysSchedule(practitioner: string | undefined, now: Date) {
  const client = useClient();
  const { start, end } = dayBounds(now);
  return useQuery({
    queryKey: ['workspace', 'schedule', practitioner ?? 'all', start],
    queryFn: async ({ signal }) => {
      const bundle = await client.get<Bundle>(
        '/fhir/R4/Appointment',
        {
          date: [`ge${start}`, `lt${end}`],
          ...(practitioner === undefined ? {} : { actor: practitioner }),
          _include: 'Appointment:patient',
          _sort: 'date',
          _count: 100,
        },
        signal,
      );
      return scheduleRowsOf(bundle);
    },
  });
}

/** The patients of the practitioner's active care teams and of their most recent encounters. */
export function useMyPatients(practitioner: string | undefined) {
  const client = useClient();
  return useQuery({
    queryKey: ['workspace', 'my-patients', practitioner],
    enabled: practitioner !== undefined,
    queryFn: async ({ signal }) => {
      const participant = practitioner ?? '';
      const [careTeams, encounters] = await Promise.all([
        client.get<Bundle>(
          '/fhir/R4/CareTeam',
          { participant, status: 'active', _include: 'CareTeam:subject', _count: 50 },
          signal,
        ),
        client.get<Bundle>(
          '/fhir/R4/Encounter',
          { participant, _include: 'Encounter:subject', _sort: '-date', _count: 50 },
          signal,
        ),
      ]);
      return myPatientsOf(careTeams, encounters);
    },
  });
}

/** Abnormal results among the most recent labs of the given patients. */
export function useLabAlerts(patientIds: readonly string[]) {
  const client = useClient();
  const ids = patientIds.slice(0, ALERT_PATIENT_LIMIT);
  return useQuery({
    queryKey: ['workspace', 'lab-alerts', ids],
    enabled: ids.length > 0,
    queryFn: async ({ signal }) => {
      const bundle = await client.get<Bundle>(
        '/fhir/R4/Observation',
        { patient: ids.join(','), category: 'laboratory', _sort: '-date', _count: 200 },
        signal,
      );
      return labAlertsOf(resourcesOf<Observation>(bundle, 'Observation'));
    },
  });
}

/** Tasks assigned to the practitioner that are still open (reviews, sign-offs), oldest first. */
export function useOpenTasks(practitioner: string | undefined) {
  const client = useClient();
  return useQuery({
    queryKey: ['workspace', 'open-tasks', practitioner],
    enabled: practitioner !== undefined,
    queryFn: async ({ signal }) => {
      const bundle = await client.get<Bundle>(
        '/fhir/R4/Task',
        { owner: practitioner ?? '', status: OPEN_TASK_STATUSES, _sort: '_lastUpdated', _count: 20 },
        signal,
      );
      return resourcesOf<Task>(bundle, 'Task');
    },
  });
}
