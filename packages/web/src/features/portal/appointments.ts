import type { Appointment, Reference } from '@caregraph/core/fhir';
import { formatConcept } from '../chart/fhir-display.ts';
import type { VerdictTone } from './plain-language.ts';

/** A patient's appointments split at `now`: upcoming soonest first, past most recent first. */
export function splitAppointments(
  appointments: readonly Appointment[],
  now: Date,
): { upcoming: Appointment[]; past: Appointment[] } {
  const startOf = (appointment: Appointment) => Date.parse(appointment.start ?? '');
  // Without a start (a proposed or cancelled request), an appointment is still to be arranged.
  const isUpcoming = (appointment: Appointment) => {
    const start = startOf(appointment);
    return Number.isNaN(start) ? !isClosed(appointment.status) : start >= now.getTime();
  };
  const upcoming = appointments.filter(isUpcoming);
  const past = appointments.filter((appointment) => !isUpcoming(appointment));
  const time = (appointment: Appointment) => startOf(appointment) || Number.MAX_SAFE_INTEGER;
  return {
    upcoming: upcoming.sort((left, right) => time(left) - time(right)),
    past: past.sort((left, right) => time(right) - time(left)),
  };
}

function isClosed(status: Appointment['status']): boolean {
  return status === 'fulfilled' || status === 'cancelled' || status === 'noshow' || status === 'entered-in-error';
}

/** An appointment's status in the patient's words, with a badge tone. */
export function appointmentStatus(status: Appointment['status']): { word: string; tone: VerdictTone } {
  switch (status) {
    case 'booked':
      return { word: 'Booked', tone: 'ok' };
    case 'proposed':
    case 'pending':
    case 'waitlist':
      return { word: 'Waiting for confirmation', tone: 'warning' };
    case 'arrived':
    case 'checked-in':
      return { word: 'Checked in', tone: 'ok' };
    case 'fulfilled':
      return { word: 'Attended', tone: 'ok' };
    case 'cancelled':
      return { word: 'Cancelled', tone: 'error' };
    case 'noshow':
      return { word: 'Missed', tone: 'error' };
    case 'entered-in-error':
      return { word: 'Entered in error', tone: 'neutral' };
  }
}

/** What the appointment is for: its description, else its service or appointment type. */
export function appointmentTitle(appointment: Appointment): string {
  if (appointment.description) {
    return appointment.description;
  }
  const service = formatConcept(appointment.serviceType?.[0], '');
  return service || formatConcept(appointment.appointmentType, 'Appointment');
}

/** The people and places taking part other than the patient: their references, to be named. */
export function appointmentParticipants(appointment: Appointment): Reference[] {
  return appointment.participant.flatMap((participant) =>
    participant.actor && !participant.actor.reference?.startsWith('Patient/') ? [participant.actor] : [],
  );
}

/** "Monday 24 November 2026, 09:30–10:00" in the browser's language and time zone. */
export function formatAppointmentTime(appointment: Pick<Appointment, 'start' | 'end'>, locale?: string): string {
  if (!appointment.start) {
    return 'Time to be arranged';
  }
  const start = new Date(appointment.start);
  if (Number.isNaN(start.getTime())) {
    return appointment.start;
  }
  const day = start.toLocaleDateString(locale, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
  const time = (date: Date) => date.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
  const end = appointment.end ? new Date(appointment.end) : undefined;
  return end && !Number.isNaN(end.getTime()) ? `${day}, ${time(start)}–${time(end)}` : `${day}, ${time(start)}`;
}

/** "in 3 days", "tomorrow", "today": how far off an upcoming appointment is, by calendar days. */
export function daysUntil(start: string | undefined, now: Date): string | undefined {
  if (!start) {
    return undefined;
  }
  const day = (date: Date) => Date.UTC(date.getFullYear(), date.getMonth(), date.getDate());
  const days = Math.round((day(new Date(start)) - day(now)) / 86_400_000);
  if (Number.isNaN(days) || days < 0) {
    return undefined;
  }
  return days === 0 ? 'today' : days === 1 ? 'tomorrow' : `in ${days} days`;
}

/** A UTC time as iCalendar writes it: 20261124T093000Z. */
function icsTime(value: string): string {
  return new Date(value)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Text escaped for an iCalendar property value (RFC 5545 §3.3.11). */
function icsText(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

/**
 * An upcoming appointment as an iCalendar file (RFC 5545) for the patient's own calendar;
 * undefined when it has no start and end to put there.
 */
export function toICalendar(appointment: Appointment, withWhom: string | undefined, now: Date): string | undefined {
  if (!appointment.start || !appointment.end) {
    return undefined;
  }
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//CareGraph//Patient portal//EN',
    'BEGIN:VEVENT',
    `UID:${icsText(`${appointment.id ?? 'appointment'}@caregraph`)}`,
    `DTSTAMP:${icsTime(now.toISOString())}`,
    `DTSTART:${icsTime(appointment.start)}`,
    `DTEND:${icsTime(appointment.end)}`,
    `SUMMARY:${icsText(appointmentTitle(appointment))}`,
    ...(withWhom || appointment.patientInstruction
      ? [
          `DESCRIPTION:${icsText([withWhom ? `With ${withWhom}` : '', appointment.patientInstruction ?? ''].filter(Boolean).join('\n'))}`,
        ]
      : []),
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return `${lines.join('\r\n')}\r\n`;
}
