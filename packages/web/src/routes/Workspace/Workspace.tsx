import type { Appointment, Task } from '@caregraph/core/fhir';
import { useState } from 'react';
import { Link } from 'react-router';
import { Card } from '../../components/Card.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatConcept, formatDate, formatObservationValue, flagLabel } from '../../features/chart/fhir-display.ts';
import { ageInYears, formatName } from '../../features/patients/patient-display.ts';
import { patientChartPath } from '../../features/patients/PatientSearchBox.tsx';
import { canOpen } from '../../features/session/role-access.ts';
import type { SessionUser } from '../../features/session/session-user.ts';
import { useSessionUser } from '../../features/session/SessionProvider.tsx';
import { useLabAlerts, useMyPatients, useOpenTasks, useTodaysSchedule } from '../../features/workspace/api.ts';
import type { LabAlert, MyPatient, ScheduleRow } from '../../features/workspace/workspace-data.ts';
import { PageShell } from '../PageShell.tsx';
import './workspace.css';

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

function appointmentTime(appointment: Appointment): string {
  return appointment.start ? timeFormat.format(new Date(appointment.start)) : '—';
}

/** The practitioner the user is, when their account is linked to one. */
function practitionerOf(user: SessionUser): string | undefined {
  return user.fhirUser?.startsWith('Practitioner/') ? user.fhirUser : undefined;
}

function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

function ScheduleList({ rows, canOpenChart }: { rows: ScheduleRow[]; canOpenChart: boolean }) {
  return (
    <ol className="workspace-list" data-testid="schedule-list">
      {rows.map(({ appointment, patient }) => (
        <li key={appointment.id} className="workspace-list__item">
          <span className="workspace-list__time">{appointmentTime(appointment)}</span>
          <span className="workspace-list__main">
            {!patient?.id ? (
              'No patient'
            ) : canOpenChart ? (
              <Link to={patientChartPath(patient.id)}>{formatName(patient)}</Link>
            ) : (
              formatName(patient)
            )}
            <span className="muted">
              {' '}
              ·{' '}
              {appointment.description ??
                formatConcept(appointment.appointmentType ?? appointment.serviceType?.[0], 'Appointment')}
            </span>
          </span>
          <StatusBadge
            tone={appointment.status === 'cancelled' || appointment.status === 'noshow' ? 'warning' : 'neutral'}
          >
            {appointment.status}
          </StatusBadge>
        </li>
      ))}
    </ol>
  );
}

type SchedulePanelProps = { practitioner: string | undefined; isPersonal: boolean; canOpenChart: boolean };

function SchedulePanel({ practitioner, isPersonal, canOpenChart }: SchedulePanelProps) {
  const [now] = useState(() => new Date());
  const schedule = useTodaysSchedule(practitioner, now);
  const title = isPersonal ? 'My schedule today' : 'Today’s schedule';
  return (
    <Card title={title}>
      {schedule.isPending ? (
        <Loading what="today’s appointments" />
      ) : schedule.isError ? (
        <ErrorMessage error={schedule.error} what="today’s appointments" onRetry={() => void schedule.refetch()} />
      ) : schedule.data.length === 0 ? (
        <p className="empty-state">No appointments today.</p>
      ) : (
        <ScheduleList rows={schedule.data} canOpenChart={canOpenChart} />
      )}
    </Card>
  );
}

function MyPatientsList({ patients }: { patients: MyPatient[] }) {
  return (
    <ul className="workspace-list" data-testid="my-patients-list">
      {patients.map(({ patient, reason, lastSeen }) => {
        const age = ageInYears(patient.birthDate);
        return (
          <li key={patient.id} className="workspace-list__item">
            <span className="workspace-list__main">
              <Link to={patientChartPath(patient.id ?? '')}>{formatName(patient)}</Link>
              {age !== undefined && <span className="muted"> · {age} y</span>}
            </span>
            <span className="muted">{reason === 'care-team' ? 'Care team' : `Seen ${formatDate(lastSeen)}`}</span>
          </li>
        );
      })}
    </ul>
  );
}

function AlertsList({ labs, tasks, names }: { labs: LabAlert[]; tasks: Task[]; names: Map<string, string> }) {
  return (
    <ul className="workspace-list" data-testid="alerts-list">
      {labs.map(({ observation, patientId, flag }) => (
        <li key={observation.id} className="workspace-list__item">
          <StatusBadge tone="error">{flagLabel(flag)}</StatusBadge>
          <span className="workspace-list__main">
            <Link to={`${patientChartPath(patientId)}/labs`}>{names.get(patientId) ?? 'Patient'}</Link>
            <span className="muted">
              {' '}
              · {formatConcept(observation.code)} {formatObservationValue(observation)}
            </span>
          </span>
          <span className="muted">{formatDate(observation.effectiveDateTime ?? observation.issued)}</span>
        </li>
      ))}
      {tasks.map((task) => (
        <li key={task.id} className="workspace-list__item">
          <StatusBadge tone="warning">Task</StatusBadge>
          <span className="workspace-list__main">
            {task.description ?? formatConcept(task.code, 'Open task')}
            <span className="muted"> · {task.status}</span>
          </span>
          <span className="muted">{formatDate(task.authoredOn)}</span>
        </li>
      ))}
    </ul>
  );
}

function PatientsAndAlerts({ practitioner }: { practitioner: string }) {
  const myPatients = useMyPatients(practitioner);
  const patientIds = (myPatients.data ?? []).flatMap(({ patient }) => (patient.id ? [patient.id] : []));
  const labs = useLabAlerts(patientIds);
  const tasks = useOpenTasks(practitioner);
  const names = new Map((myPatients.data ?? []).map(({ patient }) => [patient.id ?? '', formatName(patient)]));
  const isAlertsPending = tasks.isPending || myPatients.isPending || (patientIds.length > 0 && labs.isPending);
  const alertCount = (labs.data?.length ?? 0) + (tasks.data?.length ?? 0);
  return (
    <>
      <Card title="My patients">
        {myPatients.isPending ? (
          <Loading what="your patients" />
        ) : myPatients.isError ? (
          <ErrorMessage error={myPatients.error} what="your patients" onRetry={() => void myPatients.refetch()} />
        ) : myPatients.data.length === 0 ? (
          <p className="empty-state">No patients yet: none on your care teams and no encounters with you.</p>
        ) : (
          <MyPatientsList patients={myPatients.data} />
        )}
      </Card>
      <Card title="Alerts">
        {isAlertsPending ? (
          <Loading what="alerts" />
        ) : labs.isError || tasks.isError ? (
          <ErrorMessage
            error={labs.error ?? tasks.error}
            what="alerts"
            onRetry={() => void Promise.all([labs.refetch(), tasks.refetch()])}
          />
        ) : alertCount === 0 ? (
          <p className="empty-state">No alerts: no abnormal recent results and no open tasks.</p>
        ) : (
          <AlertsList labs={labs.data ?? []} tasks={tasks.data ?? []} names={names} />
        )}
      </Card>
    </>
  );
}

/**
 * The start page of clinical staff: today's appointments, their patients (care teams and recent
 * encounters) and what needs attention (abnormal recent results, open tasks). The front desk sees
 * the day's schedule of the whole organisation.
 */
export function Workspace() {
  const user = useSessionUser();
  const practitioner = practitionerOf(user);
  const isClinical = user.roles.includes('clinician') || user.roles.includes('nurse');
  return (
    <PageShell title={isClinical ? 'My workspace' : 'Schedule'}>
      <h1>Welcome, {user.name}</h1>
      {isClinical && practitioner === undefined && (
        <p className="workspace-notice" role="note">
          Your account is not linked to a practitioner record, so the schedule shows the whole organisation’s day and
          there is no list of your own patients. An administrator can link it.
        </p>
      )}
      <div className="workspace-grid">
        <SchedulePanel
          practitioner={practitioner}
          isPersonal={practitioner !== undefined}
          canOpenChart={canOpen('chart', user.roles)}
        />
        {isClinical && practitioner !== undefined && <PatientsAndAlerts practitioner={practitioner} />}
      </div>
    </PageShell>
  );
}
