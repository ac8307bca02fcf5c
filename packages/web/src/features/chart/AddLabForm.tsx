import type { ConceptSuggestion } from '@caregraph/core/client';
import type { Observation } from '@caregraph/core/fhir';
import { useId, useState } from 'react';
import { CODE_SYSTEMS } from '../terminology/api.ts';
import { ConceptCombobox } from '../terminology/ConceptCombobox.tsx';
import { useCreateChartResource } from './api.ts';
import { buildLabObservation, localDateTimeToFhir, nowForDateTimeInput } from './build-resources.ts';
import { ChartForm } from './ChartForm.tsx';

/** A number field's value: undefined when empty, NaN when not a number. */
function optionalNumber(text: string): number | undefined {
  return text.trim() === '' ? undefined : Number(text.trim().replace(',', '.'));
}

/** Adds a laboratory Observation: a LOINC test, its value with a UCUM unit and an optional reference range. */
export function AddLabForm({ patientId }: { patientId: string }) {
  const create = useCreateChartResource<Observation>(patientId);
  const [test, setTest] = useState<ConceptSuggestion | undefined>();
  const [value, setValue] = useState('');
  const [unit, setUnit] = useState('');
  const [low, setLow] = useState('');
  const [high, setHigh] = useState('');
  const [effective, setEffective] = useState(nowForDateTimeInput);
  const [problem, setProblem] = useState<string | undefined>();
  const ids = { value: useId(), unit: useId(), low: useId(), high: useId(), effective: useId() };

  const reset = () => {
    create.reset();
    setProblem(undefined);
    setTest(undefined);
    setValue('');
    setLow('');
    setHigh('');
  };

  const check = (): string | undefined => {
    if (!test) {
      return 'Pick the test from the suggestions.';
    }
    const numbers = [optionalNumber(value), optionalNumber(low), optionalNumber(high)];
    if (numbers[0] === undefined || numbers.some((number) => number !== undefined && !Number.isFinite(number))) {
      return 'Enter the value (and any range limits) as numbers.';
    }
    return undefined;
  };

  const submit = async () => {
    const failure = check();
    const measured = optionalNumber(value);
    setProblem(failure);
    if (failure || !test || measured === undefined) {
      return false;
    }
    const lowValue = optionalNumber(low);
    const highValue = optionalNumber(high);
    const input = {
      test,
      value: measured,
      unit,
      effective: localDateTimeToFhir(effective),
      ...(lowValue === undefined ? {} : { low: lowValue }),
      ...(highValue === undefined ? {} : { high: highValue }),
    };
    try {
      await create.mutateAsync(buildLabObservation(patientId, input));
      return true;
    } catch {
      return false;
    }
  };

  return (
    <ChartForm
      title="Add lab result"
      what="the lab result"
      isSaving={create.isPending}
      error={create.error}
      problem={problem}
      onSubmit={submit}
      onReset={reset}
    >
      {(errorId) => (
        <>
          <ConceptCombobox
            label="Test (LOINC)"
            source={{ systems: [CODE_SYSTEMS.loinc] }}
            value={test}
            onChange={setTest}
            errorId={errorId}
            isInvalid={Boolean(problem) && !test}
          />
          <div className="field">
            <label htmlFor={ids.value}>Value</label>
            <input
              id={ids.value}
              type="text"
              inputMode="decimal"
              value={value}
              aria-describedby={errorId}
              onChange={(event) => setValue(event.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={ids.unit}>Unit (UCUM, e.g. mg/dL)</label>
            <input id={ids.unit} type="text" value={unit} onChange={(event) => setUnit(event.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={ids.low}>Range low (optional)</label>
            <input
              id={ids.low}
              type="text"
              inputMode="decimal"
              value={low}
              onChange={(event) => setLow(event.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={ids.high}>Range high (optional)</label>
            <input
              id={ids.high}
              type="text"
              inputMode="decimal"
              value={high}
              onChange={(event) => setHigh(event.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={ids.effective}>Collected at</label>
            <input
              id={ids.effective}
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
