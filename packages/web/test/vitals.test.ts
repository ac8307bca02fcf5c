import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Observation } from '@caregraph/core/fhir';
import { layoutVitalsTrend, TREND_MARGIN } from '../src/charts/vitals-trend/layout.ts';
import {
  buildAllergyIntolerance,
  buildCondition,
  buildLabObservation,
  buildMedicationRequest,
  buildVitalObservation,
  localDateTimeToFhir,
  nowForDateTimeInput,
} from '../src/features/chart/build-resources.ts';
import { findVitalSign, latestVital, readMeasurement, vitalSeries } from '../src/features/chart/vital-signs.ts';

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';

const point = (id: string, iso: string, value: number) => ({ id, time: new Date(iso), value });

function bloodPressure(id: string, time: string, systolic: number, diastolic: number, panel = '55284-4'): Observation {
  const component = (code: string, value: number) => ({
    code: { coding: [{ system: LOINC, code }] },
    valueQuantity: { value, unit: 'mm[Hg]' },
  });
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: LOINC, code: panel }] },
    effectiveDateTime: time,
    component: [component('8480-6', systolic), component('8462-4', diastolic)],
  };
}

describe('layoutVitalsTrend', () => {
  const size = { width: 460, height: 200 };
  // Plot area: x 44…444, y 12…172.

  it('spans the time axis over the points and puts each value on a nice value axis', () => {
    const layout = layoutVitalsTrend(
      [
        {
          name: 'Systolic',
          points: [point('c', '2024-01-03T00:00:00Z', 140), point('a', '2024-01-01T00:00:00Z', 120)],
        },
        { name: 'Diastolic', points: [point('a', '2024-01-01T00:00:00Z', 80), point('b', '2024-01-02T00:00:00Z', 90)] },
      ],
      size,
    );
    assert.deepEqual(layout.plot, { left: 44, top: 12, right: 444, bottom: 172 });
    // Values 80…140 padded by 3 each side (77…143), made nice to 60…160 (steps of 20): 1.6 px per mmHg.
    const systolic = layout.series[0]!;
    assert.deepEqual(
      systolic.points.map((placed) => [placed.id, placed.x, placed.y]),
      [
        ['a', 44, 76],
        ['c', 444, 44],
      ],
    );
    assert.equal(systolic.path, 'M44,76L444,44');
    const diastolic = layout.series[1]!;
    assert.deepEqual(
      diastolic.points.map((placed) => [placed.x, placed.y]),
      [
        [44, 140],
        [244, 124],
      ],
    );
    assert.deepEqual(
      layout.yTicks.map((tick) => [tick.label, tick.y]),
      [
        ['60', 172],
        ['80', 140],
        ['100', 108],
        ['120', 76],
        ['140', 44],
        ['160', 12],
      ],
    );
    assert.ok(layout.xTicks.length >= 2);
    assert.ok(layout.xTicks.every((tick) => tick.x >= 44 && tick.x <= 444 && /^2024-01-0\d$/.test(tick.label)));
  });

  it('centres a single reading on a one-day span and draws no line for it', () => {
    const layout = layoutVitalsTrend([{ name: 'Weight', points: [point('w', '2024-06-01T12:00:00Z', 80)] }], size);
    const only = layout.series[0]!;
    assert.equal(only.path, '');
    assert.equal(only.points[0]!.x, 244);
    // 80 ± 4 → nice 76…84, so 80 is in the middle of 12…172.
    assert.equal(only.points[0]!.y, 92);
    // Hour ticks of that day are labelled once, by its date.
    assert.deepEqual(
      layout.xTicks.map((tick) => tick.label),
      ['2024-06-01', '2024-06-02'],
    );
  });

  it('labels ticks by year for long histories', () => {
    const layout = layoutVitalsTrend(
      [{ name: 'BMI', points: [point('a', '2000-01-01T00:00:00Z', 25), point('b', '2020-01-01T00:00:00Z', 30)] }],
      size,
    );
    assert.ok(layout.xTicks.every((tick) => /^\d{4}$/.test(tick.label)));
  });

  it('draws nothing without points', () => {
    const layout = layoutVitalsTrend([{ name: 'SpO2', points: [] }], { width: 10, height: 10 });
    assert.deepEqual(layout.series, [{ name: 'SpO2', path: '', points: [] }]);
    assert.deepEqual(layout.xTicks, []);
    assert.equal(layout.plot.right, TREND_MARGIN.left + 1);
  });
});

describe('vital series', () => {
  const bp = findVitalSign('blood-pressure');

  it('reads blood pressure from either panel code and from stand-alone systolic readings', () => {
    const observations: Observation[] = [
      bloodPressure('new', '2024-02-01T09:00:00Z', 128, 82, '85354-9'),
      bloodPressure('old', '2020-02-01T09:00:00Z', 140, 90),
      {
        resourceType: 'Observation',
        id: 'alone',
        status: 'final',
        code: { coding: [{ system: LOINC, code: '8480-6' }] },
        effectiveDateTime: '2022-01-01',
        valueQuantity: { value: 132 },
      },
    ];
    const [systolic, diastolic] = vitalSeries(observations, bp);
    assert.deepEqual(
      systolic!.points.map((entry) => [entry.id, entry.value]),
      [
        ['old', 140],
        ['alone', 132],
        ['new', 128],
      ],
    );
    assert.deepEqual(
      diastolic!.points.map((entry) => entry.value),
      [90, 82],
    );
    assert.deepEqual(latestVital(observations, bp), { text: '128/82 mmHg', time: new Date('2024-02-01T09:00:00Z') });
    // Whole mmHg, however many digits the source system sent.
    const precise = bloodPressure('precise', '2025-01-01T00:00:00Z', 166.94624283003773, 109.45374344084124);
    assert.equal(latestVital([precise], bp)?.text, '167/109 mmHg');
  });

  it('reads oral temperature as temperature and says nothing about what was never measured', () => {
    const temperature: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: LOINC, code: '8331-1' }] },
      effectiveDateTime: '2023-01-01T00:00:00Z',
      valueQuantity: { value: 37.25 },
    };
    assert.equal(latestVital([temperature], findVitalSign('temperature'))?.text, '37.3 °C');
    assert.equal(latestVital([temperature], findVitalSign('spo2')), undefined);
  });

  it('checks a typed measurement against the plausible range', () => {
    assert.equal(readMeasurement('72,5', 'Weight', findVitalSign('weight')), 72.5);
    assert.equal(readMeasurement('', 'Weight', findVitalSign('weight')), 'Enter the weight as a number.');
    assert.equal(readMeasurement('1200', 'Weight', findVitalSign('weight')), 'Weight must be between 0.3 and 500 kg.');
  });
});

describe('FHIR resources written by the chart', () => {
  const snomed = {
    system: 'http://snomed.info/sct',
    systemName: 'SNOMED CT',
    code: '73211009',
    display: 'Diabetes mellitus',
  };
  const suggestion = { ...snomed, inactive: false, matchedOn: 'word-prefix' as const };

  it('writes blood pressure as the 85354-9 panel with systolic and diastolic components in UCUM', () => {
    const observation = buildVitalObservation('p1', {
      vital: findVitalSign('blood-pressure'),
      value: 128,
      diastolic: 82,
      effective: '2024-02-01T09:00:00+00:00',
    });
    assert.equal(observation.code.coding?.[0]?.code, '85354-9');
    assert.deepEqual(observation.category?.[0]?.coding?.[0]?.code, 'vital-signs');
    assert.equal(observation.subject?.reference, 'Patient/p1');
    assert.equal(observation.valueQuantity, undefined);
    assert.deepEqual(
      observation.component?.map((component) => [component.code.coding?.[0]?.code, component.valueQuantity]),
      [
        ['8480-6', { value: 128, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' }],
        ['8462-4', { value: 82, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' }],
      ],
    );
  });

  it('writes other vitals with their LOINC code and UCUM unit', () => {
    const observation = buildVitalObservation('p1', {
      vital: findVitalSign('heart-rate'),
      value: 64,
      effective: '2024-02-01T09:00:00+00:00',
    });
    assert.equal(observation.code.coding?.[0]?.code, '8867-4');
    assert.deepEqual(observation.valueQuantity, { value: 64, unit: '/min', system: UCUM, code: '/min' });
  });

  it('writes a problem-list Condition and leaves out dates not given', () => {
    const condition = buildCondition('p1', {
      code: suggestion,
      clinicalStatus: 'active',
      onset: '2019-04',
      abatement: '',
    });
    assert.deepEqual(condition.code, {
      coding: [{ system: snomed.system, code: snomed.code, display: snomed.display }],
      text: snomed.display,
    });
    assert.equal(condition.clinicalStatus?.coding?.[0]?.code, 'active');
    assert.equal(condition.category?.[0]?.coding?.[0]?.code, 'problem-list-item');
    assert.equal(condition.onsetDateTime, '2019-04');
    assert.equal('abatementDateTime' in condition, false);
  });

  it('writes a MedicationRequest, an AllergyIntolerance and a lab Observation with its range', () => {
    const request = buildMedicationRequest('p1', {
      medication: suggestion,
      status: 'active',
      intent: 'order',
      authoredOn: '2024-01-02',
      dosage: ' 1 tablet daily ',
    });
    assert.deepEqual(request.dosageInstruction, [{ text: '1 tablet daily' }]);
    assert.equal(request.medicationCodeableConcept?.coding?.[0]?.code, '73211009');
    const allergy = buildAllergyIntolerance('p1', {
      substance: suggestion,
      criticality: 'high',
      category: '',
      reaction: 'Hives',
    });
    assert.equal(allergy.patient.reference, 'Patient/p1');
    assert.equal('category' in allergy, false);
    assert.deepEqual(allergy.reaction, [{ manifestation: [{ text: 'Hives' }] }]);
    const result = buildLabObservation('p1', {
      test: { ...suggestion, system: LOINC, code: '2339-0', display: 'Glucose' },
      value: 105,
      unit: 'mg/dL',
      effective: '2024-01-02T08:00:00+00:00',
      high: 99,
    });
    assert.equal(result.category?.[0]?.coding?.[0]?.code, 'laboratory');
    assert.deepEqual(result.referenceRange, [{ high: { value: 99, unit: 'mg/dL', system: UCUM, code: 'mg/dL' } }]);
  });

  it('turns a datetime-local value into a FHIR dateTime with the offset', () => {
    assert.equal(localDateTimeToFhir('2024-03-05T14:30', -120), '2024-03-05T14:30:00+02:00');
    assert.equal(localDateTimeToFhir('2024-03-05T14:30', 330), '2024-03-05T14:30:00-05:30');
    assert.match(nowForDateTimeInput(new Date()), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
  });
});
