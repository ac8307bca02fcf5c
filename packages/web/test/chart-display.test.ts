import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Condition, DiagnosticReport, Observation } from '@caregraph/core/fhir';
import {
  isActiveCondition,
  medicationName,
  sortConditions,
  formatReactions,
} from '../src/features/chart/clinical-lists.ts';
import {
  abnormalFlag,
  flagLabel,
  formatConcept,
  formatCoding,
  formatDate,
  formatPeriod,
  formatQuantity,
  formatRange,
  formatObservationValue,
} from '../src/features/chart/fhir-display.ts';
import { analyteKey, analyteSeries, groupLabsByPanel } from '../src/features/chart/lab-panels.ts';
import { chartSectionPath, findChartSection } from '../src/features/chart/chart-sections.ts';
import { comboboxKeyAction } from '../src/features/terminology/combobox-keys.ts';

const LOINC = 'http://loinc.org';

function lab(id: string, code: string, value: number, time: string, extra: Partial<Observation> = {}): Observation {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: LOINC, code, display: `Test ${code}` }] },
    effectiveDateTime: time,
    valueQuantity: { value, unit: 'mg/dL' },
    ...extra,
  };
}

describe('FHIR display helpers', () => {
  it('reads a concept as its text, else a coding display, else a code', () => {
    assert.equal(formatConcept({ text: 'Asthma', coding: [{ display: 'x' }] }), 'Asthma');
    assert.equal(
      formatConcept({ coding: [{ code: 'E11' }, { code: '44054006', display: 'Type 2 diabetes' }] }),
      'Type 2 diabetes',
    );
    assert.equal(formatConcept({ coding: [{ code: 'E11' }] }), 'E11');
    assert.equal(formatConcept(undefined), '—');
    assert.equal(formatCoding({ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11.9' }), 'E11.9 (ICD-10-CM)');
    assert.equal(formatCoding({ code: 'x' }), 'x (no system)');
  });

  it('shortens dates and periods, keeping partial dates', () => {
    assert.equal(formatDate('2024-03-05T14:38:07+01:00'), '2024-03-05');
    assert.equal(formatDate('2024-03'), '2024-03');
    assert.equal(formatDate(undefined), '—');
    assert.equal(formatPeriod({ start: '2020-01-01T10:00:00Z', end: '2020-01-02' }), '2020-01-01 – 2020-01-02');
    assert.equal(formatPeriod({ start: '2020-01-01' }), 'since 2020-01-01');
    assert.equal(formatPeriod(undefined), '—');
  });

  it('writes quantities without float noise and with their comparator', () => {
    assert.equal(formatQuantity({ value: 0.1 + 0.2, unit: 'mmol/L' }), '0.3 mmol/L');
    assert.equal(formatQuantity({ value: 60, comparator: '>', code: 'mL/min/{1.73_m2}' }), '>60 mL/min/{1.73_m2}');
    assert.equal(formatQuantity(undefined), '—');
    assert.equal(formatRange({ low: { value: 3.5 }, high: { value: 5.1 } }), '3.5–5.1');
    assert.equal(formatRange({ high: { value: 200 } }), '≤ 200');
    assert.equal(formatRange({ low: { value: 60 } }), '≥ 60');
    assert.equal(formatRange({ text: 'negative' }), 'negative');
  });

  it('flags a result by the lab interpretation first, else against its reference range', () => {
    const range = [{ low: { value: 70 }, high: { value: 99 } }];
    assert.equal(abnormalFlag({ valueQuantity: { value: 120 }, referenceRange: range }), 'high');
    assert.equal(abnormalFlag({ valueQuantity: { value: 60 }, referenceRange: range }), 'low');
    assert.equal(abnormalFlag({ valueQuantity: { value: 80 }, referenceRange: range }), 'normal');
    assert.equal(abnormalFlag({ valueQuantity: { value: 80 } }), undefined);
    // The lab's own flag wins over the (generic) range.
    const interpreted = {
      valueQuantity: { value: 80 },
      referenceRange: range,
      interpretation: [{ coding: [{ code: 'HH' }] }],
    };
    assert.equal(abnormalFlag(interpreted), 'critical-high');
    assert.deepEqual(
      (['high', 'low', 'critical-high', 'critical-low', 'abnormal', 'normal', undefined] as const).map(flagLabel),
      ['H', 'L', 'HH', 'LL', 'A', '', ''],
    );
  });

  it('reads every kind of observation value', () => {
    const base = lab('o', '1', 1, '2020-01-01');
    assert.equal(formatObservationValue(base), '1 mg/dL');
    const { valueQuantity: _unused, ...noValue } = base;
    assert.equal(formatObservationValue({ ...noValue, valueCodeableConcept: { text: 'Positive' } }), 'Positive');
    assert.equal(formatObservationValue({ ...noValue, valueBoolean: false }), 'no');
    assert.equal(formatObservationValue({ ...noValue, dataAbsentReason: { text: 'Not performed' } }), 'Not performed');
    assert.equal(formatObservationValue(noValue), '—');
  });
});

describe('clinical lists', () => {
  const condition = (id: string, status: string, onset: string): Condition => ({
    resourceType: 'Condition',
    id,
    subject: { reference: 'Patient/p' },
    clinicalStatus: { coding: [{ code: status }] },
    onsetDateTime: onset,
  });

  it('lists active problems first, then by onset newest first', () => {
    const rows = [
      condition('old-active', 'active', '2001-01-01'),
      condition('resolved', 'resolved', '2022-01-01'),
      condition('new-active', 'recurrence', '2020-01-01'),
    ];
    assert.deepEqual(
      sortConditions(rows).map((row) => row.id),
      ['new-active', 'old-active', 'resolved'],
    );
    assert.deepEqual(rows.map(isActiveCondition), [true, false, true]);
  });

  it('names a medication from its concept or the included Medication', () => {
    assert.equal(medicationName({ medicationCodeableConcept: { text: 'Metformin 500 MG' } }, []), 'Metformin 500 MG');
    const included = [{ resourceType: 'Medication' as const, id: 'm1', code: { text: 'Lisinopril 10 MG' } }];
    assert.equal(medicationName({ medicationReference: { reference: 'Medication/m1' } }, included), 'Lisinopril 10 MG');
    assert.equal(
      medicationName({ medicationReference: { reference: 'Medication/m2', display: 'Aspirin' } }, included),
      'Aspirin',
    );
  });

  it('joins reaction manifestations', () => {
    assert.equal(
      formatReactions({
        resourceType: 'AllergyIntolerance',
        patient: { reference: 'Patient/p' },
        reaction: [{ manifestation: [{ text: 'Hives' }, { text: 'Wheeze' }] }],
      }),
      'Hives, Wheeze',
    );
  });
});

describe('lab panels', () => {
  it('groups results under their reports, newest panel first, and keeps the rest as other results', () => {
    const results = [
      lab('a', '2093-3', 180, '2021-05-01T10:00:00Z'),
      lab('b', '2571-8', 150, '2021-05-01T10:00:00Z'),
      lab('c', '2093-3', 210, '2023-02-01T10:00:00Z'),
      lab('d', '2339-0', 95, '2023-03-01T10:00:00Z'),
    ];
    const report = (id: string, time: string, refs: string[]): DiagnosticReport => ({
      resourceType: 'DiagnosticReport',
      id,
      status: 'final',
      code: { text: 'Lipid panel' },
      effectiveDateTime: time,
      result: refs.map((ref) => ({ reference: `Observation/${ref}` })),
    });
    const panels = groupLabsByPanel(results, [
      report('r1', '2021-05-01T10:00:00Z', ['a', 'b']),
      report('r2', '2023-02-01T10:00:00Z', ['c', 'missing']),
    ]);
    assert.deepEqual(
      panels.map((panel) => [panel.key, panel.results.map((result) => result.id)]),
      [
        ['DiagnosticReport/r2', ['c']],
        ['DiagnosticReport/r1', ['a', 'b']],
        ['other', ['d']],
      ],
    );
  });

  it('follows one analyte across panels, oldest first', () => {
    const results = [
      lab('c', '2093-3', 210, '2023-02-01'),
      lab('d', '2339-0', 95, '2023-03-01'),
      lab('a', '2093-3', 180, '2021-05-01'),
    ];
    const key = analyteKey(results[0]!);
    assert.equal(key, 'http://loinc.org|2093-3');
    assert.deepEqual(
      analyteSeries(results, key).map((point) => [point.id, point.value]),
      [
        ['a', 180],
        ['c', 210],
      ],
    );
  });
});

describe('chart sections', () => {
  it('maps URL segments to sections, the summary being the chart itself', () => {
    assert.equal(findChartSection(undefined)?.key, 'summary');
    assert.equal(findChartSection('journey')?.key, 'journey');
    assert.equal(findChartSection('nope'), undefined);
    assert.equal(chartSectionPath('p 1', 'summary'), '/patients/p%201');
    assert.equal(chartSectionPath('p1', 'labs'), '/patients/p1/labs');
  });
});

describe('combobox keys', () => {
  it('moves through the options and wraps at both ends', () => {
    assert.deepEqual(comboboxKeyAction('ArrowDown', -1, 3, true), { kind: 'move', index: 0 });
    assert.deepEqual(comboboxKeyAction('ArrowDown', 2, 3, true), { kind: 'move', index: 0 });
    assert.deepEqual(comboboxKeyAction('ArrowUp', 0, 3, true), { kind: 'move', index: 2 });
    assert.deepEqual(comboboxKeyAction('ArrowUp', 2, 3, true), { kind: 'move', index: 1 });
    assert.deepEqual(comboboxKeyAction('End', 0, 3, true), { kind: 'move', index: 2 });
    assert.deepEqual(comboboxKeyAction('Home', 2, 3, true), { kind: 'move', index: 0 });
  });

  it('opens a closed list on an arrow key and ignores Home/End there (they move the caret)', () => {
    assert.deepEqual(comboboxKeyAction('ArrowDown', 1, 3, false), { kind: 'move', index: 0 });
    assert.deepEqual(comboboxKeyAction('ArrowUp', 1, 3, false), { kind: 'move', index: 2 });
    assert.deepEqual(comboboxKeyAction('Home', 1, 3, false), { kind: 'none' });
  });

  it('chooses with Enter only when an option is active, and closes with Escape', () => {
    assert.deepEqual(comboboxKeyAction('Enter', 1, 3, true), { kind: 'choose', index: 1 });
    assert.deepEqual(comboboxKeyAction('Enter', -1, 3, true), { kind: 'none' });
    assert.deepEqual(comboboxKeyAction('Enter', 1, 3, false), { kind: 'none' });
    assert.deepEqual(comboboxKeyAction('Escape', 1, 3, true), { kind: 'close' });
    assert.deepEqual(comboboxKeyAction('Escape', -1, 0, false), { kind: 'none' });
    assert.deepEqual(comboboxKeyAction('ArrowDown', -1, 0, true), { kind: 'none' });
  });
});
