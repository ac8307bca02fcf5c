// Fellegi–Sunter scoring: each field's level contributes log2(m/u); the prior odds λ/(1-λ) are added; the
// posterior probability follows from the total. Missing fields contribute nothing.
import { FIELDS } from './fields.ts';
import type { FieldName, FrequencyTable, LevelParameters, MatchModel, MatchRecord } from './types.ts';
import { FIELD_NAMES } from './types.ts';

/** Fixed decision thresholds on the posterior probability, the same for every tenant and data set. */
export const THRESHOLDS = { upper: 0.9, lower: 0.3 } as const;
/** Below this posterior a pair is graded certainly-not. */
export const POSSIBLE_THRESHOLD = 0.01;
/** Prior before training: about one duplicate per ten thousand records' worth of pairs. */
const DEFAULT_LAMBDA = 1e-4;
// A rare value can raise an exact agreement's weight by at most this many bits over the field's average:
// frequencies of rare values are estimated from few records and would otherwise dominate the sum.
const MAX_FREQUENCY_BONUS = 5;

/** Fields whose exact level is weighted by the frequency of the agreeing value. */
export const FREQUENCY_FIELDS = ['givenName', 'familyName', 'birthDate'] as const;
export type FrequencyField = (typeof FREQUENCY_FIELDS)[number];

export function frequencyValue(field: FrequencyField, record: MatchRecord): string | undefined {
  switch (field) {
    case 'givenName':
      return record.givenNames[0];
    case 'familyName':
      return record.familyNames[0];
    case 'birthDate':
      return record.birthDate;
  }
}

export function defaultLevels(field: FieldName): LevelParameters[] {
  const definition = FIELDS[field];
  return definition.levels.map((level, index) => {
    const [m, u, agreement] = definition.defaults[index] ?? [0.5, 0.5, 'disagree'];
    return { level, agreement, m, u };
  });
}

const emptyTable = (): FrequencyTable => ({ frequencies: {}, defaultFrequency: 0 });

/** Usable parameters before a tenant has trained its own. */
export function defaultModel(): MatchModel {
  const fields = Object.fromEntries(FIELD_NAMES.map((field) => [field, { levels: defaultLevels(field) }]));
  return {
    version: 0,
    trainedAt: '1970-01-01T00:00:00.000Z',
    lambda: DEFAULT_LAMBDA,
    fields: fields as MatchModel['fields'],
    termFrequencies: { givenName: emptyTable(), familyName: emptyTable(), birthDate: emptyTable() },
    thresholds: { ...THRESHOLDS },
  };
}

/** A model's weights laid out for scoring, computed once per model object. */
export type CompiledModel = {
  priorWeight: number;
  /** log2(m/u) per field, per level (in the comparator's level order). */
  weights: Float64Array[];
  levels: LevelParameters[][];
  /** m of the exact level for the term-frequency fields. */
  exactM: Record<FrequencyField, number>;
};

const compiledModels = new WeakMap<MatchModel, CompiledModel>();

/** Looks levels up by name, so a model stored by an older engine still scores with the current comparators. */
function alignLevels(model: MatchModel, field: FieldName): LevelParameters[] {
  const stored = model.fields[field]?.levels ?? [];
  return defaultLevels(field).map((fallback) => stored.find((level) => level.level === fallback.level) ?? fallback);
}

export function compileModel(model: MatchModel): CompiledModel {
  const cached = compiledModels.get(model);
  if (cached) {
    return cached;
  }
  const levels = FIELD_NAMES.map((field) => alignLevels(model, field));
  const compiled: CompiledModel = {
    priorWeight: Math.log2(model.lambda / (1 - model.lambda)),
    weights: levels.map((fieldLevels) => Float64Array.from(fieldLevels, (level) => Math.log2(level.m / level.u))),
    levels,
    exactM: {
      givenName: levels[0]?.[0]?.m ?? 0.8,
      familyName: levels[1]?.[0]?.m ?? 0.8,
      birthDate: levels[2]?.[0]?.m ?? 0.8,
    },
  };
  compiledModels.set(model, compiled);
  return compiled;
}

/** Weight of an exact agreement on `value`: log2(m / frequency of the value), as Splink's term frequencies. */
export function frequencyWeight(
  model: MatchModel,
  compiled: CompiledModel,
  field: FrequencyField,
  value: string | undefined,
  baseWeight: number,
): number {
  const table = model.termFrequencies[field];
  if (value === undefined || table.defaultFrequency <= 0) {
    return baseWeight;
  }
  const frequency = table.frequencies[value] ?? table.defaultFrequency;
  return Math.min(Math.log2(compiled.exactM[field] / frequency), baseWeight + MAX_FREQUENCY_BONUS);
}

const FREQUENCY_FIELD_INDEX: ReadonlyArray<FrequencyField | undefined> = FIELD_NAMES.map((field) =>
  (FREQUENCY_FIELDS as readonly string[]).includes(field) ? (field as FrequencyField) : undefined,
);

/** Weight of one field's level for the pair (a, ·); `a` supplies the agreeing value for term frequencies. */
export function levelWeight(
  model: MatchModel,
  compiled: CompiledModel,
  fieldIndex: number,
  level: number,
  a: MatchRecord,
): number {
  if (level < 0) {
    return 0;
  }
  const base = compiled.weights[fieldIndex]?.[level] ?? 0;
  const frequencyField = FREQUENCY_FIELD_INDEX[fieldIndex];
  if (level === 0 && frequencyField !== undefined) {
    return frequencyWeight(model, compiled, frequencyField, frequencyValue(frequencyField, a), base);
  }
  return base;
}

/** Posterior probability of a match from the total log2 odds. */
export function probabilityOf(weight: number): number {
  return 1 / (1 + 2 ** -weight);
}
