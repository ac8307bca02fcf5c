import type { Observation } from '@caregraph/core/fhir';
import { hasCode, observationTime } from './fhir-display.ts';

export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';

/** The blood pressure panel codes: 85354-9 is the current one; Synthea and older systems write 55284-4. */
export const BLOOD_PRESSURE_PANELS = ['85354-9', '55284-4'];
export const SYSTOLIC = '8480-6';
export const DIASTOLIC = '8462-4';

/** A vital sign the chart can record and plot. */
export type VitalSign = {
  key: 'blood-pressure' | 'heart-rate' | 'weight' | 'height' | 'bmi' | 'temperature' | 'spo2' | 'respiratory-rate';
  label: string;
  /** The LOINC code written for a new measurement. */
  code: string;
  display: string;
  /** Further LOINC codes read as the same vital (e.g. oral temperature as body temperature). */
  alsoReads: readonly string[];
  /** The UCUM code and how people write it. */
  unit: string;
  unitLabel: string;
  /** A plausible range, so a slip of the finger (1200 kg) is caught before it is saved. */
  min: number;
  max: number;
  step: number;
};

/** The vitals of the chart in display order, with the LOINC vital-sign codes of the FHIR R4 vital signs profile. */
export const VITAL_SIGNS: readonly VitalSign[] = [
  {
    key: 'blood-pressure',
    label: 'Blood pressure',
    code: '85354-9',
    display: 'Blood pressure panel with all children optional',
    alsoReads: ['55284-4'],
    unit: 'mm[Hg]',
    unitLabel: 'mmHg',
    min: 20,
    max: 300,
    step: 1,
  },
  {
    key: 'heart-rate',
    label: 'Heart rate',
    code: '8867-4',
    display: 'Heart rate',
    alsoReads: [],
    unit: '/min',
    unitLabel: '/min',
    min: 20,
    max: 300,
    step: 1,
  },
  {
    key: 'weight',
    label: 'Weight',
    code: '29463-7',
    display: 'Body weight',
    alsoReads: [],
    unit: 'kg',
    unitLabel: 'kg',
    min: 0.3,
    max: 500,
    step: 0.1,
  },
  {
    key: 'height',
    label: 'Height',
    code: '8302-2',
    display: 'Body height',
    alsoReads: [],
    unit: 'cm',
    unitLabel: 'cm',
    min: 20,
    max: 280,
    step: 0.1,
  },
  {
    key: 'bmi',
    label: 'BMI',
    code: '39156-5',
    display: 'Body mass index (BMI) [Ratio]',
    alsoReads: [],
    unit: 'kg/m2',
    unitLabel: 'kg/m²',
    min: 5,
    max: 100,
    step: 0.1,
  },
  {
    key: 'temperature',
    label: 'Temperature',
    code: '8310-5',
    display: 'Body temperature',
    alsoReads: ['8331-1', '8332-9', '8333-7'],
    unit: 'Cel',
    unitLabel: '°C',
    min: 25,
    max: 45,
    step: 0.1,
  },
  {
    key: 'spo2',
    label: 'SpO₂',
    code: '59408-5',
    display: 'Oxygen saturation in Arterial blood by Pulse oximetry',
    alsoReads: ['2708-6'],
    unit: '%',
    unitLabel: '%',
    min: 50,
    max: 100,
    step: 1,
  },
  {
    key: 'respiratory-rate',
    label: 'Respiratory rate',
    code: '9279-1',
    display: 'Respiratory rate',
    alsoReads: [],
    unit: '/min',
    unitLabel: '/min',
    min: 2,
    max: 80,
    step: 1,
  },
];

/** The definition of a vital sign by its key. */
export function findVitalSign(key: VitalSign['key']): VitalSign {
  const vital = VITAL_SIGNS.find((candidate) => candidate.key === key);
  if (!vital) {
    throw new Error(`No vital sign "${key}"`);
  }
  return vital;
}

/** One dated value of a series. */
export type VitalPoint = { time: Date; value: number; id: string };

/** A named line of a trend chart. */
export type VitalSeries = { name: string; points: VitalPoint[] };

function componentValue(observation: Observation, code: string): number | undefined {
  return observation.component?.find((component) => hasCode(component.code, code, LOINC))?.valueQuantity?.value;
}

function toPoint(observation: Observation, value: number | undefined): VitalPoint[] {
  const time = observationTime(observation);
  if (value === undefined || !time || Number.isNaN(Date.parse(time))) {
    return [];
  }
  return [{ time: new Date(time), value, id: observation.id ?? '' }];
}

function byTime(left: VitalPoint, right: VitalPoint): number {
  return left.time.getTime() - right.time.getTime();
}

/** Whether an Observation measures this vital sign (by its own code or a code read as the same). */
export function measures(observation: Observation, vital: VitalSign): boolean {
  return [vital.code, ...vital.alsoReads].some((code) => hasCode(observation.code, code, LOINC));
}

/**
 * The series to plot for a vital, oldest first: systolic and diastolic for blood pressure (from the
 * panel's components, or from stand-alone 8480-6/8462-4 Observations), one series otherwise.
 */
export function vitalSeries(observations: readonly Observation[], vital: VitalSign): VitalSeries[] {
  if (vital.key === 'blood-pressure') {
    const systolic: VitalPoint[] = [];
    const diastolic: VitalPoint[] = [];
    for (const observation of observations) {
      if (measures(observation, vital)) {
        systolic.push(...toPoint(observation, componentValue(observation, SYSTOLIC)));
        diastolic.push(...toPoint(observation, componentValue(observation, DIASTOLIC)));
      } else if (hasCode(observation.code, SYSTOLIC, LOINC)) {
        systolic.push(...toPoint(observation, observation.valueQuantity?.value));
      } else if (hasCode(observation.code, DIASTOLIC, LOINC)) {
        diastolic.push(...toPoint(observation, observation.valueQuantity?.value));
      }
    }
    return [
      { name: 'Systolic', points: systolic.sort(byTime) },
      { name: 'Diastolic', points: diastolic.sort(byTime) },
    ];
  }
  const points = observations
    .filter((observation) => measures(observation, vital))
    .flatMap((observation) => toPoint(observation, observation.valueQuantity?.value));
  return [{ name: vital.label, points: points.sort(byTime) }];
}

/** The latest value of a vital as text ("128/82 mmHg", "72 /min"), with its time; undefined when never measured. */
export function latestVital(
  observations: readonly Observation[],
  vital: VitalSign,
): { text: string; time: Date } | undefined {
  const series = vitalSeries(observations, vital);
  const last = (index: number) => series[index]?.points.at(-1);
  const first = last(0);
  if (!first) {
    return undefined;
  }
  // As precise as the vital is entered: whole mmHg and beats, tenths of kilograms and degrees.
  const format = (value: number) => String(Number(value.toFixed(vital.step < 1 ? 1 : 0)));
  if (vital.key === 'blood-pressure') {
    const diastolic = last(1);
    const sameReading = diastolic && diastolic.time.getTime() === first.time.getTime();
    const text = `${format(first.value)}/${sameReading ? format(diastolic.value) : '—'} ${vital.unitLabel}`;
    return { text, time: first.time };
  }
  return { text: `${format(first.value)} ${vital.unitLabel}`, time: first.time };
}

/** A number typed into a field, or a sentence saying why it cannot be saved. */
export function readMeasurement(
  text: string,
  label: string,
  vital: Pick<VitalSign, 'min' | 'max' | 'unitLabel'>,
): number | string {
  const value = Number(text.trim().replace(',', '.'));
  if (text.trim() === '' || !Number.isFinite(value)) {
    return `Enter the ${label.toLowerCase()} as a number.`;
  }
  if (value < vital.min || value > vital.max) {
    return `${label} must be between ${vital.min} and ${vital.max} ${vital.unitLabel}.`;
  }
  return value;
}
