import { careDateParam, compartmentParams } from '../../fhir/search/compartments.ts';
import type { IndexRows } from '../../fhir/search/index-values.ts';
import { deriveLinks, PROVIDER_TYPES, type JourneyLink } from './edge-rules.ts';
import { findReferences, type FoundReference } from './references.ts';

/** What a resource contributes to a journey, the same in every patient's journey it is in. */
export type JourneyNode = {
  /** ISO instant; null when the resource has no care date (then it is not on the timeline). */
  startTime: string | null;
  /** ISO instant; null when open-ended or unknown. */
  endTime: string | null;
  label: string;
  /** `system|code` of every coding of the main coded element. */
  codes: string[];
  encounterId: string | null;
  /** `Practitioner/x`, `PractitionerRole/x`, `Organization/x`, sorted. */
  providers: string[];
};

/** A resource's whole contribution: the journeys it is in, its node there, and its outgoing edges. */
export type JourneyContribution = {
  /** Ids of the patients whose compartment holds the resource, sorted, without duplicates. */
  patients: string[];
  node: JourneyNode;
  links: JourneyLink[];
};

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const asString = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/** Whether resources of this type are ever in a patient's journey (the Patient compartment). */
export function isJourneyResourceType(resourceType: string): boolean {
  return resourceType === 'Patient' || compartmentParams('Patient', resourceType).length > 0;
}

/**
 * The patients whose compartment holds the resource: those its compartment reference parameters
 * name (R4 Patient CompartmentDefinition), and a Patient is in its own.
 */
export function compartmentPatients(resourceType: string, id: string, rows: IndexRows): string[] {
  const codes = new Set(compartmentParams('Patient', resourceType));
  const patients = new Set(resourceType === 'Patient' ? [id] : []);
  for (const row of rows.reference) {
    if (codes.has(row.code) && row.targetType === 'Patient' && row.targetId) {
      patients.add(row.targetId);
    }
  }
  return [...patients].sort();
}

/** Date parameters tried after the care date (`careDateParam`): a Condition without an onset was at least recorded. */
const LATER_DATE_PARAMS: Readonly<Record<string, readonly string[]>> = {
  Condition: ['recorded-date'],
};

function dateParams(resourceType: string): string[] {
  const careDate = careDateParam(resourceType);
  return [...(careDate ? [careDate] : []), ...(LATER_DATE_PARAMS[resourceType] ?? [])];
}

/**
 * The search parameters a resource's contribution is derived from: its Patient and Encounter
 * compartment references and its date parameters. A rebuild extracts only these.
 */
export function journeyParamCodes(resourceType: string): string[] {
  return [
    ...new Set([
      ...compartmentParams('Patient', resourceType),
      ...compartmentParams('Encounter', resourceType),
      ...dateParams(resourceType),
    ]),
  ];
}

/**
 * The care date's range: the earliest start and latest end of the first date parameter with a
 * value, the care-date parameter (`careDateParam`) first. An open start or end is not a time on
 * the timeline.
 */
export function careTime(resourceType: string, rows: IndexRows): { startTime: string | null; endTime: string | null } {
  const code = dateParams(resourceType).find((candidate) => rows.date.some((row) => row.code === candidate));
  const dates = code ? rows.date.filter((row) => row.code === code) : [];
  const lows = dates.map((row) => row.low).filter((low) => low !== '-infinity');
  const highs = dates.map((row) => row.high).filter((high) => high !== 'infinity');
  const endTime = highs.length === dates.length && highs.length > 0 ? highs.reduce(latest) : null;
  // A period known only by its end is placed at its end.
  const startTime = lows.length > 0 ? lows.reduce(earliest) : endTime;
  return { startTime, endTime };
}

const earliest = (a: string, b: string) => (new Date(b).getTime() < new Date(a).getTime() ? b : a);
const latest = (a: string, b: string) => (new Date(b).getTime() > new Date(a).getTime() ? b : a);

/** The elements that say what a resource is, by type, first present wins; other types use `code`, then `type`. */
const MAIN_CODE: Readonly<Record<string, readonly string[]>> = {
  Encounter: ['type', 'serviceType', 'class'],
  Immunization: ['vaccineCode'],
  MedicationRequest: ['medicationCodeableConcept', 'medicationReference'],
  MedicationStatement: ['medicationCodeableConcept', 'medicationReference'],
  MedicationAdministration: ['medicationCodeableConcept', 'medicationReference'],
  MedicationDispense: ['medicationCodeableConcept', 'medicationReference'],
  Appointment: ['serviceType', 'appointmentType', 'specialty'],
  DocumentReference: ['type', 'category'],
  Composition: ['type', 'category'],
  CarePlan: ['category'],
  CareTeam: ['category'],
  Goal: ['description'],
  Communication: ['topic', 'category'],
  CommunicationRequest: ['category'],
  EpisodeOfCare: ['type'],
  ImagingStudy: ['procedureCode', 'modality'],
  Consent: ['category'],
  Coverage: ['type'],
};
const DEFAULT_MAIN_CODE = ['code', 'type'];

/** Codings of a CodeableConcept, a Coding, or a list of either. */
function codingsOf(value: unknown): Json[] {
  if (Array.isArray(value)) {
    return value.flatMap(codingsOf);
  }
  if (!isObject(value)) {
    return [];
  }
  if (Array.isArray(value.coding)) {
    return value.coding.filter(isObject);
  }
  return 'code' in value || 'system' in value ? [value] : [];
}

function textOf(value: unknown): string | undefined {
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return isObject(first) ? (asString(first.text) ?? asString(first.display)) : undefined;
}

/** The label and codes of the resource's main coded element: its first display, else its text, else the type name. */
export function describeResource(resource: Json, resourceType: string): { label: string; codes: string[] } {
  for (const element of MAIN_CODE[resourceType] ?? DEFAULT_MAIN_CODE) {
    const value = resource[element];
    if (value === undefined) {
      continue;
    }
    const codings = codingsOf(value);
    const codes = [
      ...new Set(
        codings.flatMap((coding) => {
          const code = asString(coding.code);
          return code ? [`${asString(coding.system) ?? ''}|${code}`] : [];
        }),
      ),
    ];
    const display = codings.map((coding) => asString(coding.display)).find((text) => text !== undefined);
    return { label: display ?? textOf(value) ?? resourceType, codes };
  }
  return { label: resourceType, codes: [] };
}

/**
 * Elements whose Organization or Practitioner paid for, holds or identifies the record rather than
 * provided the care.
 */
const NOT_PROVIDER_ELEMENTS: ReadonlySet<string> = new Set([
  'insurer',
  'payor',
  'issuer',
  'assigner',
  'policyHolder',
  'subscriber',
  'payee',
  'custodian',
  'managingOrganization',
]);

function providersOf(references: readonly FoundReference[]): string[] {
  const providers = new Set<string>();
  for (const reference of references) {
    if (
      PROVIDER_TYPES.has(reference.type) &&
      !reference.path.split('.').some((element) => NOT_PROVIDER_ELEMENTS.has(element))
    ) {
      providers.add(`${reference.type}/${reference.id}`);
    }
  }
  return [...providers].sort();
}

/** The Encounter a resource belongs to: its own id for an Encounter, else its Encounter compartment reference. */
function encounterOf(resourceType: string, id: string, rows: IndexRows): string | null {
  if (resourceType === 'Encounter') {
    return id;
  }
  const codes = new Set(compartmentParams('Encounter', resourceType));
  const row = rows.reference.find(
    (item) =>
      codes.has(item.code) && item.targetType === 'Encounter' && item.targetId && /^Encounter\//.test(item.target),
  );
  return row?.targetId ?? null;
}

/**
 * What a stored resource contributes to the journeys: pure, from the resource and the search-index
 * rows already extracted for it, so writing it costs no second FHIRPath pass.
 */
export function deriveContribution(
  resource: Json & { resourceType: string; id: string },
  rows: IndexRows,
): JourneyContribution {
  const { resourceType, id } = resource;
  if (!isJourneyResourceType(resourceType)) {
    return {
      patients: [],
      node: { startTime: null, endTime: null, label: resourceType, codes: [], encounterId: null, providers: [] },
      links: [],
    };
  }
  const references = findReferences(resource);
  return {
    patients: compartmentPatients(resourceType, id, rows),
    node: {
      ...careTime(resourceType, rows),
      ...describeResource(resource, resourceType),
      encounterId: encounterOf(resourceType, id, rows),
      providers: providersOf(references),
    },
    links: deriveLinks(resourceType, references),
  };
}
