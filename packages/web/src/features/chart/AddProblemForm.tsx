import type { ConceptSuggestion } from '@caregraph/core/client';
import { useState } from 'react';
import { CODE_SYSTEMS } from '../terminology/api.ts';
import { ConceptCombobox } from '../terminology/ConceptCombobox.tsx';
import { buildCondition, type ConditionClinicalStatus } from './build-resources.ts';
import { InputField, SelectField } from './ChartFields.tsx';
import { ChartForm } from './ChartForm.tsx';

const CLINICAL_STATUSES: ConditionClinicalStatus[] = [
  'active',
  'recurrence',
  'relapse',
  'inactive',
  'remission',
  'resolved',
];

/** Adds a problem-list Condition coded in ICD-10-CM or SNOMED CT. */
export function AddProblemForm({ patientId }: { patientId: string }) {
  const [code, setCode] = useState<ConceptSuggestion | undefined>();
  const [clinicalStatus, setClinicalStatus] = useState<ConditionClinicalStatus>('active');
  const [onset, setOnset] = useState('');
  const [abatement, setAbatement] = useState('');

  return (
    <ChartForm
      patientId={patientId}
      title="Add problem"
      what="the problem"
      prepare={() =>
        code
          ? buildCondition(patientId, { code, clinicalStatus, onset, abatement })
          : 'Pick the problem from the suggestions.'
      }
      onReset={() => {
        setCode(undefined);
        setClinicalStatus('active');
        setOnset('');
        setAbatement('');
      }}
    >
      {({ errorId, hasProblem }) => (
        <>
          <ConceptCombobox
            label="Problem (ICD-10-CM or SNOMED CT)"
            source={{ systems: [CODE_SYSTEMS.icd10cm, CODE_SYSTEMS.snomed] }}
            value={code}
            onChange={setCode}
            errorId={errorId}
            isInvalid={hasProblem}
          />
          <SelectField
            label="Clinical status"
            value={clinicalStatus}
            options={CLINICAL_STATUSES}
            onChange={setClinicalStatus}
          />
          <InputField label="Onset date" type="date" value={onset} onChange={setOnset} />
          <InputField
            label="Resolved on (optional)"
            type="date"
            value={abatement}
            onChange={setAbatement}
            aria-describedby={errorId}
          />
        </>
      )}
    </ChartForm>
  );
}
