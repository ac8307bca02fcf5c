import type { FieldComparison, MatchGrade, PatientCard, ReviewDetail, ReviewSummary } from '@caregraph/core/domain';

/** A StatusBadge tone (kept here as a plain union so this file stays free of components). */
type BadgeTone = 'ok' | 'warning' | 'error' | 'neutral';

export type Agreement = FieldComparison['agreement'];

/** How an agreement level is shown: a word and a symbol besides the colour, so colour is never the only cue. */
export const AGREEMENT_DISPLAY: Record<Agreement, { label: string; counted: string; symbol: string; tone: BadgeTone }> =
  {
    agree: { label: 'Agrees', counted: 'agree', symbol: '✓', tone: 'ok' },
    partial: { label: 'Partly agrees', counted: 'partly agree', symbol: '≈', tone: 'warning' },
    disagree: { label: 'Disagrees', counted: 'disagree', symbol: '✕', tone: 'error' },
    missing: { label: 'Missing', counted: 'missing', symbol: '–', tone: 'neutral' },
  };

const GRADE_DISPLAY: Record<MatchGrade, { label: string; tone: BadgeTone }> = {
  certain: { label: 'Certain', tone: 'ok' },
  probable: { label: 'Probable', tone: 'ok' },
  possible: { label: 'Possible', tone: 'warning' },
  'certainly-not': { label: 'Certainly not', tone: 'error' },
};

/** The match grade as a label and badge tone; an unknown grade is shown as sent. */
export function gradeDisplay(grade: string): { label: string; tone: BadgeTone } {
  return grade in GRADE_DISPLAY ? GRADE_DISPLAY[grade as MatchGrade] : { label: grade, tone: 'neutral' };
}

/** Whether a review still waits for a decision. */
export function isOpenReview(status: ReviewSummary['status']): boolean {
  return status === 'open';
}

const DECISION_LABELS: Record<NonNullable<ReviewSummary['decision']>, string> = {
  link: 'Linked as the same person',
  'not-a-match': 'Not a match',
  merge: 'Merged',
  resolved: 'Settled by later changes to the records',
};

/** How a closed review was decided, in words; undefined while it is open. */
export function decisionOutcome(review: Pick<ReviewSummary, 'decision'>): string | undefined {
  return review.decision ? DECISION_LABELS[review.decision] : undefined;
}

/**
 * A probability as a percentage that never rounds a doubtful pair up to 100 % or down to 0 %:
 * one decimal near the ends of the scale, whole percent in the middle.
 */
export function formatProbability(probability: number): string {
  const percent = probability * 100;
  if (percent >= 99.95 && probability < 1) {
    return '>99.9%';
  }
  if (percent > 0 && percent < 0.05) {
    return '<0.1%';
  }
  const decimals = percent < 10 || percent > 90 ? 1 : 0;
  return `${percent.toFixed(decimals).replace(/\.0$/, '')}%`;
}

/** A match weight (log2 Bayes factor) with its sign always written: `+6.2`, `−3.1`, `0`. */
export function formatWeight(weight: number): string {
  const rounded = Math.round(weight * 10) / 10;
  if (rounded === 0) {
    return '0';
  }
  // U+2212 MINUS SIGN: as wide as the plus sign, so columns of weights line up.
  return `${rounded > 0 ? '+' : '−'}${Math.abs(rounded).toFixed(1)}`;
}

/** The largest weight in size among the fields, at least 1, so every bar of a comparison shares one scale. */
export function weightScale(fields: readonly Pick<FieldComparison, 'weight'>[]): number {
  return Math.max(1, ...fields.map((field) => Math.abs(field.weight)));
}

/** Where a weight's bar points (for or against the match) and how much of its half of the track it fills. */
export type WeightBar = { direction: 'for' | 'against' | 'neutral'; percent: number };

/** The bar of one field's weight on a track centred on zero. */
export function weightBar(weight: number, scale: number): WeightBar {
  const percent = Math.min(100, Math.round((Math.abs(weight) / Math.max(scale, Number.EPSILON)) * 1000) / 10);
  if (percent === 0) {
    return { direction: 'neutral', percent: 0 };
  }
  return { direction: weight > 0 ? 'for' : 'against', percent };
}

/** What a weight means in words, for screen readers and tooltips. */
export function describeWeight(weight: number): string {
  const formatted = formatWeight(weight);
  if (formatted === '0') {
    return 'no evidence either way';
  }
  return weight > 0 ? `${formatted}: evidence for a match` : `${formatted}: evidence against a match`;
}

const FIELD_LABELS: Record<string, string> = {
  name: 'Name',
  givenName: 'Given name',
  familyName: 'Family name',
  birthDate: 'Birth date',
  sex: 'Sex',
  street: 'Street',
  locality: 'Town and postcode',
  address: 'Address',
  phone: 'Phone',
  email: 'Email',
  nationalId: 'National id',
  identifier: 'Identifiers',
  identifiers: 'Identifiers',
  source: 'Source',
};

const LEVEL_LABELS: Record<string, string> = {
  exact: 'exact',
  same: 'same',
  different: 'different',
  missing: 'not on both records',
  alias: 'nickname or alias',
  fuzzy: 'near spelling',
  phonetic: 'sounds alike',
  similar: 'similar',
  initial: 'initial only',
  dayMonthSwap: 'day and month swapped',
  oneEdit: 'one typo',
  twoEdits: 'two typos',
  yearMonth: 'same year and month',
  fuzzyWithNumber: 'near spelling, same number',
  sameStreet: 'same street',
  similarStreet: 'similar street',
  postcodeAndCity: 'same postcode and town',
  postcode: 'same postcode',
  city: 'same town',
  postcodeNear: 'nearby postcode',
};

function splitWords(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
}

/** A comparison's field name as a row heading: known names by their label, others split from camelCase. */
export function fieldLabel(field: string): string {
  const words = FIELD_LABELS[field] ?? splitWords(field);
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A comparison level such as `dayMonthSwap` in words; levels the display does not know are split from camelCase. */
export function levelLabel(level: string): string {
  return LEVEL_LABELS[level] ?? splitWords(level);
}

type CardField = 'name' | 'birthDate' | 'sex' | 'address' | 'phone' | 'email' | 'identifiers' | 'source';

const CARD_FIELDS: readonly CardField[] = [
  'name',
  'birthDate',
  'sex',
  'address',
  'phone',
  'email',
  'identifiers',
  'source',
];

/** Which part of a patient card a comparison field is about (name parts are about the name). */
function cardFieldOf(field: string): CardField | undefined {
  const name = field.toLowerCase();
  if (/given|family|name/.test(name)) {
    return 'name';
  }
  if (/birth|dob/.test(name)) {
    return 'birthDate';
  }
  if (/sex|gender/.test(name)) {
    return 'sex';
  }
  if (/address|street|locality|city|postcode|postal|zip/.test(name)) {
    return 'address';
  }
  if (/phone|telecom|mobile/.test(name)) {
    return 'phone';
  }
  if (/mail/.test(name)) {
    return 'email';
  }
  if (/ident|mrn|ssn|national/.test(name)) {
    return 'identifiers';
  }
  if (/source/.test(name)) {
    return 'source';
  }
  return undefined;
}

function cardValue(card: PatientCard, field: CardField): string | undefined {
  if (field === 'identifiers') {
    return card.identifiers.length > 0 ? card.identifiers.join(', ') : undefined;
  }
  const value = card[field];
  return value === '' ? undefined : value;
}

/** One row of the side-by-side comparison; rows without a score are shown for context only. */
export type ComparisonRow = {
  key: string;
  label: string;
  a?: string;
  b?: string;
  score?: { agreement: Agreement; level: string; weight: number };
};

/** A field neither record has: it carries no weight, so the comparison lists it in one line instead of a row. */
function isAbsentFromBoth(field: FieldComparison): boolean {
  return field.agreement === 'missing' && field.a === undefined && field.b === undefined && field.weight === 0;
}

/** The labels of the fields neither record has. */
export function absentFields(fields: readonly FieldComparison[]): string[] {
  return fields.filter(isAbsentFromBoth).map((field) => fieldLabel(field.field));
}

/**
 * The rows of the side-by-side comparison: every scored field in the matcher's order (showing the
 * values it compared, else the records' own) except those neither record has, then the parts of
 * the records no field scored (the source system, for instance) so the reviewer sees both whole.
 */
export function comparisonRows(review: Pick<ReviewDetail, 'a' | 'b' | 'fields'>): ComparisonRow[] {
  const covered = new Set<CardField>();
  const rows: ComparisonRow[] = review.fields.flatMap((field, index) => {
    if (isAbsentFromBoth(field)) {
      return [];
    }
    const cardField = cardFieldOf(field.field);
    if (cardField) {
      covered.add(cardField);
    }
    return [
      {
        key: `${field.field}-${index}`,
        label: fieldLabel(field.field),
        a: field.a ?? (cardField ? cardValue(review.a, cardField) : undefined),
        b: field.b ?? (cardField ? cardValue(review.b, cardField) : undefined),
        score: { agreement: field.agreement, level: field.level, weight: field.weight },
      },
    ];
  });
  for (const cardField of CARD_FIELDS) {
    const a = cardValue(review.a, cardField);
    const b = cardValue(review.b, cardField);
    if (!covered.has(cardField) && (a !== undefined || b !== undefined)) {
      rows.push({ key: cardField, label: fieldLabel(cardField), a, b });
    }
  }
  return rows;
}

/** How many fields fall in each agreement level, for the comparison's summary line. */
export function countAgreements(fields: readonly Pick<FieldComparison, 'agreement'>[]): Record<Agreement, number> {
  const counts: Record<Agreement, number> = { agree: 0, partial: 0, disagree: 0, missing: 0 };
  for (const field of fields) {
    counts[field.agreement] += 1;
  }
  return counts;
}

/**
 * The weight a pair starts from before any field is compared: log2 of the prior odds that two
 * records are the same patient. The total is this plus every field's weight.
 */
export function priorWeight(review: Pick<ReviewDetail, 'weight' | 'fields'>): number {
  return review.fields.reduce((rest, field) => rest - field.weight, review.weight);
}
