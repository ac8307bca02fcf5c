import type {
  AllergyIntolerance,
  Condition,
  Medication,
  MedicationRequest,
  MedicationStatement,
  Resource,
} from '@caregraph/core/fhir';
import { firstCode, formatConcept } from './fhir-display.ts';

const ACTIVE_CONDITION_STATUSES = new Set(['active', 'recurrence', 'relapse']);

/** Whether a Condition is a current problem (clinicalStatus active, recurrence or relapse). */
export function isActiveCondition(condition: Condition): boolean {
  return ACTIVE_CONDITION_STATUSES.has(firstCode(condition.clinicalStatus) ?? '');
}

/** When a problem began: onset date or period start, else when it was recorded. */
export function onsetOf(condition: Condition): string | undefined {
  return condition.onsetDateTime ?? condition.onsetPeriod?.start ?? condition.onsetString ?? condition.recordedDate;
}

/** Active problems first, then by onset, newest first. */
export function sortConditions(conditions: readonly Condition[]): Condition[] {
  const time = (condition: Condition) => Date.parse(onsetOf(condition) ?? '') || 0;
  return [...conditions].sort(
    (left, right) => Number(isActiveCondition(right)) - Number(isActiveCondition(left)) || time(right) - time(left),
  );
}

/** Whether an allergy is current: active, or without a clinicalStatus (as older records are). */
export function isActiveAllergy(allergy: AllergyIntolerance): boolean {
  const status = firstCode(allergy.clinicalStatus);
  return status === undefined || status === 'active';
}

/** The reactions of an allergy as "hives, wheeze", or "—". */
export function formatReactions(allergy: AllergyIntolerance): string {
  const manifestations = (allergy.reaction ?? []).flatMap((reaction) =>
    reaction.manifestation.map((manifestation) => formatConcept(manifestation)),
  );
  return manifestations.length > 0 ? manifestations.join(', ') : '—';
}

/**
 * The drug of a MedicationRequest or MedicationStatement: its medicationCodeableConcept, or the
 * Medication its medicationReference points to among the resources the search `_include`d.
 */
export function medicationName(
  medication: Pick<MedicationRequest | MedicationStatement, 'medicationCodeableConcept' | 'medicationReference'>,
  included: readonly Resource[],
): string {
  if (medication.medicationCodeableConcept) {
    return formatConcept(medication.medicationCodeableConcept);
  }
  const reference = medication.medicationReference?.reference;
  const target = included.find(
    (resource): resource is Medication =>
      resource.resourceType === 'Medication' && `Medication/${resource.id ?? ''}` === reference,
  );
  return formatConcept(target?.code, medication.medicationReference?.display ?? 'Unnamed medication');
}

/** Whether a medication is being taken now (request active or on hold; statement active or intended). */
export function isCurrentMedication(status: string | undefined): boolean {
  return status === 'active' || status === 'on-hold' || status === 'intended';
}
