import type { Observation } from '@caregraph/core/fhir';
import { useId, useState } from 'react';
import { useCreateChartResource } from './api.ts';
import { buildVitalObservation, localDateTimeToFhir, nowForDateTimeInput } from './build-resources.ts';
import { ChartForm } from './ChartForm.tsx';
import { findVitalSign, readMeasurement, VITAL_SIGNS, type VitalSign } from './vital-signs.ts';

/** Records a vital sign as a vital-signs Observation (blood pressure as the 85354-9 panel). */
export function AddVitalForm({ patientId }: { patientId: string }) {
  const create = useCreateChartResource<Observation>(patientId);
  const [key, setKey] = useState<VitalSign['key']>('blood-pressure');
  const [value, setValue] = useState('');
  const [diastolic, setDiastolic] = useState('');
  const [effective, setEffective] = useState(nowForDateTimeInput);
  const [problem, setProblem] = useState<string | undefined>();
  const kindId = useId();
  const valueId = useId();
  const diastolicId = useId();
  const effectiveId = useId();
  const vital = findVitalSign(key);
  const isBloodPressure = vital.key === 'blood-pressure';
  const valueLabel = isBloodPressure ? 'Systolic' : vital.label;

  const reset = () => {
    create.reset();
    setProblem(undefined);
    setValue('');
    setDiastolic('');
    setEffective(nowForDateTimeInput());
  };

  const submit = async () => {
    const measured = readMeasurement(value, valueLabel, vital);
    const second = isBloodPressure ? readMeasurement(diastolic, 'Diastolic', vital) : undefined;
    const failed = [measured, second].find((result) => typeof result === 'string');
    if (typeof failed === 'string' || typeof measured === 'string') {
      setProblem(typeof failed === 'string' ? failed : 'Enter a value.');
      return false;
    }
    setProblem(undefined);
    const input = {
      vital,
      value: measured,
      ...(typeof second === 'number' ? { diastolic: second } : {}),
      effective: localDateTimeToFhir(effective),
    };
    try {
      await create.mutateAsync(buildVitalObservation(patientId, input));
      return true;
    } catch {
      return false;
    }
  };

  return (
    <ChartForm
      title="Add vital sign"
      what="the vital sign"
      isSaving={create.isPending}
      error={create.error}
      problem={problem}
      onSubmit={submit}
      onReset={reset}
    >
      {(errorId) => (
        <>
          <div className="field">
            <label htmlFor={kindId}>Vital sign</label>
            <select id={kindId} value={key} onChange={(event) => setKey(event.target.value as VitalSign['key'])}>
              {VITAL_SIGNS.map((candidate) => (
                <option key={candidate.key} value={candidate.key}>
                  {candidate.label}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={valueId}>
              {valueLabel} ({vital.unitLabel})
            </label>
            <input
              id={valueId}
              type="number"
              inputMode="decimal"
              step={vital.step}
              min={vital.min}
              max={vital.max}
              value={value}
              aria-describedby={errorId}
              onChange={(event) => setValue(event.target.value)}
            />
          </div>
          {isBloodPressure && (
            <div className="field">
              <label htmlFor={diastolicId}>Diastolic ({vital.unitLabel})</label>
              <input
                id={diastolicId}
                type="number"
                inputMode="decimal"
                step={vital.step}
                min={vital.min}
                max={vital.max}
                value={diastolic}
                aria-describedby={errorId}
                onChange={(event) => setDiastolic(event.target.value)}
              />
            </div>
          )}
          <div className="field">
            <label htmlFor={effectiveId}>Measured at</label>
            <input
              id={effectiveId}
              type="datetime-local"
              value={effective}
              onChange={(event) => setEffective(event.target.value)}
            />
          </div>
        </>
      )}
    </ChartForm>
  );
}
