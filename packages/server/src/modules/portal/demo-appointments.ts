import type { Appointment, Patient, Practitioner, Reference } from '@caregraph/core/fhir';

/** Who the demo appointments are for and with; `practitioner` is left out when the demo data has none. */
export type DemoParticipants = {
  patient: Reference<Patient>;
  practitioner: Reference<Practitioner> | undefined;
};

/** One appointment of the demo schedule, placed in days and minutes from the start of the anchor day (UTC). */
type DemoSlot = {
  id: string;
  dayOffset: number;
  /** Minutes after midnight UTC. */
  startMinute: number;
  minutes: number;
  status: Appointment['status'];
  service: { code: string; display: string };
  description: string;
  patientInstruction?: string;
  cancelationReason?: string;
};

const SNOMED = 'http://snomed.info/sct';
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/**
 * The demo patient's schedule: three visits before the anchor day (two attended, one cancelled)
 * and three after it, so the portal has both "upcoming" and "past" to show on any day the demo runs.
 */
const DEMO_SLOTS: readonly DemoSlot[] = [
  {
    id: 'demo-appointment-past-checkup',
    dayOffset: -180,
    startMinute: 9 * 60 + 30,
    minutes: 30,
    status: 'fulfilled',
    service: { code: '410620009', display: 'Well adult health check' },
    description: 'Annual check-up',
  },
  {
    id: 'demo-appointment-past-flu',
    dayOffset: -45,
    startMinute: 16 * 60,
    minutes: 15,
    status: 'cancelled',
    service: { code: '86198006', display: 'Influenza vaccination' },
    description: 'Flu vaccination',
    cancelationReason: 'Cancelled by the patient',
  },
  {
    id: 'demo-appointment-past-followup',
    dayOffset: -21,
    startMinute: 10 * 60,
    minutes: 20,
    status: 'fulfilled',
    service: { code: '390906007', display: 'Follow-up encounter' },
    description: 'Blood pressure follow-up',
  },
  {
    id: 'demo-appointment-next-lab',
    dayOffset: 3,
    startMinute: 8 * 60 + 15,
    minutes: 15,
    status: 'booked',
    service: { code: '396550006', display: 'Blood test' },
    description: 'Blood test: lipid panel',
    patientInstruction: 'Do not eat for 10 hours before the test. Water is fine.',
  },
  {
    id: 'demo-appointment-next-followup',
    dayOffset: 14,
    startMinute: 14 * 60,
    minutes: 30,
    status: 'booked',
    service: { code: '390906007', display: 'Follow-up encounter' },
    description: 'Follow-up visit: test results',
    patientInstruction: 'Bring a list of the medicines you take, and your home blood pressure readings.',
  },
  {
    id: 'demo-appointment-next-checkup',
    dayOffset: 180,
    startMinute: 9 * 60,
    minutes: 30,
    status: 'booked',
    service: { code: '410620009', display: 'Well adult health check' },
    description: 'Annual check-up',
  },
];

/** The ids of the demo appointments, stable across starts so refreshing them updates rather than adds. */
export const DEMO_APPOINTMENT_IDS = DEMO_SLOTS.map((slot) => slot.id);

/** Midnight UTC of the day `now` falls on. */
export function startOfUtcDay(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

function toAppointment(slot: DemoSlot, anchor: Date, participants: DemoParticipants): Appointment {
  const start = new Date(anchor.getTime() + slot.dayOffset * DAY_MS + slot.startMinute * MINUTE_MS);
  const end = new Date(start.getTime() + slot.minutes * MINUTE_MS);
  const accepted = 'accepted' as const;
  return {
    resourceType: 'Appointment',
    id: slot.id,
    status: slot.status,
    serviceType: [{ coding: [{ system: SNOMED, ...slot.service }], text: slot.service.display }],
    description: slot.description,
    start: start.toISOString(),
    end: end.toISOString(),
    minutesDuration: slot.minutes,
    ...(slot.patientInstruction ? { patientInstruction: slot.patientInstruction } : {}),
    ...(slot.cancelationReason ? { cancelationReason: { text: slot.cancelationReason } } : {}),
    participant: [
      { actor: participants.patient, required: 'required', status: accepted },
      ...(participants.practitioner
        ? [{ actor: participants.practitioner, required: 'required' as const, status: accepted }]
        : []),
    ],
  };
}

/**
 * The demo appointments, placed around the day `now` falls on (UTC): the same day gives the same
 * resources, so writing them again stores nothing new.
 */
export function buildDemoAppointments(now: Date, participants: DemoParticipants): Appointment[] {
  const anchor = startOfUtcDay(now);
  return DEMO_SLOTS.map((slot) => toAppointment(slot, anchor, participants));
}
