import type { Address, HumanName, Patient } from '@medplum/fhirtypes';
import type { PatientCard } from '@caregraph/core/domain';

const NAME_USE_ORDER = ['official', 'usual', undefined];

function preferredName(names: readonly HumanName[]): HumanName | undefined {
  const rank = (name: HumanName) => {
    const index = NAME_USE_ORDER.indexOf(name.use);
    return index < 0 ? NAME_USE_ORDER.length : index;
  };
  return [...names].sort((a, b) => rank(a) - rank(b))[0];
}

function displayName(name: HumanName | undefined): string {
  if (!name) {
    return '';
  }
  const parts = [...(name.given ?? []), name.family].filter((part): part is string => Boolean(part));
  return parts.length > 0 ? parts.join(' ') : (name.text ?? '');
}

function displayAddress(address: Address | undefined): string | undefined {
  if (!address) {
    return undefined;
  }
  const parts = [...(address.line ?? []), address.city, address.postalCode, address.state, address.country].filter(
    (part): part is string => Boolean(part),
  );
  return parts.length > 0 ? parts.join(', ') : address.text;
}

/** One record as the review queue shows it; a deleted record shows only its id. */
export function toPatientCard(id: string, patient: Patient | undefined, source: string): PatientCard {
  const card: PatientCard = { id, name: '', identifiers: [], source };
  if (!patient) {
    return card;
  }
  card.name = displayName(preferredName(patient.name ?? []));
  card.identifiers = (patient.identifier ?? [])
    .filter((identifier) => identifier.value)
    .map((identifier) =>
      identifier.system ? `${identifier.system}|${identifier.value ?? ''}` : (identifier.value ?? ''),
    );
  const address = displayAddress(patient.address?.[0]);
  const phone = patient.telecom?.find((point) => point.system === 'phone')?.value;
  const email = patient.telecom?.find((point) => point.system === 'email')?.value;
  return {
    ...card,
    ...(patient.birthDate ? { birthDate: patient.birthDate } : {}),
    ...(patient.gender ? { sex: patient.gender } : {}),
    ...(address ? { address } : {}),
    ...(phone ? { phone } : {}),
    ...(email ? { email } : {}),
  };
}
