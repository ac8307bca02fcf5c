import type { Address, ContactPoint, HumanName, Patient, Person, PersonLink } from '@medplum/fhirtypes';
import type { LinkOrigin } from '@caregraph/core/domain';

/** Tags every golden record, so clients can tell them from Persons they write themselves. */
export const GOLDEN_RECORD_TAG = { system: 'http://caregraph.dev/fhir/CodeSystem/mpi', code: 'golden-record' } as const;

export type Assurance = NonNullable<PersonLink['assurance']>;

/** One member of a golden record, with what survivorship weighs. */
export type SurvivorCandidate = {
  patient: Patient & { id: string };
  /** The source system (MatchRecord.source); '' when unknown. */
  source: string;
  /** When the member was last written (ISO 8601). */
  lastUpdated: string;
  /** A record merged into another member; it no longer contributes to the golden record. */
  replaced: boolean;
};

/** The golden record's fields that survivorship chooses. */
export type SurvivingFields = Pick<Person, 'name' | 'birthDate' | 'gender' | 'address' | 'telecom'>;

type Criterion = 'trust' | 'recent' | 'complete';
type Field = keyof SurvivingFields;

/**
 * Which member's value each field takes: the criteria are applied in order, each breaking the
 * previous one's ties (then the lowest patient id, so the choice is stable). Names and birth dates
 * come from the most trusted source, since registration desks and national registers verify them;
 * a known gender beats `unknown`; addresses and telecoms follow the latest record, since people move
 * and change numbers more often than sources disagree about them.
 */
export const SURVIVORSHIP_RULES: Readonly<Record<Field, readonly Criterion[]>> = {
  name: ['trust', 'complete', 'recent'],
  birthDate: ['trust', 'complete', 'recent'],
  gender: ['complete', 'trust', 'recent'],
  address: ['recent', 'trust', 'complete'],
  telecom: ['recent', 'trust', 'complete'],
};

function nameParts(name: HumanName): number {
  return (name.given?.length ?? 0) + (name.family ? 1 : 0) + (name.prefix?.length ?? 0) + (name.suffix?.length ?? 0);
}

function addressParts(address: Address): number {
  return (
    (address.line?.length ?? 0) +
    [address.city, address.district, address.state, address.postalCode, address.country].filter(Boolean).length
  );
}

/** How complete a member's value of a field is; 0 means it has none. */
function completeness(patient: Patient, field: Field): number {
  switch (field) {
    case 'name':
      return Math.max(0, ...(patient.name ?? []).map(nameParts));
    case 'birthDate':
      // A full date is more complete than a year-month or a year.
      return patient.birthDate?.length ?? 0;
    case 'gender':
      return patient.gender === undefined ? 0 : patient.gender === 'unknown' ? 1 : 2;
    case 'address':
      return (patient.address ?? []).reduce((sum, address) => sum + addressParts(address), 0);
    case 'telecom':
      return (patient.telecom ?? []).filter((point: ContactPoint) => point.value).length;
  }
}

function trustRank(source: string, trust: readonly string[]): number {
  const rank = trust.indexOf(source);
  return rank < 0 ? trust.length : rank;
}

/** Negative when `a` is the better survivor under `criterion`. */
function compareBy(
  criterion: Criterion,
  field: Field,
  a: SurvivorCandidate,
  b: SurvivorCandidate,
  trust: readonly string[],
): number {
  switch (criterion) {
    case 'trust':
      return trustRank(a.source, trust) - trustRank(b.source, trust);
    case 'recent':
      return Date.parse(b.lastUpdated) - Date.parse(a.lastUpdated);
    case 'complete':
      return completeness(b.patient, field) - completeness(a.patient, field);
  }
}

/** The member whose value of `field` survives, or undefined when no member has one. */
export function chooseSurvivor(
  field: Field,
  members: readonly SurvivorCandidate[],
  trust: readonly string[],
): SurvivorCandidate | undefined {
  const holders = members.filter((member) => !member.replaced && completeness(member.patient, field) > 0);
  const rules = SURVIVORSHIP_RULES[field];
  return holders.sort((a, b) => {
    for (const criterion of rules) {
      const order = compareBy(criterion, field, a, b, trust);
      if (order !== 0) {
        return order;
      }
    }
    return a.patient.id < b.patient.id ? -1 : a.patient.id > b.patient.id ? 1 : 0;
  })[0];
}

/** The golden record's name, birth date, gender, addresses and telecoms, each from its surviving member. */
export function surviveFields(members: readonly SurvivorCandidate[], trust: readonly string[]): SurvivingFields {
  const fields: SurvivingFields = {};
  const name = chooseSurvivor('name', members, trust)?.patient.name;
  if (name) {
    fields.name = name;
  }
  const telecom = chooseSurvivor('telecom', members, trust)?.patient.telecom;
  if (telecom) {
    fields.telecom = telecom;
  }
  const gender = chooseSurvivor('gender', members, trust)?.patient.gender;
  if (gender) {
    fields.gender = gender;
  }
  const birthDate = chooseSurvivor('birthDate', members, trust)?.patient.birthDate;
  if (birthDate) {
    fields.birthDate = birthDate;
  }
  const address = chooseSurvivor('address', members, trust)?.patient.address;
  if (address) {
    fields.address = address;
  }
  return fields;
}

/**
 * The `Person.link.assurance` of a member: level4 when a person confirmed it (a reviewer's link or a
 * merge) or the match is all but certain, then level3/level2/level1 as the match probability falls.
 */
export function assuranceOf(probability: number, origin: LinkOrigin): Assurance {
  if (origin !== 'auto' || probability >= 0.999) {
    return 'level4';
  }
  if (probability >= 0.99) {
    return 'level3';
  }
  return probability >= 0.9 ? 'level2' : 'level1';
}

/** A golden record's member link. */
export type MemberAssurance = { patientId: string; assurance: Assurance };

/** The golden-record Person of a cluster: surviving demographics and a link to every member. */
export function buildGoldenRecord(options: {
  id: string;
  members: readonly SurvivorCandidate[];
  links: readonly MemberAssurance[];
  trust: readonly string[];
}): Person & { id: string } {
  const links = [...options.links].sort((a, b) => (a.patientId < b.patientId ? -1 : 1));
  return {
    resourceType: 'Person',
    id: options.id,
    meta: { tag: [{ ...GOLDEN_RECORD_TAG }] },
    active: true,
    ...surviveFields(options.members, options.trust),
    link: links.map((link) => ({ target: { reference: `Patient/${link.patientId}` }, assurance: link.assurance })),
  };
}
