// The engine's data shapes. MatchRecord and MatchModel are stored as JSON by the MPI store, so every field
// here is plain data (no Maps, no class instances).

/** One normalised address of a patient. */
export type MatchAddress = {
  /** All address lines, normalised and joined with a space. */
  line: string;
  /** House number split off the first line. */
  number?: string;
  /** Street name of the first line without its number, street type abbreviated, spaces removed. */
  street?: string;
  city?: string;
  postcode?: string;
  state?: string;
};

/**
 * Keyed hashes of a sealed identifier's one-edit neighbourhood, so near misses are found without the
 * value: `neighbours` hold the hashes of the values one deletion or one adjacent swap away (one of them
 * equals the other value's hash when that value lacks a character or has two swapped); `substitutions`
 * the hash of the value without each position, with the position (two values differing in one
 * position share the one of that position).
 */
export type IdentifierDigests = { neighbours: string[]; substitutions: string[] };

/**
 * One identifier; `authoritative` ones (national ids) count strongly against a match when they conflict.
 * When its system's values are sealed, `value` is a keyed hash of the value and `digests` is set.
 */
export type MatchIdentifier = { system: string; value: string; authoritative: boolean; digests?: IdentifierDigests };

/** Normalised demographics of one Patient, with derived codes precomputed so scoring a pair stays cheap. */
export type MatchRecord = {
  id: string;
  /** Source system: Patient.meta.source, else the system of the first MRN identifier, else ''. */
  source: string;
  givenNames: string[];
  familyNames: string[];
  /** YYYY-MM-DD */
  birthDate?: string;
  sex?: string;
  addresses: MatchAddress[];
  phones: string[];
  emails: string[];
  identifiers: MatchIdentifier[];
  /** Double Metaphone primary codes of givenNames / familyNames, index-aligned. Opaque to callers. */
  givenPhonetic: string[];
  familyPhonetic: string[];
};

/** The comparison fields of the Fellegi–Sunter model, in scoring order. */
export const FIELD_NAMES = [
  'givenName',
  'familyName',
  'birthDate',
  'sex',
  'street',
  'locality',
  'phone',
  'email',
  'nationalId',
  'identifier',
] as const;
export type FieldName = (typeof FIELD_NAMES)[number];

export type Agreement = 'agree' | 'partial' | 'disagree' | 'missing';

/** One comparison level of a field with its learned m and u probabilities. */
export type LevelParameters = { level: string; agreement: Agreement; m: number; u: number };

/** Per-field parameters: levels in the order the comparator tests them, best agreement first. */
export type FieldParameters = { levels: LevelParameters[] };

/**
 * Term frequencies of a field's values (share of records holding the value). Values not listed use
 * `defaultFrequency`, the frequency of a value seen once.
 */
export type FrequencyTable = { frequencies: Record<string, number>; defaultFrequency: number };

export type MatchModel = {
  version: number;
  trainedAt: string;
  /** Prior probability that two records drawn at random are the same patient. */
  lambda: number;
  fields: Record<FieldName, FieldParameters>;
  termFrequencies: { givenName: FrequencyTable; familyName: FrequencyTable; birthDate: FrequencyTable };
  /** Posterior probability thresholds: at or above `upper` links, at or above `lower` asks for review. */
  thresholds: { upper: number; lower: number };
  /** How the parameters were obtained, for the model history screen and the dedupe report. */
  training?: {
    records: number;
    /** Records held in memory for training: all of them for small populations, a bounded sample beyond. */
    sampledRecords?: number;
    randomPairs: number;
    emRuns: Array<{ rule: string; pairs: number; iterations: number; matchShare: number }>;
  };
};

export type FieldComparison = {
  field: string;
  level: string;
  agreement: Agreement;
  /** log2 Bayes factor of this field's level (term-frequency adjusted where the level uses it). */
  weight: number;
  a?: string;
  b?: string;
};

export type MatchGrade = 'certain' | 'probable' | 'possible' | 'certainly-not';

export type PairScore = {
  /** Total match weight in log2 odds, prior included: probability = 2^weight / (1 + 2^weight). */
  weight: number;
  probability: number;
  grade: MatchGrade;
  fields: FieldComparison[];
};
