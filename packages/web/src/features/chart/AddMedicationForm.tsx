import type { ConceptSuggestion } from '@caregraph/core/client';
import { useState } from 'react';
import { CODE_SYSTEMS } from '../terminology/api.ts';
import { ConceptCombobox } from '../terminology/ConceptCombobox.tsx';
import { buildMedicationRequest, type MedicationInput } from './build-resources.ts';
import { InputField, SelectField } from './ChartFields.tsx';
import { ChartForm } from './ChartForm.tsx';

const STATUSES: MedicationInput['status'][] = ['active', 'on-hold', 'completed', 'stopped', 'draft'];
const INTENTS: MedicationInput['intent'][] = ['order', 'plan', 'proposal'];

/** Adds a MedicationRequest coded in RxNorm (SNOMED CT when no RxNorm release is loaded). */
export function AddMedicationForm({ patientId }: { patientId: string }) {
  const [medication, setMedication] = useState<ConceptSuggestion | undefined>();
  const [status, setStatus] = useState<MedicationInput['status']>('active');
  const [intent, setIntent] = useState<MedicationInput['intent']>('order');
  const [authoredOn, setAuthoredOn] = useState(() => new Date().toISOString().slice(0, 10));
  const [dosage, setDosage] = useState('');

  return (
    <ChartForm
      patientId={patientId}
      title="Add medication"
      what="the medication"
      prepare={() =>
        medication
          ? buildMedicationRequest(patientId, { medication, status, intent, authoredOn, dosage })
          : 'Pick the medication from the suggestions.'
      }
      onReset={() => {
        setMedication(undefined);
        setDosage('');
      }}
    >
      {({ errorId, hasProblem }) => (
        <>
          <ConceptCombobox
            label="Medication"
            source={{ systems: [CODE_SYSTEMS.rxnorm], fallbackSystems: [CODE_SYSTEMS.snomed] }}
            value={medication}
            onChange={setMedication}
            errorId={errorId}
            isInvalid={hasProblem}
          />
          <SelectField label="Status" value={status} options={STATUSES} onChange={setStatus} />
          <SelectField label="Intent" value={intent} options={INTENTS} onChange={setIntent} />
          <InputField label="Prescribed on" type="date" value={authoredOn} onChange={setAuthoredOn} />
          <InputField
            label="Dosage"
            value={dosage}
            placeholder="e.g. 1 tablet by mouth twice daily"
            onChange={setDosage}
            isWide
          />
        </>
      )}
    </ChartForm>
  );
}
