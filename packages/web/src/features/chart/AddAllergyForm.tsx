import type { ConceptSuggestion } from '@caregraph/core/client';
import { useState } from 'react';
import { CODE_SYSTEMS } from '../terminology/api.ts';
import { ConceptCombobox } from '../terminology/ConceptCombobox.tsx';
import { buildAllergyIntolerance, type AllergyInput } from './build-resources.ts';
import { InputField, SelectField } from './ChartFields.tsx';
import { ChartForm } from './ChartForm.tsx';

const CRITICALITIES: AllergyInput['criticality'][] = ['low', 'high', 'unable-to-assess'];
const CATEGORIES: AllergyInput['category'][] = ['', 'food', 'medication', 'environment', 'biologic'];

/** Adds an AllergyIntolerance: the substance (SNOMED CT or RxNorm), its criticality and the reaction. */
export function AddAllergyForm({ patientId }: { patientId: string }) {
  const [substance, setSubstance] = useState<ConceptSuggestion | undefined>();
  const [criticality, setCriticality] = useState<AllergyInput['criticality']>('low');
  const [category, setCategory] = useState<AllergyInput['category']>('');
  const [reaction, setReaction] = useState('');

  return (
    <ChartForm
      patientId={patientId}
      title="Add allergy"
      what="the allergy"
      prepare={() =>
        substance
          ? buildAllergyIntolerance(patientId, { substance, criticality, category, reaction })
          : 'Pick the substance from the suggestions.'
      }
      onReset={() => {
        setSubstance(undefined);
        setReaction('');
      }}
    >
      {({ errorId, hasProblem }) => (
        <>
          <ConceptCombobox
            label="Substance"
            source={{ systems: [CODE_SYSTEMS.snomed, CODE_SYSTEMS.rxnorm], fallbackSystems: [CODE_SYSTEMS.snomed] }}
            value={substance}
            onChange={setSubstance}
            errorId={errorId}
            isInvalid={hasProblem}
          />
          <SelectField label="Criticality" value={criticality} options={CRITICALITIES} onChange={setCriticality} />
          <SelectField
            label="Category"
            value={category}
            options={CATEGORIES}
            onChange={setCategory}
            optionLabel={(value) => value || 'not stated'}
          />
          <InputField label="Reaction" value={reaction} placeholder="e.g. hives" onChange={setReaction} isWide />
        </>
      )}
    </ChartForm>
  );
}
