import type {
  AllergyIntolerance,
  CodeableConcept,
  Condition,
  MedicationRequest,
  Observation,
  ObservationReferenceRange,
} from '@caregraph/core/fhir';
import type { ConceptSuggestion } from '@caregraph/core/client';
import { DIASTOLIC, LOINC, SYSTOLIC, UCUM, type VitalSign } from './vital-signs.ts';

const CONDITION_CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const CONDITION_VERIFICATION = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';
const CONDITION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category';
const ALLERGY_CLINICAL = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical';
const ALLERGY_VERIFICATION = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification';
const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';

/** A concept picked in the typeahead as a CodeableConcept with one coding. */
export function conceptOf(suggestion: Pick<ConceptSuggestion, 'system' | 'code' | 'display'>): CodeableConcept {
  return {
    coding: [{ system: suggestion.system, code: suggestion.code, display: suggestion.display }],
    text: suggestion.display,
  };
}

function coded(system: string, code: string): CodeableConcept {
  return { coding: [{ system, code }] };
}

const patientReference = (patientId: string) => ({ reference: `Patient/${patientId}` });

export type ConditionClinicalStatus = 'active' | 'recurrence' | 'relapse' | 'inactive' | 'remission' | 'resolved';

export type ProblemInput = {
  code: ConceptSuggestion;
  clinicalStatus: ConditionClinicalStatus;
  /** A FHIR date as entered (YYYY, YYYY-MM or YYYY-MM-DD); empty when unknown. */
  onset: string;
  /** When the problem ended; empty when it has not. */
  abatement: string;
};

/** A problem-list Condition. The server checks it (e.g. FHIR invariant con-4: an abated problem is not active). */
export function buildCondition(patientId: string, input: ProblemInput): Condition {
  return {
    resourceType: 'Condition',
    clinicalStatus: coded(CONDITION_CLINICAL, input.clinicalStatus),
    verificationStatus: coded(CONDITION_VERIFICATION, 'confirmed'),
    category: [coded(CONDITION_CATEGORY, 'problem-list-item')],
    code: conceptOf(input.code),
    subject: patientReference(patientId),
    ...(input.onset.trim() ? { onsetDateTime: input.onset.trim() } : {}),
    ...(input.abatement.trim() ? { abatementDateTime: input.abatement.trim() } : {}),
    recordedDate: new Date().toISOString().slice(0, 10),
  };
}

export type MedicationInput = {
  medication: ConceptSuggestion;
  status: 'active' | 'on-hold' | 'completed' | 'stopped' | 'draft';
  intent: 'order' | 'plan' | 'proposal';
  /** YYYY-MM-DD. */
  authoredOn: string;
  dosage: string;
};

/** A MedicationRequest for the patient, the drug coded from the typeahead. */
export function buildMedicationRequest(patientId: string, input: MedicationInput): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    status: input.status,
    intent: input.intent,
    medicationCodeableConcept: conceptOf(input.medication),
    subject: patientReference(patientId),
    ...(input.authoredOn ? { authoredOn: input.authoredOn } : {}),
    ...(input.dosage.trim() ? { dosageInstruction: [{ text: input.dosage.trim() }] } : {}),
  };
}

export type AllergyInput = {
  substance: ConceptSuggestion;
  criticality: 'low' | 'high' | 'unable-to-assess';
  category: '' | 'food' | 'medication' | 'environment' | 'biologic';
  /** What happens, e.g. "hives"; empty when not known. */
  reaction: string;
};

/** An active, confirmed AllergyIntolerance with its substance coded from the typeahead. */
export function buildAllergyIntolerance(patientId: string, input: AllergyInput): AllergyIntolerance {
  const reaction = input.reaction.trim();
  return {
    resourceType: 'AllergyIntolerance',
    clinicalStatus: coded(ALLERGY_CLINICAL, 'active'),
    verificationStatus: coded(ALLERGY_VERIFICATION, 'confirmed'),
    ...(input.category ? { category: [input.category] } : {}),
    criticality: input.criticality,
    code: conceptOf(input.substance),
    patient: patientReference(patientId),
    recordedDate: new Date().toISOString(),
    ...(reaction ? { reaction: [{ manifestation: [{ text: reaction }] }] } : {}),
  };
}

function category(code: 'vital-signs' | 'laboratory'): CodeableConcept[] {
  return [coded(OBSERVATION_CATEGORY, code)];
}

function quantity(value: number, unit: string, unitLabel = unit) {
  return { value, unit: unitLabel, system: UCUM, code: unit };
}

export type VitalInput = {
  vital: VitalSign;
  /** The value; systolic for blood pressure. */
  value: number;
  /** Diastolic, for blood pressure only. */
  diastolic?: number;
  /** An ISO 8601 dateTime with its offset. */
  effective: string;
};

/**
 * A vital-signs Observation as the FHIR R4 vital signs profile wants it: LOINC code, category
 * vital-signs, UCUM unit; blood pressure as the 85354-9 panel with systolic and diastolic components.
 */
export function buildVitalObservation(patientId: string, input: VitalInput): Observation {
  const { vital } = input;
  const base: Observation = {
    resourceType: 'Observation',
    status: 'final',
    category: category('vital-signs'),
    code: { coding: [{ system: LOINC, code: vital.code, display: vital.display }], text: vital.label },
    subject: patientReference(patientId),
    effectiveDateTime: input.effective,
  };
  if (vital.key !== 'blood-pressure') {
    return { ...base, valueQuantity: quantity(input.value, vital.unit, vital.unitLabel) };
  }
  const component = (code: string, display: string, value: number | undefined) => ({
    code: { coding: [{ system: LOINC, code, display }], text: display },
    ...(value === undefined ? {} : { valueQuantity: quantity(value, vital.unit, vital.unitLabel) }),
  });
  return {
    ...base,
    component: [
      component(SYSTOLIC, 'Systolic blood pressure', input.value),
      component(DIASTOLIC, 'Diastolic blood pressure', input.diastolic),
    ],
  };
}

export type LabInput = {
  test: ConceptSuggestion;
  value: number;
  /** The UCUM code, e.g. `mg/dL`. */
  unit: string;
  effective: string;
  /** The reference range; undefined ends are left out. */
  low?: number;
  high?: number;
};

/** A laboratory Observation with its LOINC code, a UCUM quantity and, when given, its reference range. */
export function buildLabObservation(patientId: string, input: LabInput): Observation {
  const unit = input.unit.trim();
  const range: ObservationReferenceRange = {
    ...(input.low === undefined ? {} : { low: quantity(input.low, unit) }),
    ...(input.high === undefined ? {} : { high: quantity(input.high, unit) }),
  };
  const hasRange = input.low !== undefined || input.high !== undefined;
  return {
    resourceType: 'Observation',
    status: 'final',
    category: category('laboratory'),
    code: conceptOf(input.test),
    subject: patientReference(patientId),
    effectiveDateTime: input.effective,
    valueQuantity: unit ? quantity(input.value, unit) : { value: input.value },
    ...(hasRange ? { referenceRange: [range] } : {}),
  };
}

/** A `datetime-local` value ("2024-03-05T14:30") as an ISO 8601 dateTime with the browser's offset. */
export function localDateTimeToFhir(local: string, timezoneOffsetMinutes = new Date().getTimezoneOffset()): string {
  const offset = -timezoneOffsetMinutes;
  const sign = offset >= 0 ? '+' : '-';
  const hours = String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0');
  const minutes = String(Math.abs(offset) % 60).padStart(2, '0');
  const withSeconds = local.length === 16 ? `${local}:00` : local;
  return `${withSeconds}${sign}${hours}:${minutes}`;
}

/** Now as a `datetime-local` value in the browser's time zone, the default of the date fields. */
export function nowForDateTimeInput(now: Date = new Date()): string {
  const local = new Date(now.getTime() - now.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}
