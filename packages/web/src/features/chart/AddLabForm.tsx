import type { ConceptSuggestion } from '@caregraph/core/client';
import type { Observation } from '@caregraph/core/fhir';
import { useState } from 'react';
import { CODE_SYSTEMS } from '../terminology/api.ts';
import { ConceptCombobox } from '../terminology/ConceptCombobox.tsx';
import { buildLabObservation, localDateTimeToFhir, nowForDateTimeInput } from './build-resources.ts';
import { InputField } from './ChartFields.tsx';
import { ChartForm } from './ChartForm.tsx';

/** A number field's value: undefined when empty, NaN when not a number. */
function optionalNumber(text: string): number | undefined {
  return text.trim() === '' ? undefined : Number(text.trim().replace(',', '.'));
}

/** Adds a laboratory Observation: a LOINC test, its value with a UCUM unit and an optional reference range. */
export function AddLabForm({ patientId }: { patientId: string }) {
  const [test, setTest] = useState<ConceptSuggestion | undefined>();
  const [value, setValue] = useState('');
  const [unit, setUnit] = useState('');
  const [low, setLow] = useState('');
  const [high, setHigh] = useState('');
  const [effective, setEffective] = useState(nowForDateTimeInput);

  const prepare = (): Observation | string => {
    if (!test) {
      return 'Pick the test from the suggestions.';
    }
    const [measured, lowValue, highValue] = [optionalNumber(value), optionalNumber(low), optionalNumber(high)];
    const isNotANumber = (number: number | undefined) => number !== undefined && !Number.isFinite(number);
    if (measured === undefined || [measured, lowValue, highValue].some(isNotANumber)) {
      return 'Enter the value (and any range limits) as numbers.';
    }
    return buildLabObservation(patientId, {
      test,
      value: measured,
      unit,
      effective: localDateTimeToFhir(effective),
      ...(lowValue === undefined ? {} : { low: lowValue }),
      ...(highValue === undefined ? {} : { high: highValue }),
    });
  };

  return (
    <ChartForm
      patientId={patientId}
      title="Add lab result"
      what="the lab result"
      prepare={prepare}
      onReset={() => {
        setTest(undefined);
        setValue('');
        setLow('');
        setHigh('');
      }}
    >
      {({ errorId, hasProblem }) => (
        <>
          <ConceptCombobox
            label="Test (LOINC)"
            source={{ systems: [CODE_SYSTEMS.loinc] }}
            value={test}
            onChange={setTest}
            errorId={errorId}
            isInvalid={hasProblem && !test}
          />
          <InputField label="Value" inputMode="decimal" value={value} onChange={setValue} aria-describedby={errorId} />
          <InputField label="Unit (UCUM, e.g. mg/dL)" value={unit} onChange={setUnit} />
          <InputField label="Range low (optional)" inputMode="decimal" value={low} onChange={setLow} />
          <InputField label="Range high (optional)" inputMode="decimal" value={high} onChange={setHigh} />
          <InputField label="Collected at" type="datetime-local" value={effective} onChange={setEffective} />
        </>
      )}
    </ChartForm>
  );
}
