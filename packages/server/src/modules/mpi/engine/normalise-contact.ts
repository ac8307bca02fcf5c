// Phone, e-mail and identifier normalisation.
import { MIN_EDITABLE_LENGTH } from './compare-contact.ts';
import type { MatchIdentifier } from './types.ts';

// Comparing the last nine digits makes "+44 20 7946 0018", "020 7946 0018" and "2079460018" agree whatever
// trunk prefix or country code the source wrote, while nine digits are still specific to one line.
const PHONE_DIGITS = 9;
const MIN_PHONE_DIGITS = 7;

/** The comparable tail of a phone number, or undefined when too short to identify a line. */
export function normalisePhone(value: string | undefined): string | undefined {
  const digits = (value ?? '').replace(/\D/g, '');
  return digits.length >= MIN_PHONE_DIGITS ? digits.slice(-PHONE_DIGITS) : undefined;
}

const DOTLESS_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

/** Lower-cased address; Gmail's ignored dots and +tags removed so aliases of one mailbox agree. */
export function normaliseEmail(value: string | undefined): string | undefined {
  const email = (value ?? '').trim().toLowerCase();
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1) {
    return undefined;
  }
  const domain = email.slice(at + 1);
  if (!DOTLESS_DOMAINS.has(domain)) {
    return email;
  }
  const local = email.slice(0, at).split('+')[0]?.replace(/\./g, '') ?? '';
  return `${local}@gmail.com`;
}

// National person identifiers: one per person, issued by a registry, so two different values almost
// always mean two people.
const NATIONAL_ID_SYSTEMS = new Set([
  'http://hl7.org/fhir/sid/us-ssn',
  'urn:oid:2.16.840.1.113883.4.1',
  'https://fhir.nhs.uk/Id/nhs-number',
  'http://fhir.nl/fhir/NamingSystem/bsn',
  'http://ns.electronichealth.net.au/id/hi/ihi/1.0',
  'urn:oid:1.2.208.176.1.2',
  'urn:oid:1.2.250.1.213.1.4.8',
  'urn:oid:2.16.578.1.12.4.1.4.1',
  'urn:oid:1.2.752.129.2.1.3.1',
]);

// HL7 v2 table 0203 identifier types of national person identifiers: social security, national unique
// individual, social beneficiary and national health plan numbers.
const NATIONAL_ID_TYPES = new Set(['SS', 'NI', 'SB', 'NH']);

export type IdentifierInput = {
  system?: string;
  value?: string;
  use?: string;
  type?: { coding?: ReadonlyArray<{ system?: string; code?: string }> };
};

export function identifierTypeCodes(identifier: IdentifierInput): string[] {
  return (identifier.type?.coding ?? []).flatMap((coding) => (coding.code ? [coding.code] : []));
}

/** A comparable identifier: value without spaces, dashes or dots, upper-cased; undefined when unusable. */
export function normaliseIdentifier(identifier: IdentifierInput): MatchIdentifier | undefined {
  const value = (identifier.value ?? '').replace(/[\s\-./]/g, '').toUpperCase();
  if (value === '' || identifier.use === 'old') {
    return undefined;
  }
  const system = identifier.system ?? '';
  const authoritative =
    NATIONAL_ID_SYSTEMS.has(system) || identifierTypeCodes(identifier).some((code) => NATIONAL_ID_TYPES.has(code));
  return { system, value, authoritative };
}

/** A keyed hash of an identifier value within its system (the tenant's blind index). */
export type IdentifierHash = (system: string, value: string) => string;

/**
 * The identifier with its value replaced by keyed hashes: the hash of the value (equality, blocking)
 * and the digests of its one-edit neighbourhood (the comparator's one-edit level), so the record
 * holds no value in clear. Neighbours are hashed only where the comparator looks for a near miss: in
 * values of at least MIN_EDITABLE_LENGTH characters, and deletions that leave at least that many.
 */
export function sealIdentifier(identifier: MatchIdentifier, hash: IdentifierHash): MatchIdentifier {
  const { system, value } = identifier;
  const neighbours = new Set<string>();
  const substitutions: string[] = [];
  if (value.length >= MIN_EDITABLE_LENGTH) {
    for (let position = 0; position < value.length; position++) {
      const rest = value.slice(0, position) + value.slice(position + 1);
      // The position is hashed with the rest: values sharing a deletion at another position are two edits apart.
      substitutions.push(hash(`${system}|${position}`, rest));
      if (rest.length >= MIN_EDITABLE_LENGTH) {
        neighbours.add(hash(system, rest));
      }
      const next = value[position + 1];
      if (next !== undefined && next !== value[position]) {
        neighbours.add(
          hash(system, `${value.slice(0, position)}${next}${value[position]}${value.slice(position + 2)}`),
        );
      }
    }
  }
  return { ...identifier, value: hash(system, value), digests: { neighbours: [...neighbours], substitutions } };
}
