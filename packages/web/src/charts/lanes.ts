/**
 * The order and names of journey swim-lanes: encounters on top, then what was found, what was
 * done, what was measured, and what was written, as a clinician reads a chart.
 */
export type Lane = { id: string; label: string; types: readonly string[] };

export const LANES: readonly Lane[] = [
  { id: 'encounters', label: 'Encounters', types: ['Encounter', 'EpisodeOfCare', 'Appointment'] },
  { id: 'problems', label: 'Problems', types: ['Condition', 'AllergyIntolerance', 'FamilyMemberHistory'] },
  {
    id: 'medications',
    label: 'Medications',
    types: ['MedicationRequest', 'MedicationStatement', 'MedicationAdministration', 'MedicationDispense'],
  },
  { id: 'procedures', label: 'Procedures', types: ['Procedure', 'ServiceRequest', 'CarePlan', 'CareTeam', 'Goal'] },
  { id: 'immunizations', label: 'Immunizations', types: ['Immunization', 'ImmunizationRecommendation'] },
  { id: 'results', label: 'Labs & vitals', types: ['Observation', 'DiagnosticReport', 'ImagingStudy', 'Specimen'] },
  {
    id: 'notes',
    label: 'Notes & documents',
    types: ['DocumentReference', 'Composition', 'Communication', 'QuestionnaireResponse', 'Media'],
  },
];

const OTHER: Lane = { id: 'other', label: 'Other', types: [] };

const laneByType = new Map(LANES.flatMap((lane) => lane.types.map((type) => [type, lane] as const)));

/** The lane a resource type is drawn in. */
export function laneOf(resourceType: string): Lane {
  return laneByType.get(resourceType) ?? OTHER;
}

/** The lanes that hold at least one of `types`, in display order (Other last). */
export function lanesFor(types: Iterable<string>): Lane[] {
  const used = new Set([...types].map((type) => laneOf(type).id));
  return [...LANES, OTHER].filter((lane) => used.has(lane.id));
}
