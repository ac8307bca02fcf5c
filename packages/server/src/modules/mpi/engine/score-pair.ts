// Scoring one pair with its explanation (every field's level, weight and the two values), and the
// threshold decision.
import { compareRecords, FIELD_COUNT, FIELDS } from './fields.ts';
import { discountDependentEvidence } from './dependent-evidence.ts';
import { compileModel, levelWeight, POSSIBLE_THRESHOLD, probabilityOf } from './model.ts';
import type { FieldComparison, MatchGrade, MatchModel, MatchRecord, PairScore } from './types.ts';
import { FIELD_NAMES } from './types.ts';

export function gradeOf(model: MatchModel, probability: number): MatchGrade {
  if (probability >= model.thresholds.upper) {
    return 'certain';
  }
  if (probability >= model.thresholds.lower) {
    return 'probable';
  }
  return probability >= POSSIBLE_THRESHOLD ? 'possible' : 'certainly-not';
}

/** Each field's weight for the pair, in FIELD_NAMES order, after discounting dependent evidence. */
function fieldWeights(model: MatchModel, levels: Int8Array, a: MatchRecord, b: MatchRecord): Float64Array {
  const compiled = compileModel(model);
  const weights = new Float64Array(FIELD_COUNT);
  for (let index = 0; index < FIELD_COUNT; index++) {
    weights[index] = levelWeight(model, compiled, index, levels[index] ?? -1, a);
  }
  discountDependentEvidence(levels, weights, a, b);
  return weights;
}

/** Scores a pair of records with the model, explaining each field's contribution. */
export function scorePair(model: MatchModel, a: MatchRecord, b: MatchRecord): PairScore {
  const compiled = compileModel(model);
  const levels = compareRecords(a, b);
  const weights = fieldWeights(model, levels, a, b);
  let weight = compiled.priorWeight;
  const fields: FieldComparison[] = [];
  for (let index = 0; index < FIELD_COUNT; index++) {
    const field = FIELD_NAMES[index] ?? 'givenName';
    const level = levels[index] ?? -1;
    const fieldWeight = weights[index] ?? 0;
    weight += fieldWeight;
    const parameters = level >= 0 ? compiled.levels[index]?.[level] : undefined;
    const comparison: FieldComparison = {
      field,
      level: parameters?.level ?? 'missing',
      agreement: parameters?.agreement ?? 'missing',
      weight: fieldWeight,
    };
    const display = FIELDS[field].display;
    const valueA = display(a);
    const valueB = display(b);
    if (valueA !== undefined) {
      comparison.a = valueA;
    }
    if (valueB !== undefined) {
      comparison.b = valueB;
    }
    fields.push(comparison);
  }
  const probability = probabilityOf(weight);
  return { weight, probability, grade: gradeOf(model, probability), fields };
}

/**
 * Total weight and posterior of a pair without the per-field explanation: what batch runs need for each of
 * their millions of candidate pairs.
 */
export function weighPair(model: MatchModel, a: MatchRecord, b: MatchRecord): { weight: number; probability: number } {
  const weights = fieldWeights(model, compareRecords(a, b), a, b);
  let weight = compileModel(model).priorWeight;
  for (const fieldWeight of weights) {
    weight += fieldWeight;
  }
  return { weight, probability: probabilityOf(weight) };
}

/** Link at or above the upper threshold, review between the thresholds, separate below. */
export function decide(model: MatchModel, score: PairScore): 'link' | 'review' | 'separate' {
  if (score.probability >= model.thresholds.upper) {
    return 'link';
  }
  return score.probability >= model.thresholds.lower ? 'review' : 'separate';
}
