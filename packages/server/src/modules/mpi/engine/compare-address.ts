// Address comparators: the street (number and name) and the locality (postcode and city) are separate
// fields because people move within a town, and because a postcode and a city agree together far more often
// than their separate frequencies suggest — one field per pair keeps that dependence out of the sum.
import { editDistance, jaroWinkler } from './string-metrics.ts';
import type { MatchAddress } from './types.ts';

export const STREET_LEVELS = ['exact', 'fuzzyWithNumber', 'sameStreet', 'similarStreet', 'different'] as const;
export const LOCALITY_LEVELS = [
  'postcodeAndCity',
  'postcode',
  'city',
  'postcodeNear',
  'citySimilar',
  'different',
] as const;

const FUZZY_STREET = 0.88;
const SAME_CITY = 0.9;
const SIMILAR_CITY = 0.8;
// Share of line words in common above which two lines are the same address written differently (lines
// swapped, a building name added).
const LINE_WORD_OVERLAP = 0.5;

function lineWordOverlap(a: string, b: string): number {
  const wordsA = a.split(' ').filter((word) => word.length > 1);
  const wordsB = b.split(' ').filter((word) => word.length > 1);
  if (wordsA.length === 0 || wordsB.length === 0) {
    return 0;
  }
  const shared = wordsA.filter((word) => wordsB.includes(word)).length;
  return shared / (wordsA.length + wordsB.length - shared);
}

function streetLevel(a: MatchAddress, b: MatchAddress): number {
  if (!a.street || !b.street) {
    return -1;
  }
  const sameNumber = a.number !== undefined && a.number === b.number;
  if (a.street === b.street) {
    return sameNumber ? 0 : 2;
  }
  const similarity = jaroWinkler(a.street, b.street);
  if (sameNumber && similarity >= FUZZY_STREET) {
    return 1;
  }
  if (similarity >= FUZZY_STREET || lineWordOverlap(a.line, b.line) >= LINE_WORD_OVERLAP) {
    return 3;
  }
  return 4;
}

function localityLevel(a: MatchAddress, b: MatchAddress): number {
  const hasPostcodes = a.postcode !== undefined && b.postcode !== undefined;
  const hasCities = a.city !== undefined && b.city !== undefined;
  if (!hasPostcodes && !hasCities) {
    return -1;
  }
  const samePostcode = hasPostcodes && a.postcode === b.postcode;
  const sameCity = hasCities && jaroWinkler(a.city ?? '', b.city ?? '') >= SAME_CITY;
  if (samePostcode) {
    return sameCity ? 0 : 1;
  }
  if (sameCity) {
    return 2;
  }
  if (hasPostcodes && (a.postcode ?? '').length >= 3 && editDistance(a.postcode ?? '', b.postcode ?? '') === 1) {
    return 3;
  }
  return hasCities && jaroWinkler(a.city ?? '', b.city ?? '') >= SIMILAR_CITY ? 4 : 5;
}

/** Best level over every address pair; -1 when no pair can be compared. */
function bestLevel(
  a: readonly MatchAddress[],
  b: readonly MatchAddress[],
  level: (x: MatchAddress, y: MatchAddress) => number,
): number {
  let best = -1;
  for (const x of a) {
    for (const y of b) {
      const current = level(x, y);
      if (current >= 0 && (best < 0 || current < best)) {
        best = current;
      }
    }
  }
  return best;
}

export function compareStreets(a: readonly MatchAddress[], b: readonly MatchAddress[]): number {
  return bestLevel(a, b, streetLevel);
}

export function compareLocalities(a: readonly MatchAddress[], b: readonly MatchAddress[]): number {
  return bestLevel(a, b, localityLevel);
}
