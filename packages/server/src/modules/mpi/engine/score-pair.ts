// Scoring one pair with its explanation (every field's level, weight and the two values), and the
// threshold decision.
import { compareRecords, FIELD_COUNT, FIELDS } from './fields.ts';
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

/** Scores a pair of records with the model, explaining each field's contribution. */
export function scorePair(model: MatchModel, a: MatchRecord, b: MatchRecord): PairScore {
  const compiled = compileModel(model);
  const levels = compareRecords(a, b);
  let weight = compiled.priorWeight;
  const fields: FieldComparison[] = [];
  for (let index = 0; index < FIELD_COUNT; index++) {
    const field = FIELD_NAMES[index] ?? 'givenName';
    const level = levels[index] ?? -1;
    const fieldWeight = levelWeight(model, compiled, index, level, a);
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

/** Link at or above the upper threshold, review between the thresholds, separate below. */
export function decide(model: MatchModel, score: PairScore): 'link' | 'review' | 'separate' {
  if (score.probability >= model.thresholds.upper) {
    return 'link';
  }
  return score.probability >= model.thresholds.lower ? 'review' : 'separate';
}
