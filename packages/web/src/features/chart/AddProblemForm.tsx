import type { ConceptSuggestion } from '@caregraph/core/client';
import type { Condition } from '@caregraph/core/fhir';
import { useId, useState } from 'react';
import { CODE_SYSTEMS } from '../terminology/api.ts';
import { ConceptCombobox } from '../terminology/ConceptCombobox.tsx';
import { useCreateChartResource } from './api.ts';
import { buildCondition, type ConditionClinicalStatus } from './build-resources.ts';
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
  const create = useCreateChartResource<Condition>(patientId);
  const [code, setCode] = useState<ConceptSuggestion | undefined>();
  const [clinicalStatus, setClinicalStatus] = useState<ConditionClinicalStatus>('active');
  const [onset, setOnset] = useState('');
  const [abatement, setAbatement] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  const statusId = useId();
  const onsetId = useId();
  const abatementId = useId();

  const reset = () => {
    create.reset();
    setProblem(undefined);
    setCode(undefined);
    setClinicalStatus('active');
    setOnset('');
    setAbatement('');
  };

  const submit = async () => {
    if (!code) {
      setProblem('Pick the problem from the suggestions.');
      return false;
    }
    setProblem(undefined);
    try {
      await create.mutateAsync(buildCondition(patientId, { code, clinicalStatus, onset, abatement }));
      return true;
    } catch {
      return false;
    }
  };

  return (
    <ChartForm
      title="Add problem"
      what="the problem"
      isSaving={create.isPending}
      error={create.error}
      problem={problem}
      onSubmit={submit}
      onReset={reset}
    >
      {(errorId) => (
        <>
          <ConceptCombobox
            label="Problem (ICD-10-CM or SNOMED CT)"
            source={{ systems: [CODE_SYSTEMS.icd10cm, CODE_SYSTEMS.snomed] }}
            value={code}
            onChange={setCode}
            errorId={errorId}
            isInvalid={Boolean(problem)}
          />
          <div className="field">
            <label htmlFor={statusId}>Clinical status</label>
            <select
              id={statusId}
              value={clinicalStatus}
              onChange={(event) => setClinicalStatus(event.target.value as ConditionClinicalStatus)}
            >
              {CLINICAL_STATUSES.map((status) => (
                <option key={status} value={status}>
                  {status}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={onsetId}>Onset date</label>
            <input id={onsetId} type="date" value={onset} onChange={(event) => setOnset(event.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={abatementId}>Resolved on (optional)</label>
            <input
              id={abatementId}
              type="date"
              value={abatement}
              onChange={(event) => setAbatement(event.target.value)}
              aria-describedby={errorId}
            />
          </div>
        </>
      )}
    </ChartForm>
  );
}
