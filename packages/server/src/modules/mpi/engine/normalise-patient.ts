// FHIR Patient → MatchRecord: everything the comparators need, normalised once when a patient is stored so
// scoring a pair does no string preparation.
import type { HumanName, Patient } from '@medplum/fhirtypes';
import { normaliseAddress } from './normalise-address.ts';
import { identifierTypeCodes, normaliseEmail, normaliseIdentifier, normalisePhone } from './normalise-contact.ts';
import { normaliseNameWords } from './normalise-name.ts';
import { phoneticCode } from './string-metrics.ts';
import type { MatchAddress, MatchIdentifier, MatchRecord } from './types.ts';

const FULL_DATE = /^\d{4}-\d{2}-\d{2}$/;
const KNOWN_SEX = new Set(['male', 'female', 'other']);

// The name the patient is known by officially comes first; maiden and old names add alternative words.
const NAME_USE_ORDER = ['official', 'usual', undefined, 'maiden', 'old', 'nickname', 'anonymous', 'temp'];

function orderNames(names: readonly HumanName[]): HumanName[] {
  const rank = (name: HumanName) => {
    const index = NAME_USE_ORDER.indexOf(name.use);
    return index < 0 ? NAME_USE_ORDER.length : index;
  };
  return [...names].sort((x, y) => rank(x) - rank(y));
}

function nameParts(name: HumanName): { given: string[]; family: string[] } {
  let given = normaliseNameWords(name.given ?? []);
  let family = normaliseNameWords([name.family]);
  if (given.length === 0 && family.length === 0 && name.text) {
    // Only free text: the last word is taken as the family name, as most feeds write "Given Family".
    const words = normaliseNameWords([name.text]);
    family = words.slice(-1);
    given = words.slice(0, -1);
  }
  return { given, family };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function normaliseNames(patient: Patient): { givenNames: string[]; familyNames: string[] } {
  const parts = orderNames(patient.name ?? []).map(nameParts);
  return {
    givenNames: unique(parts.flatMap((part) => part.given)),
    familyNames: unique(parts.flatMap((part) => part.family)),
  };
}

function normaliseIdentifiers(patient: Patient): MatchIdentifier[] {
  const seen = new Set<string>();
  const result: MatchIdentifier[] = [];
  for (const identifier of patient.identifier ?? []) {
    const normalised = normaliseIdentifier(identifier);
    const key = normalised ? `${normalised.system}|${normalised.value}` : '';
    if (normalised && !seen.has(key)) {
      seen.add(key);
      result.push(normalised);
    }
  }
  return result;
}

function findSource(patient: Patient): string {
  if (patient.meta?.source) {
    return patient.meta.source;
  }
  const identifiers = patient.identifier ?? [];
  const mrn = identifiers.find((identifier) => identifierTypeCodes(identifier).includes('MR'));
  return mrn?.system ?? '';
}

function contactValues(patient: Patient, system: 'phone' | 'email'): Array<string | undefined> {
  return (patient.telecom ?? []).filter((telecom) => telecom.system === system).map((telecom) => telecom.value);
}

/** Normalises a FHIR Patient into the record the matcher compares. */
export function toMatchRecord(patient: Patient): MatchRecord {
  const { givenNames, familyNames } = normaliseNames(patient);
  const addresses = (patient.address ?? [])
    .map(normaliseAddress)
    .filter((address): address is MatchAddress => address !== undefined);
  const record: MatchRecord = {
    id: patient.id ?? '',
    source: findSource(patient),
    givenNames,
    familyNames,
    addresses,
    phones: unique(contactValues(patient, 'phone').flatMap((value) => normalisePhone(value) ?? [])),
    emails: unique(contactValues(patient, 'email').flatMap((value) => normaliseEmail(value) ?? [])),
    identifiers: normaliseIdentifiers(patient),
    givenPhonetic: givenNames.map(phoneticCode),
    familyPhonetic: familyNames.map(phoneticCode),
  };
  if (patient.birthDate && FULL_DATE.test(patient.birthDate)) {
    record.birthDate = patient.birthDate;
  }
  if (patient.gender && KNOWN_SEX.has(patient.gender)) {
    record.sex = patient.gender;
  }
  return record;
}
