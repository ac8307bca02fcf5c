import type { Appointment, Reference } from '@caregraph/core/fhir';
import { useMemo } from 'react';
import { Card } from '../../components/Card.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { ResourceSection } from '../chart/ResourceSection.tsx';
import { useAppointments, useNamedResources } from './api.ts';
import {
  appointmentParticipants,
  appointmentStatus,
  appointmentTitle,
  daysUntil,
  formatAppointmentTime,
  splitAppointments,
  toICalendar,
} from './appointments.ts';
import { displayNameOf } from './care-team.ts';
import { saveFile } from './save-file.ts';

type NameOf = (reference: Reference) => string;

function AppointmentItem({ appointment, nameOf, now }: { appointment: Appointment; nameOf: NameOf; now: Date }) {
  const status = appointmentStatus(appointment.status);
  const withWhom = appointmentParticipants(appointment).map(nameOf).join(', ');
  const until = appointment.status === 'cancelled' ? undefined : daysUntil(appointment.start, now);
  const calendar = appointment.status === 'booked' ? toICalendar(appointment, withWhom, now) : undefined;
  return (
    <li className="portal-appointment" data-testid="portal-appointment">
      <div className="portal-reading__head">
        <strong>{appointmentTitle(appointment)}</strong>
        <StatusBadge tone={status.tone}>{status.word}</StatusBadge>
      </div>
      <div>
        <time dateTime={appointment.start}>{formatAppointmentTime(appointment)}</time>
        {until && <span className="muted"> ({until})</span>}
      </div>
      {withWhom && <div className="muted">With {withWhom}</div>}
      {appointment.cancelationReason && (
        <div className="muted">Reason: {appointment.cancelationReason.text ?? 'not given'}</div>
      )}
      {appointment.patientInstruction && <p className="portal-note">{appointment.patientInstruction}</p>}
      {calendar && (
        <button
          type="button"
          className="button button--small"
          onClick={() =>
            saveFile(calendar, `appointment-${appointment.start?.slice(0, 10) ?? 'upcoming'}.ics`, 'text/calendar')
          }
        >
          Add to calendar<span className="visually-hidden">: {appointmentTitle(appointment)}</span>
        </button>
      )}
    </li>
  );
}

function AppointmentList({
  appointments,
  nameOf,
  now,
  none,
}: {
  appointments: Appointment[];
  nameOf: NameOf;
  now: Date;
  none: string;
}) {
  if (appointments.length === 0) {
    return <p className="muted">{none}</p>;
  }
  return (
    <ul className="portal-list portal-appointments">
      {appointments.map((appointment) => (
        <AppointmentItem key={appointment.id} appointment={appointment} nameOf={nameOf} now={now} />
      ))}
    </ul>
  );
}

/** Upcoming and past appointments (FHIR Appointment), with whom and what to bring. */
export function AppointmentsSection({ patientId }: { patientId: string }) {
  const appointments = useAppointments(patientId);
  const now = useMemo(() => new Date(), []);
  const split = useMemo(() => splitAppointments(appointments.resources, now), [appointments.resources, now]);
  const references = useMemo(() => appointments.resources.flatMap(appointmentParticipants), [appointments.resources]);
  const named = useNamedResources(references);
  const nameOf: NameOf = (reference) => displayNameOf(reference, named.data);
  return (
    <Card title="Appointments">
      {named.isError && (
        <ErrorMessage error={named.error} what="the names of your clinicians" onRetry={() => void named.refetch()} />
      )}
      {named.isLoading && <p className="muted">Loading the names of your clinicians…</p>}
      <ResourceSection search={appointments} what="appointments">
        {() => (
          <>
            <h3 className="portal-subheading">Upcoming</h3>
            <AppointmentList appointments={split.upcoming} nameOf={nameOf} now={now} none="No upcoming appointments." />
            <h3 className="portal-subheading">Past</h3>
            <AppointmentList appointments={split.past} nameOf={nameOf} now={now} none="No past appointments." />
          </>
        )}
      </ResourceSection>
    </Card>
  );
}
