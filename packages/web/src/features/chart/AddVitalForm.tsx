import type { Observation } from '@caregraph/core/fhir';
import { useState } from 'react';
import { buildVitalObservation, localDateTimeToFhir, nowForDateTimeInput } from './build-resources.ts';
import { InputField, SelectField } from './ChartFields.tsx';
import { ChartForm } from './ChartForm.tsx';
import { findVitalSign, readMeasurement, VITAL_SIGNS, type VitalSign } from './vital-signs.ts';

const VITAL_SIGN_KEYS = VITAL_SIGNS.map((vital) => vital.key);

/** Records a vital sign as a vital-signs Observation (blood pressure as the 85354-9 panel). */
export function AddVitalForm({ patientId }: { patientId: string }) {
  const [key, setKey] = useState<VitalSign['key']>('blood-pressure');
  const [value, setValue] = useState('');
  const [diastolic, setDiastolic] = useState('');
  const [effective, setEffective] = useState(nowForDateTimeInput);
  const vital = findVitalSign(key);
  const isBloodPressure = vital.key === 'blood-pressure';
  const valueLabel = isBloodPressure ? 'Systolic' : vital.label;

  const prepare = (): Observation | string => {
    const measured = readMeasurement(value, valueLabel, vital);
    if (typeof measured === 'string') {
      return measured;
    }
    const second = isBloodPressure ? readMeasurement(diastolic, 'Diastolic', vital) : undefined;
    if (typeof second === 'string') {
      return second;
    }
    return buildVitalObservation(patientId, {
      vital,
      value: measured,
      ...(second === undefined ? {} : { diastolic: second }),
      effective: localDateTimeToFhir(effective),
    });
  };

  return (
    <ChartForm
      patientId={patientId}
      title="Add vital sign"
      what="the vital sign"
      prepare={prepare}
      onReset={() => {
        setValue('');
        setDiastolic('');
        setEffective(nowForDateTimeInput());
      }}
    >
      {({ errorId }) => {
        const measurement = {
          type: 'number',
          inputMode: 'decimal',
          step: vital.step,
          min: vital.min,
          max: vital.max,
          'aria-describedby': errorId,
        } as const;
        return (
          <>
            <SelectField
              label="Vital sign"
              value={key}
              options={VITAL_SIGN_KEYS}
              onChange={setKey}
              optionLabel={(candidate) => findVitalSign(candidate).label}
            />
            <InputField
              {...measurement}
              label={`${valueLabel} (${vital.unitLabel})`}
              value={value}
              onChange={setValue}
            />
            {isBloodPressure && (
              <InputField
                {...measurement}
                label={`Diastolic (${vital.unitLabel})`}
                value={diastolic}
                onChange={setDiastolic}
              />
            )}
            <InputField label="Measured at" type="datetime-local" value={effective} onChange={setEffective} />
          </>
        );
      }}
    </ChartForm>
  );
}
