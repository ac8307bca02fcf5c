import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildDemoAppointments, DEMO_APPOINTMENT_IDS, startOfUtcDay } from './demo-appointments.ts';
import { buildDemoVisitSummary } from './demo-documents.ts';

const participants = {
  patient: { reference: 'Patient/p-1' },
  practitioner: { reference: 'Practitioner/pr-1', display: 'Dr. June Kassulke' },
};

describe('demo appointments', () => {
  const now = new Date('2026-11-23T23:50:00Z');

  it('places three appointments before the start day and three after it', () => {
    const appointments = buildDemoAppointments(now, participants);
    const dayStart = startOfUtcDay(now).getTime();
    const past = appointments.filter((appointment) => Date.parse(appointment.start ?? '') < dayStart);
    const upcoming = appointments.filter((appointment) => Date.parse(appointment.start ?? '') > now.getTime());
    assert.equal(past.length, 3);
    assert.equal(upcoming.length, 3);
    assert.deepEqual(
      past.map((appointment) => appointment.status),
      ['fulfilled', 'cancelled', 'fulfilled'],
    );
    assert.ok(upcoming.every((appointment) => appointment.status === 'booked'));
    assert.deepEqual(
      appointments.map((appointment) => appointment.id),
      DEMO_APPOINTMENT_IDS,
    );
  });

  it('gives the same appointments for any time of the same UTC day, and moves them on the next', () => {
    const morning = buildDemoAppointments(new Date('2026-11-23T00:00:01Z'), participants);
    assert.deepEqual(buildDemoAppointments(now, participants), morning);
    const nextDay = buildDemoAppointments(new Date('2026-11-24T08:00:00Z'), participants);
    assert.equal(Date.parse(nextDay[0]?.start ?? '') - Date.parse(morning[0]?.start ?? ''), 24 * 60 * 60_000);
  });

  it('books the patient and the practitioner, and ends each appointment after its duration', () => {
    for (const appointment of buildDemoAppointments(now, participants)) {
      assert.deepEqual(
        appointment.participant.map((participant) => participant.actor?.reference),
        ['Patient/p-1', 'Practitioner/pr-1'],
      );
      const minutes = (Date.parse(appointment.end ?? '') - Date.parse(appointment.start ?? '')) / 60_000;
      assert.equal(minutes, appointment.minutesDuration);
    }
  });

  it('books the patient alone when the demo data has no practitioner', () => {
    const [first] = buildDemoAppointments(now, { ...participants, practitioner: undefined });
    assert.deepEqual(
      first?.participant.map((participant) => participant.actor?.reference),
      ['Patient/p-1'],
    );
  });

  it('writes the visit summary as a plain-text attachment about the patient', () => {
    const summary = buildDemoVisitSummary(now, participants);
    assert.equal(summary.subject?.reference, 'Patient/p-1');
    const attachment = summary.content[0]?.attachment;
    assert.match(attachment?.contentType ?? '', /^text\/plain/);
    assert.match(Buffer.from(attachment?.data ?? '', 'base64').toString('utf8'), /^After-visit summary/);
  });
});
