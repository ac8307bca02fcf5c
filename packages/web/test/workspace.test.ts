import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Bundle, Observation } from '@caregraph/core/fhir';
import {
  dayBounds,
  labAlertsOf,
  myPatientsOf,
  patientIdOf,
  scheduleRowsOf,
} from '../src/features/workspace/workspace-data.ts';

const patient = (id: string, family: string) => ({ resourceType: 'Patient' as const, id, name: [{ family }] });

describe('workspace data', () => {
  it('bounds today from local midnight to the next', () => {
    const { start, end } = dayBounds(new Date(2026, 10, 23, 15, 30));
    assert.equal(new Date(start).getTime(), new Date(2026, 10, 23).getTime());
    assert.equal(new Date(end).getTime(), new Date(2026, 10, 24).getTime());
  });

  it('reads patient ids from relative and absolute references only', () => {
    assert.equal(patientIdOf('Patient/p-1'), 'p-1');
    assert.equal(patientIdOf('https://h/fhir/R4/Patient/p-2'), 'p-2');
    assert.equal(patientIdOf('Practitioner/p-3'), undefined);
    assert.equal(patientIdOf(undefined), undefined);
  });

  it('orders the schedule by start and joins each appointment to its included patient', () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        {
          resource: {
            resourceType: 'Appointment',
            id: 'late',
            status: 'booked',
            start: '2026-11-23T15:00:00Z',
            participant: [
              { actor: { reference: 'Practitioner/pr' }, status: 'accepted' },
              { actor: { reference: 'Patient/a' }, status: 'accepted' },
            ],
          },
          search: { mode: 'match' },
        },
        {
          resource: {
            resourceType: 'Appointment',
            id: 'early',
            status: 'booked',
            start: '2026-11-23T09:00:00Z',
            participant: [{ actor: { reference: 'Patient/missing' }, status: 'accepted' }],
          },
          search: { mode: 'match' },
        },
        { resource: patient('a', 'Alpha'), search: { mode: 'include' } },
      ],
    };
    const rows = scheduleRowsOf(bundle);
    assert.deepEqual(
      rows.map((row) => [row.appointment.id, row.patient?.id]),
      [
        ['early', undefined],
        ['late', 'a'],
      ],
    );
  });

  it('lists care-team patients first, then encounter patients by most recent visit, each once', () => {
    const careTeams: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        { resource: { resourceType: 'CareTeam', id: 'ct', subject: { reference: 'Patient/b' } } },
        { resource: patient('b', 'Bravo'), search: { mode: 'include' } },
      ],
    };
    const encounters: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        {
          resource: {
            resourceType: 'Encounter',
            id: 'e1',
            status: 'finished',
            class: { code: 'AMB' },
            subject: { reference: 'Patient/a' },
            period: { start: '2024-01-01' },
          },
        },
        {
          resource: {
            resourceType: 'Encounter',
            id: 'e2',
            status: 'finished',
            class: { code: 'AMB' },
            subject: { reference: 'Patient/c' },
            period: { start: '2025-06-01' },
          },
        },
        {
          resource: {
            resourceType: 'Encounter',
            id: 'e3',
            status: 'finished',
            class: { code: 'AMB' },
            subject: { reference: 'Patient/b' },
            period: { start: '2025-07-01' },
          },
        },
        { resource: patient('a', 'Alpha'), search: { mode: 'include' } },
        { resource: patient('c', 'Charlie'), search: { mode: 'include' } },
        { resource: patient('b', 'Bravo'), search: { mode: 'include' } },
      ],
    };
    const mine = myPatientsOf(careTeams, encounters);
    assert.deepEqual(
      mine.map((entry) => [entry.patient.id, entry.reason, entry.lastSeen]),
      [
        ['b', 'care-team', '2025-07-01'],
        ['c', 'encounter', '2025-06-01'],
        ['a', 'encounter', '2024-01-01'],
      ],
    );
  });

  it('flags results outside their range or flagged by the lab, newest first', () => {
    const lab = (id: string, value: number, date: string, extra: Partial<Observation> = {}): Observation => ({
      resourceType: 'Observation',
      id,
      status: 'final',
      code: { text: 'Potassium' },
      subject: { reference: 'Patient/a' },
      effectiveDateTime: date,
      valueQuantity: { value, unit: 'mmol/L' },
      referenceRange: [{ low: { value: 3.5 }, high: { value: 5.1 } }],
      ...extra,
    });
    const alerts = labAlertsOf([
      lab('normal', 4.2, '2026-11-20'),
      lab('high', 6.0, '2026-11-19'),
      lab('low', 2.9, '2026-11-21'),
      lab('flagged', 4.0, '2026-11-18', { interpretation: [{ coding: [{ code: 'HH' }] }] }),
      lab('nobody', 9.9, '2026-11-22', { subject: { reference: 'Group/g' } }),
    ]);
    assert.deepEqual(
      alerts.map((alert) => [alert.observation.id, alert.flag]),
      [
        ['low', 'low'],
        ['high', 'high'],
        ['flagged', 'critical-high'],
      ],
    );
  });
});
