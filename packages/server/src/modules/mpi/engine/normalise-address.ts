// Address normalisation: folded lines, the house number split from the street name, street types
// abbreviated (street → st, road → rd), and postcodes without spaces. Street names are compared with spaces
// removed because spacing is the commonest keying error in addresses ("pridham street" / "pridhamstreet").
import { foldWords } from './text.ts';
import type { MatchAddress } from './types.ts';

const STREET_TYPES: Record<string, string> = {
  street: 'st',
  road: 'rd',
  avenue: 'ave',
  av: 'ave',
  drive: 'dr',
  place: 'pl',
  crescent: 'cres',
  court: 'ct',
  lane: 'ln',
  boulevard: 'blvd',
  close: 'cl',
  circuit: 'cct',
  terrace: 'tce',
  parade: 'pde',
  highway: 'hwy',
  square: 'sq',
  grove: 'gr',
  parkway: 'pkwy',
  circle: 'cir',
  gardens: 'gdns',
  mount: 'mt',
  north: 'n',
  south: 's',
  east: 'e',
  west: 'w',
  apartment: 'apt',
  suite: 'ste',
};

// Long street-type words that are sometimes run into the name ("hurleystreet").
const RUN_IN_TYPES = ['street', 'road', 'avenue', 'drive', 'place', 'crescent', 'court', 'lane', 'close', 'circuit'];

const HOUSE_NUMBER = /^\d+[a-z]?$/;

function splitRunInType(word: string): string[] {
  for (const type of RUN_IN_TYPES) {
    if (word.length > type.length + 2 && word.endsWith(type)) {
      return [word.slice(0, -type.length), type];
    }
  }
  return [word];
}

function abbreviate(words: string[]): string[] {
  return words.flatMap(splitRunInType).map((word) => STREET_TYPES[word] ?? word);
}

/** Splits "12 hurley street" into number "12" and street "hurleyst". */
function splitStreetLine(words: string[]): { number?: string; street?: string } {
  const numberIndex = words.findIndex((word) => HOUSE_NUMBER.test(word));
  const number = numberIndex >= 0 ? words[numberIndex] : undefined;
  const streetWords = abbreviate(words.filter((_, index) => index !== numberIndex && !/^\d/.test(words[index] ?? '')));
  const street = streetWords.join('');
  return { number, street: street === '' ? undefined : street };
}

export type AddressInput = {
  line?: readonly string[];
  city?: string;
  postalCode?: string;
  state?: string;
};

/** One normalised address, or undefined when it holds nothing comparable. */
export function normaliseAddress(address: AddressInput): MatchAddress | undefined {
  const lines = (address.line ?? []).map((line) => foldWords(line)).filter((words) => words.length > 0);
  const city = foldWords(address.city).join(' ');
  const postcode = foldWords(address.postalCode).join('');
  const state = foldWords(address.state).join(' ');
  if (lines.length === 0 && city === '' && postcode === '') {
    return undefined;
  }
  const { number, street } = splitStreetLine(lines[0] ?? []);
  const result: MatchAddress = { line: lines.map((words) => abbreviate(words).join(' ')).join(' ') };
  if (number !== undefined) {
    result.number = number;
  }
  if (street !== undefined) {
    result.street = street;
  }
  if (city !== '') {
    result.city = city;
  }
  if (postcode !== '') {
    result.postcode = postcode;
  }
  if (state !== '') {
    result.state = state;
  }
  return result;
}
