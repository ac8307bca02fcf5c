import type { ConceptSuggestion } from '@caregraph/core/client';
import type { AllergyIntolerance } from '@caregraph/core/fhir';
import { useId, useState } from 'react';
import { CODE_SYSTEMS } from '../terminology/api.ts';
import { ConceptCombobox } from '../terminology/ConceptCombobox.tsx';
import { useCreateChartResource } from './api.ts';
import { buildAllergyIntolerance, type AllergyInput } from './build-resources.ts';
import { ChartForm } from './ChartForm.tsx';

const CRITICALITIES: AllergyInput['criticality'][] = ['low', 'high', 'unable-to-assess'];
const CATEGORIES: AllergyInput['category'][] = ['', 'food', 'medication', 'environment', 'biologic'];

/** Adds an AllergyIntolerance: the substance (SNOMED CT or RxNorm), its criticality and the reaction. */
export function AddAllergyForm({ patientId }: { patientId: string }) {
  const create = useCreateChartResource<AllergyIntolerance>(patientId);
  const [substance, setSubstance] = useState<ConceptSuggestion | undefined>();
  const [criticality, setCriticality] = useState<AllergyInput['criticality']>('low');
  const [category, setCategory] = useState<AllergyInput['category']>('');
  const [reaction, setReaction] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  const criticalityId = useId();
  const categoryId = useId();
  const reactionId = useId();

  const reset = () => {
    create.reset();
    setProblem(undefined);
    setSubstance(undefined);
    setReaction('');
  };

  const submit = async () => {
    if (!substance) {
      setProblem('Pick the substance from the suggestions.');
      return false;
    }
    setProblem(undefined);
    try {
      await create.mutateAsync(buildAllergyIntolerance(patientId, { substance, criticality, category, reaction }));
      return true;
    } catch {
      return false;
    }
  };

  return (
    <ChartForm
      title="Add allergy"
      what="the allergy"
      isSaving={create.isPending}
      error={create.error}
      problem={problem}
      onSubmit={submit}
      onReset={reset}
    >
      {(errorId) => (
        <>
          <ConceptCombobox
            label="Substance"
            source={{ systems: [CODE_SYSTEMS.snomed, CODE_SYSTEMS.rxnorm], fallbackSystems: [CODE_SYSTEMS.snomed] }}
            value={substance}
            onChange={setSubstance}
            errorId={errorId}
            isInvalid={Boolean(problem)}
          />
          <div className="field">
            <label htmlFor={criticalityId}>Criticality</label>
            <select
              id={criticalityId}
              value={criticality}
              onChange={(event) => setCriticality(event.target.value as typeof criticality)}
            >
              {CRITICALITIES.map((value) => (
                <option key={value}>{value}</option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={categoryId}>Category</label>
            <select
              id={categoryId}
              value={category}
              onChange={(event) => setCategory(event.target.value as typeof category)}
            >
              {CATEGORIES.map((value) => (
                <option key={value} value={value}>
                  {value || 'not stated'}
                </option>
              ))}
            </select>
          </div>
          <div className="field field--wide">
            <label htmlFor={reactionId}>Reaction</label>
            <input
              id={reactionId}
              type="text"
              value={reaction}
              placeholder="e.g. hives"
              onChange={(event) => setReaction(event.target.value)}
            />
          </div>
        </>
      )}
    </ChartForm>
  );
}
