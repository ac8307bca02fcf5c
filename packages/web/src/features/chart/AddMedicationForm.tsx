import type { ConceptSuggestion } from '@caregraph/core/client';
import type { MedicationRequest } from '@caregraph/core/fhir';
import { useId, useState } from 'react';
import { CODE_SYSTEMS } from '../terminology/api.ts';
import { ConceptCombobox } from '../terminology/ConceptCombobox.tsx';
import { useCreateChartResource } from './api.ts';
import { buildMedicationRequest, type MedicationInput } from './build-resources.ts';
import { ChartForm } from './ChartForm.tsx';

const STATUSES: MedicationInput['status'][] = ['active', 'on-hold', 'completed', 'stopped', 'draft'];
const INTENTS: MedicationInput['intent'][] = ['order', 'plan', 'proposal'];

/** Adds a MedicationRequest coded in RxNorm (SNOMED CT when no RxNorm release is loaded). */
export function AddMedicationForm({ patientId }: { patientId: string }) {
  const create = useCreateChartResource<MedicationRequest>(patientId);
  const [medication, setMedication] = useState<ConceptSuggestion | undefined>();
  const [status, setStatus] = useState<MedicationInput['status']>('active');
  const [intent, setIntent] = useState<MedicationInput['intent']>('order');
  const [authoredOn, setAuthoredOn] = useState(() => new Date().toISOString().slice(0, 10));
  const [dosage, setDosage] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  const statusId = useId();
  const intentId = useId();
  const authoredId = useId();
  const dosageId = useId();

  const reset = () => {
    create.reset();
    setProblem(undefined);
    setMedication(undefined);
    setDosage('');
  };

  const submit = async () => {
    if (!medication) {
      setProblem('Pick the medication from the suggestions.');
      return false;
    }
    setProblem(undefined);
    try {
      await create.mutateAsync(buildMedicationRequest(patientId, { medication, status, intent, authoredOn, dosage }));
      return true;
    } catch {
      return false;
    }
  };

  return (
    <ChartForm
      title="Add medication"
      what="the medication"
      isSaving={create.isPending}
      error={create.error}
      problem={problem}
      onSubmit={submit}
      onReset={reset}
    >
      {(errorId) => (
        <>
          <ConceptCombobox
            label="Medication"
            source={{ systems: [CODE_SYSTEMS.rxnorm], fallbackSystems: [CODE_SYSTEMS.snomed] }}
            value={medication}
            onChange={setMedication}
            errorId={errorId}
            isInvalid={Boolean(problem)}
          />
          <div className="field">
            <label htmlFor={statusId}>Status</label>
            <select id={statusId} value={status} onChange={(event) => setStatus(event.target.value as typeof status)}>
              {STATUSES.map((value) => (
                <option key={value}>{value}</option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={intentId}>Intent</label>
            <select id={intentId} value={intent} onChange={(event) => setIntent(event.target.value as typeof intent)}>
              {INTENTS.map((value) => (
                <option key={value}>{value}</option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={authoredId}>Prescribed on</label>
            <input
              id={authoredId}
              type="date"
              value={authoredOn}
              onChange={(event) => setAuthoredOn(event.target.value)}
            />
          </div>
          <div className="field field--wide">
            <label htmlFor={dosageId}>Dosage</label>
            <input
              id={dosageId}
              type="text"
              value={dosage}
              placeholder="e.g. 1 tablet by mouth twice daily"
              onChange={(event) => setDosage(event.target.value)}
            />
          </div>
        </>
      )}
    </ChartForm>
  );
}
