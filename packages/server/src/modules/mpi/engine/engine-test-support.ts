// Builders for the engine's unit tests: FHIR Patients from a few demographic fields, and a seeded synthetic
// population with corrupted duplicates.
import type { Patient } from '@medplum/fhirtypes';
import { seededRandom } from './random.ts';

export type PersonFields = {
  id: string;
  given?: string;
  family?: string;
  birthDate?: string;
  gender?: Patient['gender'];
  line?: string;
  city?: string;
  postalCode?: string;
  phone?: string;
  email?: string;
  ssn?: string;
  source?: string;
};

export function buildPatient(fields: PersonFields): Patient {
  return {
    resourceType: 'Patient',
    id: fields.id,
    ...(fields.source ? { meta: { source: fields.source } } : {}),
    name: [{ ...(fields.family ? { family: fields.family } : {}), ...(fields.given ? { given: [fields.given] } : {}) }],
    ...(fields.birthDate ? { birthDate: fields.birthDate } : {}),
    ...(fields.gender ? { gender: fields.gender } : {}),
    ...(fields.line || fields.city || fields.postalCode
      ? {
          address: [
            {
              ...(fields.line ? { line: [fields.line] } : {}),
              ...(fields.city ? { city: fields.city } : {}),
              ...(fields.postalCode ? { postalCode: fields.postalCode } : {}),
            },
          ],
        }
      : {}),
    telecom: [
      ...(fields.phone ? [{ system: 'phone' as const, value: fields.phone }] : []),
      ...(fields.email ? [{ system: 'email' as const, value: fields.email }] : []),
    ],
    ...(fields.ssn ? { identifier: [{ system: 'http://hl7.org/fhir/sid/us-ssn', value: fields.ssn }] } : {}),
  };
}

const GIVEN = [
  'james',
  'mary',
  'john',
  'patricia',
  'robert',
  'jennifer',
  'michael',
  'linda',
  'william',
  'elizabeth',
  'david',
  'barbara',
  'richard',
  'susan',
  'joseph',
  'jessica',
  'thomas',
  'sarah',
  'charles',
  'karen',
  'oliver',
  'amelia',
  'noah',
  'isla',
  'freya',
  'harvey',
  'zara',
  'ishaan',
  'wojciech',
  'siobhan',
];
const FAMILY = [
  'smith',
  'johnson',
  'williams',
  'brown',
  'jones',
  'garcia',
  'miller',
  'davis',
  'rodriguez',
  'martinez',
  'hernandez',
  'lopez',
  'wilson',
  'anderson',
  'thomas',
  'taylor',
  'moore',
  'jackson',
  'martin',
  'lee',
  'okafor',
  'nakamura',
  'kowalski',
  'oconnell',
  'fitzgerald',
  'abernathy',
  'szczepanski',
  'vanderberg',
  'mcallister',
  'quispe',
];
const STREETS = [
  'high street',
  'station road',
  'church lane',
  'park avenue',
  'mill road',
  'king street',
  'acacia drive',
];
const CITIES = ['london', 'leeds', 'bristol', 'cardiff', 'york', 'bath'];

/** One typo: a letter replaced, dropped or two letters transposed. */
function typo(value: string, random: () => number): string {
  const at = Math.floor(random() * (value.length - 1));
  const kind = Math.floor(random() * 3);
  if (kind === 0) {
    return value.slice(0, at) + 'xqz'.charAt(Math.floor(random() * 3)) + value.slice(at + 1);
  }
  if (kind === 1) {
    return value.slice(0, at) + value.slice(at + 1);
  }
  return value.slice(0, at) + (value[at + 1] ?? '') + (value[at] ?? '') + value.slice(at + 2);
}

/**
 * `people` people, each with 0–2 corrupted duplicates (typos, a missing field, a moved house). Ids are
 * `p<person>-<copy>`, so the person of a record is its id up to the dash.
 */
export function syntheticPopulation(people: number, seed = 7): Patient[] {
  const random = seededRandom(seed);
  const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)] as T;
  const patients: Patient[] = [];
  for (let person = 0; person < people; person++) {
    const year = 1930 + Math.floor(random() * 80);
    const month = String(1 + Math.floor(random() * 12)).padStart(2, '0');
    const day = String(1 + Math.floor(random() * 28)).padStart(2, '0');
    const original: PersonFields = {
      id: `p${person}-0`,
      given: pick(GIVEN),
      family: pick(FAMILY),
      birthDate: `${year}-${month}-${day}`,
      gender: random() < 0.5 ? 'female' : 'male',
      line: `${1 + Math.floor(random() * 200)} ${pick(STREETS)}`,
      city: pick(CITIES),
      postalCode: String(1000 + Math.floor(random() * 9000)),
      phone: `07${String(Math.floor(random() * 1e9)).padStart(9, '0')}`,
    };
    patients.push(buildPatient(original));
    const copies = Math.floor(random() * 3);
    for (let copy = 1; copy <= copies; copy++) {
      const duplicate: PersonFields = { ...original, id: `p${person}-${copy}` };
      const corruption = Math.floor(random() * 4);
      if (corruption === 0) {
        duplicate.given = typo(original.given ?? '', random);
      } else if (corruption === 1) {
        duplicate.family = typo(original.family ?? '', random);
      } else if (corruption === 2) {
        delete duplicate.phone;
        // A day/month swap where the swapped date exists.
        duplicate.birthDate = Number(day) <= 12 ? `${year}-${day}-${month}` : original.birthDate;
      } else {
        duplicate.line = `${1 + Math.floor(random() * 200)} ${pick(STREETS)}`;
      }
      patients.push(buildPatient(duplicate));
    }
  }
  return patients;
}

export const personOf = (id: string) => id.split('-')[0] ?? id;
