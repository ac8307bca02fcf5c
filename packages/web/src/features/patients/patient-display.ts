import type { HumanName, Identifier, Patient } from '@caregraph/core/fhir';

/** A name as people write it: "Given Family", preferring the official name. */
export function formatName(patient: Pick<Patient, 'name'>): string {
  const names = patient.name ?? [];
  const name: HumanName | undefined = names.find((candidate) => candidate.use === 'official') ?? names[0];
  if (!name) {
    return 'Unnamed patient';
  }
  if (name.text) {
    return name.text;
  }
  const parts = [...(name.given ?? []), name.family].filter((part): part is string => Boolean(part));
  return parts.length > 0 ? parts.join(' ') : 'Unnamed patient';
}

/** The medical record number, else the first identifier, as "value (system label)". */
export function formatIdentifier(patient: Pick<Patient, 'identifier'>): string | undefined {
  const identifiers = patient.identifier ?? [];
  const isMrn = (identifier: Identifier) => identifier.type?.coding?.some((coding) => coding.code === 'MR') ?? false;
  const chosen = identifiers.find(isMrn) ?? identifiers[0];
  if (!chosen?.value) {
    return undefined;
  }
  const label = chosen.type?.text ?? chosen.type?.coding?.[0]?.display;
  return label ? `${chosen.value} (${label})` : chosen.value;
}

/** Age in whole years on `today`, or undefined without a birth date. */
export function ageInYears(birthDate: string | undefined, today: Date = new Date()): number | undefined {
  if (!birthDate || !/^\d{4}(-\d{2}(-\d{2})?)?$/.test(birthDate)) {
    return undefined;
  }
  const [year, month = 1, day = 1] = birthDate.split('-').map(Number) as [number, number?, number?];
  let age = today.getUTCFullYear() - year;
  const beforeBirthday =
    today.getUTCMonth() + 1 < month || (today.getUTCMonth() + 1 === month && today.getUTCDate() < day);
  if (beforeBirthday) {
    age -= 1;
  }
  return age;
}

/**
 * What a patient search box means: a birth date (YYYY-MM-DD), an identifier (contains a digit),
 * or a name. Returned as FHIR search parameters.
 */
export function patientSearchParams(term: string): Record<string, string> {
  const trimmed = term.trim();
  if (trimmed === '') {
    return {};
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(trimmed)) {
    return { birthdate: trimmed };
  }
  if (/\d/.test(trimmed)) {
    return { identifier: trimmed };
  }
  return { name: trimmed };
}
