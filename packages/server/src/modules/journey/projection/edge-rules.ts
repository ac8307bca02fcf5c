import { compartmentResourceTypes } from '../../fhir/search/compartments.ts';
import type { FoundReference } from './references.ts';

/** The clinical meaning of an edge (the journey contract's relation vocabulary). */
export type Relation =
  | 'part-of'
  | 'during'
  | 'treats'
  | 'indicated-by'
  | 'has-result'
  | 'has-member'
  | 'derived-from'
  | 'based-on'
  | 'addresses'
  | 'diagnosis'
  | 'appointment'
  | 'about'
  | 'evidence'
  | 'fulfils'
  | 'references'
  | 'next';

/** An edge from the resource holding a reference to the resource it names. */
export type JourneyLink = { relation: Relation; toType: string; toId: string };

type Rule = { relation: Relation; targets?: readonly string[] };

/** Targets a rule for `context` accepts: the R4 `context` elements that mean "during this visit". */
const VISIT_TYPES = ['Encounter', 'EpisodeOfCare'];

/**
 * Reference element → relation. Keys are `Type.path` for one resource type or `*.path` for every
 * type with that element; a type's own rule wins over the wildcard. `targets` narrows a rule to
 * the target types it makes sense for (the rest fall through to `references`).
 */
const RULES: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ['*.partOf', { relation: 'part-of' }],
  ['*.encounter', { relation: 'during', targets: VISIT_TYPES }],
  ['*.context', { relation: 'during', targets: VISIT_TYPES }],
  ['DocumentReference.context.encounter', { relation: 'during', targets: VISIT_TYPES }],
  ['MedicationRequest.reasonReference', { relation: 'treats' }],
  ['MedicationStatement.reasonReference', { relation: 'treats' }],
  ['MedicationAdministration.reasonReference', { relation: 'treats' }],
  ['Procedure.reasonReference', { relation: 'treats' }],
  ['*.reasonReference', { relation: 'indicated-by' }],
  ['CarePlan.activity.detail.reasonReference', { relation: 'indicated-by' }],
  ['DiagnosticReport.result', { relation: 'has-result' }],
  ['Observation.hasMember', { relation: 'has-member' }],
  ['*.derivedFrom', { relation: 'derived-from' }],
  ['*.basedOn', { relation: 'based-on' }],
  // A claim's referral is the ServiceRequest the care was based on.
  ['Claim.referral', { relation: 'based-on' }],
  ['ExplanationOfBenefit.referral', { relation: 'based-on' }],
  ['CarePlan.addresses', { relation: 'addresses' }],
  ['Goal.addresses', { relation: 'addresses' }],
  ['Encounter.diagnosis.condition', { relation: 'diagnosis' }],
  ['EpisodeOfCare.diagnosis.condition', { relation: 'diagnosis' }],
  ['Claim.diagnosis.diagnosisReference', { relation: 'diagnosis' }],
  ['ExplanationOfBenefit.diagnosis.diagnosisReference', { relation: 'diagnosis' }],
  ['Encounter.appointment', { relation: 'appointment' }],
  ['DocumentReference.context.related', { relation: 'about' }],
  ['Communication.about', { relation: 'about' }],
  ['CommunicationRequest.about', { relation: 'about' }],
  ['Condition.evidence.detail', { relation: 'evidence' }],
  ['MedicationDispense.authorizingPrescription', { relation: 'fulfils' }],
  ['MedicationAdministration.request', { relation: 'fulfils' }],
]);

/**
 * Targets that never become edges: the patient is the journey itself, and who or where provided
 * the care is a node's `providers`, not a step of the journey.
 */
export const PROVIDER_TYPES: ReadonlySet<string> = new Set(['Practitioner', 'PractitionerRole', 'Organization']);
const NOT_LINKED: ReadonlySet<string> = new Set(['Patient', 'Location', ...PROVIDER_TYPES]);

let journeyTypes: ReadonlySet<string> | undefined;

/** Resource types that can be nodes of a journey: the Patient compartment's. */
function isJourneyType(resourceType: string): boolean {
  journeyTypes ??= new Set(compartmentResourceTypes('Patient'));
  return journeyTypes.has(resourceType);
}

/** The relation of one reference of a `resourceType` resource, or undefined when it is no edge. */
export function relationOf(resourceType: string, reference: FoundReference): Relation | undefined {
  if (NOT_LINKED.has(reference.type)) {
    return undefined;
  }
  const rule = RULES.get(`${resourceType}.${reference.path}`) ?? RULES.get(`*.${reference.path}`);
  if (rule && (!rule.targets || rule.targets.includes(reference.type))) {
    return rule.relation;
  }
  return isJourneyType(reference.type) ? 'references' : undefined;
}

/** The outgoing edges of a resource, one per (relation, target), in the order the references appear. */
export function deriveLinks(resourceType: string, references: readonly FoundReference[]): JourneyLink[] {
  const links = new Map<string, JourneyLink>();
  for (const reference of references) {
    const relation = relationOf(resourceType, reference);
    if (relation) {
      links.set(`${relation}|${reference.type}|${reference.id}`, {
        relation,
        toType: reference.type,
        toId: reference.id,
      });
    }
  }
  return [...links.values()];
}
