// One synthetic person as they really are (the ground truth), and the demographics one source
// system holds about them, before and after corruption.
import { loadNameFrequencies, type Sex } from './names.ts';
import { CITIES, EMAIL_DOMAINS, STREET_NAMES, STREET_TYPES, type City } from './places.ts';
import { chance, pick, pickWeighted, randomInt, weightedList, type Random } from './random.ts';

export type Address = { number: number; street: string; streetType: string; city: City; postalCode: string };

/** What a source system records about a person; every field but the names may be absent. */
export type Demographics = {
  given: string[];
  family: string;
  sex?: Sex;
  birthDate?: string;
  address?: Address;
  phone?: string;
  email?: string;
  /** A national identifier (US SSN format, from the never-issued 9xx range). */
  nationalId?: string;
};

/** Everybody's age is taken on this day, so a population does not change with the clock. */
const REFERENCE_YEAR = 2025;

/** Share of people per decade of age (0–9, 10–19, … 90–99): roughly a hospital's patients. */
const AGE_DECADES = weightedList(
  [12, 12, 13, 13, 12, 13, 12, 8, 4, 1].map((weight, decade) => ({ item: decade, weight })),
);

const CITY_LIST = weightedList(CITIES.map((city) => ({ item: city, weight: city.weight })));

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function formatDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function randomBirthDate(random: Random): string {
  const age = pickWeighted(random, AGE_DECADES) * 10 + randomInt(random, 0, 9);
  const year = REFERENCE_YEAR - 1 - age;
  const month = randomInt(random, 1, 12);
  return formatDate(year, month, randomInt(random, 1, daysInMonth(year, month)));
}

function digits(random: Random, count: number): string {
  let text = '';
  for (let index = 0; index < count; index++) {
    text += String(randomInt(random, 0, 9));
  }
  return text;
}

export function randomAddress(random: Random, city: City = pickWeighted(random, CITY_LIST)): Address {
  const frequencies = loadNameFrequencies();
  return {
    number: chance(random, 0.7) ? randomInt(random, 1, 999) : randomInt(random, 1000, 19999),
    street: chance(random, 0.5) ? pick(random, STREET_NAMES) : pickWeighted(random, frequencies.surnames),
    streetType: pick(random, STREET_TYPES),
    city,
    postalCode: `${city.zipPrefix}${digits(random, 2)}`,
  };
}

/** A phone number in the area of `city`: ten digits, formatted by whoever records it. */
export function randomPhone(random: Random, city: City): string {
  return `${city.areaCode}${randomInt(random, 2, 9)}${digits(random, 6)}`;
}

function emailFor(random: Random, given: string, family: string): string {
  const local = pick(random, [
    `${given}.${family}`,
    `${given.charAt(0)}${family}`,
    `${given}${family}${randomInt(random, 1, 99)}`,
    `${family}.${given}`,
  ]);
  return `${local.toLowerCase()}@${pick(random, EMAIL_DOMAINS)}`;
}

/** A person as they are: every field present, names from the frequency lists. */
export function createPerson(random: Random): Demographics {
  const frequencies = loadNameFrequencies();
  const sex: Sex = chance(random, 0.5) ? 'female' : 'male';
  const given = [pickWeighted(random, frequencies.given[sex])];
  if (chance(random, 0.4)) {
    given.push(pickWeighted(random, frequencies.given[sex]));
  }
  const family = pickWeighted(random, frequencies.surnames);
  const address = randomAddress(random);
  return {
    given,
    family,
    sex,
    birthDate: randomBirthDate(random),
    address,
    phone: randomPhone(random, address.city),
    ...(chance(random, 0.7) ? { email: emailFor(random, given[0] ?? '', family) } : {}),
    ...(chance(random, 0.5) ? { nationalId: `9${digits(random, 2)}-${digits(random, 2)}-${digits(random, 4)}` } : {}),
  };
}

/** A deep copy, so one record's corruption never reaches the truth or another record. */
export function copyDemographics(person: Demographics): Demographics {
  return { ...person, given: [...person.given], ...(person.address ? { address: { ...person.address } } : {}) };
}
