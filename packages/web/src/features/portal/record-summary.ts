import type {
  AllergyIntolerance,
  Appointment,
  Condition,
  Encounter,
  Immunization,
  MedicationRequest,
  Observation,
  Patient,
  Resource,
} from '@caregraph/core/fhir';
import {
  formatReactions,
  isActiveAllergy,
  isActiveCondition,
  isCurrentMedication,
  medicationName,
  onsetOf,
} from '../chart/clinical-lists.ts';
import { formatConcept, formatDate, formatObservationValue, hasCode, observationTime } from '../chart/fhir-display.ts';
import { ageInYears, formatName } from '../patients/patient-display.ts';
import { appointmentTitle, formatAppointmentTime, splitAppointments } from './appointments.ts';
import { latestLabResults, latestVitalReadings } from './record-lists.ts';

/** One part of the printable summary: a heading, its lines, and what to say when it has none. */
export type SummarySection = { title: string; lines: string[]; empty: string };

/** The printable summary of a record, independent of how it is drawn. */
export type RecordSummary = {
  patientName: string;
  /** "Born 1980-05-17 · male · 46 years" */
  facts: string;
  generatedAt: Date;
  sections: SummarySection[];
};

/** How many recent lab results and visits the summary lists. */
const RECENT_RESULTS = 20;
const RECENT_VISITS = 10;

function ofType<T extends Resource>(resources: readonly Resource[], type: T['resourceType']): T[] {
  return resources.filter((resource): resource is T => resource.resourceType === type);
}

function byCategory(observations: readonly Observation[], code: string): Observation[] {
  return observations.filter((observation) => observation.category?.some((category) => hasCode(category, code)));
}

function describeFacts(patient: Patient | undefined, now: Date): string {
  if (!patient) {
    return '';
  }
  const age = ageInYears(patient.birthDate, now);
  return [
    patient.birthDate ? `Born ${patient.birthDate}` : undefined,
    patient.gender,
    age !== undefined && !patient.deceasedDateTime && !patient.deceasedBoolean ? `${age} years` : undefined,
  ]
    .filter((part): part is string => Boolean(part))
    .join(' · ');
}

function problemLines(conditions: readonly Condition[]): string[] {
  return conditions
    .filter(isActiveCondition)
    .map((condition) => `${formatConcept(condition.code)} (since ${formatDate(onsetOf(condition))})`);
}

function medicationLines(requests: readonly MedicationRequest[], resources: readonly Resource[]): string[] {
  return requests
    .filter((request) => isCurrentMedication(request.status))
    .map((request) => {
      const dosage = request.dosageInstruction?.[0]?.text;
      return `${medicationName(request, resources)}${dosage ? ` — ${dosage}` : ''}`;
    });
}

function allergyLines(allergies: readonly AllergyIntolerance[]): string[] {
  return allergies.filter(isActiveAllergy).map((allergy) => {
    const reactions = formatReactions(allergy);
    return `${formatConcept(allergy.code)}${reactions === '—' ? '' : ` (reaction: ${reactions})`}`;
  });
}

function immunizationLines(immunizations: readonly Immunization[]): string[] {
  const time = (immunization: Immunization) => Date.parse(immunization.occurrenceDateTime ?? '') || 0;
  return [...immunizations]
    .filter((immunization) => immunization.status !== 'entered-in-error')
    .sort((left, right) => time(right) - time(left))
    .map(
      (immunization) =>
        `${formatConcept(immunization.vaccineCode)} — ${immunization.status === 'not-done' ? 'not given' : formatDate(immunization.occurrenceDateTime)}`,
    );
}

function visitLines(encounters: readonly Encounter[]): string[] {
  const time = (encounter: Encounter) => Date.parse(encounter.period?.start ?? '') || 0;
  return [...encounters]
    .sort((left, right) => time(right) - time(left))
    .slice(0, RECENT_VISITS)
    .map((encounter) => `${formatDate(encounter.period?.start)} — ${formatConcept(encounter.type?.[0], 'Visit')}`);
}

/**
 * The summary of a whole record (the resources of `Patient/<id>/$everything`): current problems,
 * medicines and allergies, latest measurements and test results with what they mean, vaccinations,
 * upcoming appointments and recent visits.
 */
export function buildRecordSummary(resources: readonly Resource[], now: Date): RecordSummary {
  const patient = ofType<Patient>(resources, 'Patient')[0];
  const observations = ofType<Observation>(resources, 'Observation');
  const age = patient?.deceasedDateTime || patient?.deceasedBoolean ? undefined : ageInYears(patient?.birthDate, now);
  const vitals = latestVitalReadings(byCategory(observations, 'vital-signs'), age);
  const results = latestLabResults(byCategory(observations, 'laboratory'), RECENT_RESULTS, age);
  const { upcoming } = splitAppointments(ofType<Appointment>(resources, 'Appointment'), now);
  return {
    patientName: patient ? formatName(patient) : 'Unknown patient',
    facts: describeFacts(patient, now),
    generatedAt: now,
    sections: [
      {
        title: 'Current health problems',
        lines: problemLines(ofType(resources, 'Condition')),
        empty: 'None recorded.',
      },
      {
        title: 'Current medicines',
        lines: medicationLines(ofType(resources, 'MedicationRequest'), resources),
        empty: 'None recorded.',
      },
      { title: 'Allergies', lines: allergyLines(ofType(resources, 'AllergyIntolerance')), empty: 'None recorded.' },
      {
        title: 'Latest measurements',
        lines: vitals.map(
          (reading) =>
            `${reading.vital.label}: ${reading.text} on ${formatDate(reading.time.toISOString())}${reading.verdict ? ` — ${reading.verdict.word}` : ''}`,
        ),
        empty: 'None recorded.',
      },
      {
        title: 'Latest test results',
        lines: results.map(
          ({ result, verdict }) =>
            `${formatConcept(result.code)}: ${formatObservationValue(result)} on ${formatDate(observationTime(result))} — ${verdict.word}`,
        ),
        empty: 'None recorded.',
      },
      { title: 'Vaccinations', lines: immunizationLines(ofType(resources, 'Immunization')), empty: 'None recorded.' },
      {
        title: 'Upcoming appointments',
        lines: upcoming
          .filter((appointment) => appointment.status !== 'cancelled')
          .map((appointment) => `${formatAppointmentTime(appointment)} — ${appointmentTitle(appointment)}`),
        empty: 'None booked.',
      },
      {
        title: 'Recent visits',
        lines: visitLines(ofType(resources, 'Encounter')),
        empty: 'None recorded.',
      },
    ],
  };
}
