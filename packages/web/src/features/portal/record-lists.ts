import type { Observation } from '@caregraph/core/fhir';
import { observationTime } from '../chart/fhir-display.ts';
import { analyteKey } from '../chart/lab-panels.ts';
import { latestVital, VITAL_SIGNS, vitalSeries, type VitalSign } from '../chart/vital-signs.ts';
import { explainLabResult, judgeVital, type PlainVerdict } from './plain-language.ts';

/** The latest reading of one vital sign, with what it means. */
export type VitalReading = { vital: VitalSign; text: string; time: Date; verdict: PlainVerdict | undefined };

/** The latest reading of each vital sign that was ever measured, in the chart's order. */
export function latestVitalReadings(
  observations: readonly Observation[],
  ageYears: number | undefined,
): VitalReading[] {
  return VITAL_SIGNS.flatMap((vital) => {
    const latest = latestVital(observations, vital);
    if (!latest) {
      return [];
    }
    // The values of the latest reading: both series end at the same reading for blood pressure.
    const values = vitalSeries(observations, vital).map((series) => {
      const point = series.points.at(-1);
      return point && point.time.getTime() === latest.time.getTime() ? point.value : undefined;
    });
    return [{ vital, text: latest.text, time: latest.time, verdict: judgeVital(vital.key, values, ageYears) }];
  });
}

/** A lab result with what it means. */
export type ExplainedResult = { result: Observation; verdict: PlainVerdict };

/**
 * The latest result of each test, newest first, up to `limit`: what a patient wants to see first,
 * rather than years of repeats of the same test.
 */
export function latestLabResults(
  results: readonly Observation[],
  limit: number,
  ageYears: number | undefined,
): ExplainedResult[] {
  const time = (result: Observation) => Date.parse(observationTime(result) ?? '') || 0;
  const latest = new Map<string, Observation>();
  for (const result of results) {
    const key = analyteKey(result);
    const current = latest.get(key);
    if (!current || time(result) > time(current)) {
      latest.set(key, result);
    }
  }
  return [...latest.values()]
    .sort((left, right) => time(right) - time(left))
    .slice(0, limit)
    .map((result) => ({ result, verdict: explainLabResult(result, ageYears) }));
}
