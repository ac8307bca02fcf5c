import type { Observation } from '@caregraph/core/fhir';
import { abnormalFlag, formatNumber, formatRange } from '../chart/fhir-display.ts';
import type { VitalSign } from '../chart/vital-signs.ts';
import { typicalAdultRange } from './typical-lab-ranges.ts';

/** How a verdict is shown: the tones of the StatusBadge component (spelled out here so plain logic needs no JSX). */
export type VerdictTone = 'ok' | 'warning' | 'error' | 'neutral';

/** A verdict on a measurement in everyday words: a short word for a badge and a sentence explaining it. */
export type PlainVerdict = { word: string; tone: VerdictTone; sentence: string };

const TALK_TO_TEAM = 'Your care team can tell you what this means for you.';

type LabResult = Pick<Observation, 'code' | 'interpretation' | 'referenceRange' | 'valueQuantity'>;

/** The verdict of a flag, with `expected` naming the range it was judged against. */
function verdictOf(flag: ReturnType<typeof abnormalFlag>, expected: string): PlainVerdict | undefined {
  switch (flag) {
    case 'normal':
      return { word: 'Normal', tone: 'ok', sentence: `Within the ${expected}.` };
    case 'high':
      return { word: 'High', tone: 'warning', sentence: `Higher than the ${expected}. ${TALK_TO_TEAM}` };
    case 'low':
      return { word: 'Low', tone: 'warning', sentence: `Lower than the ${expected}. ${TALK_TO_TEAM}` };
    case 'critical-high':
      return {
        word: 'Very high',
        tone: 'error',
        sentence: `Much higher than the ${expected}. If nobody has talked to you about it yet, call the clinic.`,
      };
    case 'critical-low':
      return {
        word: 'Very low',
        tone: 'error',
        sentence: `Much lower than the ${expected}. If nobody has talked to you about it yet, call the clinic.`,
      };
    case 'abnormal':
      return { word: 'Outside range', tone: 'warning', sentence: `Outside the ${expected}. ${TALK_TO_TEAM}` };
    case undefined:
      return undefined;
  }
}

/**
 * A lab result compared with a range in plain words. The lab's own flag and range win (it knows
 * the patient's ranges best), as in the clinician's chart; without them an adult's result is
 * compared with the test's typical adult range, and the sentence says so.
 * @param ageYears - the patient's age; typical ranges are for adults only
 */
export function explainLabResult(observation: LabResult, ageYears?: number): PlainVerdict {
  const unit = observation.valueQuantity?.unit ?? observation.valueQuantity?.code;
  const withUnit = (text: string | undefined) => (text ? `${text}${unit ? ` ${unit}` : ''}` : undefined);
  const labRange = observation.referenceRange?.[0];
  const labText = withUnit(labRange ? formatRange(labRange) : undefined);
  const fromLab = verdictOf(abnormalFlag(observation), labText ? `expected range (${labText})` : 'expected range');
  if (fromLab) {
    return fromLab;
  }
  const typical = ageYears !== undefined && ageYears >= 18 ? typicalAdultRange(observation) : undefined;
  if (typical) {
    const bounds = {
      ...(typical.low === undefined ? {} : { low: { value: typical.low } }),
      ...(typical.high === undefined ? {} : { high: { value: typical.high } }),
    };
    const flag = abnormalFlag({ valueQuantity: observation.valueQuantity, referenceRange: [bounds] });
    const verdict = verdictOf(
      flag,
      `typical range for adults (${withUnit(formatRange(bounds)) ?? ''}; the lab sent none)`,
    );
    if (verdict) {
      return verdict;
    }
  }
  return { word: 'No range', tone: 'neutral', sentence: 'There is no range to compare this result with.' };
}

/** The usual resting range of a vital sign for adults; vitals without one (weight, height) are not judged. */
type AdultRange = { low: number; high: number; unit: string; lowWord?: string; highWord?: string };

const ADULT_RANGES: Partial<Record<VitalSign['key'], AdultRange>> = {
  'heart-rate': { low: 60, high: 100, unit: 'beats a minute' },
  'respiratory-rate': { low: 12, high: 20, unit: 'breaths a minute' },
  temperature: { low: 36.1, high: 37.5, unit: '°C' },
  spo2: { low: 95, high: 100, unit: '%' },
  bmi: { low: 18.5, high: 24.9, unit: 'kg/m²', lowWord: 'Underweight', highWord: 'Above healthy' },
};

/** Adult blood pressure in mmHg: under 120/80 is normal, 130 or 80 and above is high (ACC/AHA 2017). */
function judgeBloodPressure(systolic: number, diastolic: number | undefined): PlainVerdict {
  const reading = `${formatNumber(systolic, 0)}/${diastolic === undefined ? '—' : formatNumber(diastolic, 0)}`;
  if (systolic < 90 || (diastolic !== undefined && diastolic < 60)) {
    return {
      word: 'Low',
      tone: 'warning',
      sentence: `${reading} is lower than usual (90/60 to 119/79). ${TALK_TO_TEAM}`,
    };
  }
  if (systolic >= 130 || (diastolic !== undefined && diastolic >= 80)) {
    return {
      word: 'High',
      tone: 'warning',
      sentence: `${reading} is above the healthy range (under 120/80). ${TALK_TO_TEAM}`,
    };
  }
  if (systolic >= 120) {
    return {
      word: 'Slightly high',
      tone: 'warning',
      sentence: `${reading} is a little above the healthy range (under 120/80).`,
    };
  }
  return { word: 'Normal', tone: 'ok', sentence: `${reading} is in the healthy range (under 120/80).` };
}

/**
 * A vital sign's latest value against the usual adult range. Children's ranges depend on their
 * age, so for them (and for vitals without a range) there is no verdict rather than a wrong one.
 * @param values - the reading; for blood pressure, systolic then diastolic
 */
export function judgeVital(
  key: VitalSign['key'],
  values: readonly (number | undefined)[],
  ageYears: number | undefined,
): PlainVerdict | undefined {
  const [value, second] = values;
  if (value === undefined || ageYears === undefined || ageYears < 18) {
    return undefined;
  }
  if (key === 'blood-pressure') {
    return judgeBloodPressure(value, second);
  }
  const range = ADULT_RANGES[key];
  if (!range) {
    return undefined;
  }
  const usual = `usual for adults: ${formatNumber(range.low, 1)}–${formatNumber(range.high, 1)} ${range.unit}`;
  if (value < range.low) {
    return { word: range.lowWord ?? 'Low', tone: 'warning', sentence: `Lower than usual (${usual}). ${TALK_TO_TEAM}` };
  }
  if (value > range.high) {
    return {
      word: range.highWord ?? 'High',
      tone: 'warning',
      sentence: `Higher than usual (${usual}). ${TALK_TO_TEAM}`,
    };
  }
  return { word: 'Normal', tone: 'ok', sentence: `In the usual range (${usual}).` };
}

const PROBLEM_STATUS_WORDS: Record<string, string> = {
  active: 'Current',
  recurrence: 'Current',
  relapse: 'Current',
  remission: 'In remission',
  resolved: 'Resolved',
  inactive: 'No longer active',
};

/** What a Condition's clinicalStatus means for the patient. */
export function problemStatusWords(status: string | undefined): string {
  return (status && PROBLEM_STATUS_WORDS[status]) || 'Status not recorded';
}

const MEDICATION_STATUS_WORDS: Record<string, string> = {
  active: 'Taking',
  'on-hold': 'Paused',
  completed: 'Finished',
  stopped: 'Stopped',
  cancelled: 'Stopped',
  draft: 'Not yet started',
};

/** What a MedicationRequest's status means for the patient. */
export function medicationStatusWords(status: string | undefined): string {
  return (status && MEDICATION_STATUS_WORDS[status]) || 'Status not recorded';
}
