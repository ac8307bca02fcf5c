// Builders and helpers shared by the master patient index's integration tests.
import assert from 'node:assert/strict';
import type { Bundle, Patient, Person } from '@medplum/fhirtypes';
import type { TestTenant } from '../../test/create-test-app.ts';
import { FHIR, json } from '../fhir/fhir-test-support.ts';

/** A made-up patient with every demographic the matcher compares; `overrides` replace top-level elements. */
export function buildPerson(overrides: Partial<Patient> = {}): Patient {
  return {
    resourceType: 'Patient',
    name: [{ family: 'Whitfield', given: ['Jonathan', 'Edward'] }],
    gender: 'male',
    birthDate: '1975-03-14',
    address: [{ line: ['12 Baker Street'], city: 'London', postalCode: 'NW1 6XE' }],
    telecom: [{ system: 'phone', value: '020 7946 0123' }],
    ...overrides,
  };
}

/** The same person as `buildPerson()` registered elsewhere: a nickname and no middle name. */
export const NEAR_DUPLICATE: Partial<Patient> = { name: [{ family: 'Whitfield', given: ['Jon'] }] };

/** Someone who might be `buildPerson()`: a short form of the given name, birth month off by one, another town. */
export const BORDERLINE: Partial<Patient> = {
  name: [{ family: 'Whitfield', given: ['John'] }],
  birthDate: '1975-04-14',
  address: [{ line: ['3 High Road'], city: 'Leeds', postalCode: 'LS1 1AA' }],
  telecom: undefined,
};

/** Clearly someone else. */
export const SOMEONE_ELSE: Partial<Patient> = {
  name: [{ family: 'Okafor', given: ['Adaeze'] }],
  gender: 'female',
  birthDate: '1990-11-02',
  address: [{ line: ['7 Mill Lane'], city: 'Bristol', postalCode: 'BS1 4DJ' }],
  telecom: [{ system: 'phone', value: '0117 496 0555' }],
};

/** The golden records linking a patient, found through FHIR search (`Person?link=Patient/{id}`). */
export async function personsOf(tenant: TestTenant, patientId: string): Promise<Array<Person & { id: string }>> {
  const response = await tenant.request({ method: 'GET', url: `${FHIR}/Person?link=Patient/${patientId}` });
  assert.equal(response.statusCode, 200, response.body);
  return (json<Bundle>(response).entry ?? []).map((entry) => entry.resource as Person & { id: string });
}

/** The one golden record of a patient. */
export async function personOf(tenant: TestTenant, patientId: string): Promise<Person & { id: string }> {
  const persons = await personsOf(tenant, patientId);
  assert.equal(persons.length, 1, `Patient/${patientId} is in exactly one golden record`);
  return persons[0] as Person & { id: string };
}

/** The patient ids a golden record links, sorted. */
export function memberIds(person: Person): string[] {
  return (person.link ?? []).map((link) => (link.target.reference ?? '').replace('Patient/', '')).sort();
}

/** Reads a Patient as stored. */
export async function readPatient(tenant: TestTenant, id: string): Promise<Patient & { id: string }> {
  const response = await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${id}` });
  assert.equal(response.statusCode, 200, response.body);
  return json<Patient & { id: string }>(response);
}

const GIVEN_NAMES = [
  ['Amara', 'female'],
  ['Bartholomew', 'male'],
  ['Cressida', 'female'],
  ['Desmond', 'male'],
  ['Eleanor', 'female'],
  ['Fergus', 'male'],
  ['Genevieve', 'female'],
  ['Horatio', 'male'],
  ['Imogen', 'female'],
  ['Jasper', 'male'],
  ['Keziah', 'female'],
  ['Lysander', 'male'],
  ['Marisol', 'female'],
  ['Nikolai', 'male'],
  ['Ophelia', 'female'],
  ['Percival', 'male'],
  ['Rosalind', 'female'],
  ['Sebastian', 'male'],
  ['Theodora', 'female'],
  ['Ulysses', 'male'],
] as const;
const FAMILY_NAMES = [
  'Abernathy',
  'Blackwood',
  'Castellanos',
  'Drummond',
  'Esterhazy',
  'Fairweather',
  'Gallagher',
  'Holloway',
  'Ishikawa',
  'Jankowski',
  'Kowalczyk',
  'Lindqvist',
  'Montgomery',
  'Nakamura',
  'Oyelaran',
  'Pemberton',
  'Quintero',
  'Rasmussen',
  'Szymanski',
  'Thorncastle',
];
const STREETS = ['Acacia Avenue', 'Brook Lane', 'Cedar Road', 'Dover Street', 'Elm Grove', 'Fern Close', 'Mill Hill'];
const CITIES = [
  ['Norwich', 'NR'],
  ['Exeter', 'EX'],
  ['Carlisle', 'CA'],
  ['Swansea', 'SA'],
  ['Lincoln', 'LN'],
  ['Inverness', 'IV'],
] as const;

/** A small seeded generator (mulberry32), so the made-up population is the same on every run. */
function seededRandom(seed: number): (below: number) => number {
  let state = seed >>> 0;
  return (below) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * below);
  };
}

function digits(random: (below: number) => number, count: number): string {
  return Array.from({ length: count }, () => String(random(10))).join('');
}

/**
 * `count` (up to 400) made-up patients who are all different people, as registration desks enter
 * them: each a distinct given and family name pair, with a random birth date, address, phone and
 * medical record number.
 */
export function buildDistinctPatients(count: number, seed = 1): Patient[] {
  assert.ok(count <= GIVEN_NAMES.length * FAMILY_NAMES.length, 'enough distinct names');
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, index): Patient => {
    const [given, gender] = GIVEN_NAMES[index % GIVEN_NAMES.length] ?? GIVEN_NAMES[0];
    const family = FAMILY_NAMES[Math.floor(index / GIVEN_NAMES.length)] ?? '';
    const [city, area] = CITIES[random(CITIES.length)] ?? CITIES[0];
    const birth = new Date(Date.UTC(1930, 0, 1) + random(75 * 365) * 86_400_000);
    return {
      resourceType: 'Patient',
      identifier: [{ system: 'urn:caregraph:test:mrn', value: digits(random, 8) }],
      name: [{ family, given: [given] }],
      gender,
      birthDate: birth.toISOString().slice(0, 10),
      address: [
        {
          line: [`${1 + random(200)} ${STREETS[random(STREETS.length)] ?? ''}`],
          city,
          postalCode: `${area}${1 + random(20)} ${random(10)}${'ABDEFGHJLNPQRSTUWXYZ'[random(20)] ?? 'A'}${'ABDEFGHJLNPQRSTUWXYZ'[random(20)] ?? 'A'}`,
        },
      ],
      telecom: [{ system: 'phone', value: `07${digits(random, 9)}` }],
    };
  });
}
