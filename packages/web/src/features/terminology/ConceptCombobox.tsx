import type { ConceptSuggestion } from '@caregraph/core/client';
import { useId, useState, type KeyboardEvent } from 'react';
import { describeError } from '../../components/describe-error.ts';
import { useDebounced } from '../patients/use-debounced.ts';
import { MIN_QUERY_LENGTH, useConceptSuggestions, type SuggestionSource } from './api.ts';
import { comboboxKeyAction } from './combobox-keys.ts';
import './terminology.css';

type SuggestionListProps = {
  id: string;
  label: string;
  isShown: boolean;
  /** What was searched, for the "no match" message. */
  text: string;
  suggestions: ReturnType<typeof useConceptSuggestions>;
  active: number;
  optionId: (index: number) => string;
  onChoose: (concept: ConceptSuggestion) => void;
};

/** The popup listbox: the suggestions, each with its code and code system, or why there are none. */
function SuggestionList({ id, label, isShown, text, suggestions, active, optionId, onChoose }: SuggestionListProps) {
  const options = suggestions.data ?? [];
  return (
    <ul id={id} role="listbox" aria-label={label} className="combobox__list" hidden={!isShown}>
      {isShown && suggestions.isError && (
        <li className="combobox__message" role="presentation">
          {describeError(suggestions.error, 'suggestions')}
        </li>
      )}
      {isShown && suggestions.isPending && (
        <li className="combobox__message muted" role="presentation">
          Searching…
        </li>
      )}
      {isShown && suggestions.isSuccess && options.length === 0 && (
        <li className="combobox__message muted" role="presentation">
          No concept matches “{text}”.
        </li>
      )}
      {isShown &&
        options.map((concept, index) => (
          <li
            key={`${concept.system}|${concept.code}`}
            id={optionId(index)}
            role="option"
            aria-selected={index === active}
            className={index === active ? 'combobox__option combobox__option--active' : 'combobox__option'}
            // Chosen on mouse down, before the input's blur closes the list.
            onMouseDown={(event) => {
              event.preventDefault();
              onChoose(concept);
            }}
          >
            <span className="combobox__display">{concept.display}</span>
            <span className="combobox__code">
              {concept.code} · {concept.systemName}
              {concept.inactive ? ' · inactive' : ''}
            </span>
          </li>
        ))}
    </ul>
  );
}

type ConceptComboboxProps = {
  label: string;
  source: SuggestionSource;
  /** The chosen concept; undefined until one is picked. */
  value: ConceptSuggestion | undefined;
  onChange: (concept: ConceptSuggestion | undefined) => void;
  /** The id of an element describing an error of this field. */
  errorId?: string;
  isInvalid?: boolean;
};

/**
 * A coded field: type part of a term or code and pick a concept from the terminology typeahead.
 * It follows the WAI-ARIA combobox pattern (input with a listbox popup, `aria-activedescendant`,
 * arrow keys, Enter, Escape) and shows each concept's code and code system.
 */
export function ConceptCombobox({ label, source, value, onChange, errorId, isInvalid = false }: ConceptComboboxProps) {
  const [text, setText] = useState(value?.display ?? '');
  const [isOpen, setIsOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const settled = useDebounced(text, 200);
  const suggestions = useConceptSuggestions(isOpen ? settled : '', source);
  const options = suggestions.data ?? [];
  const inputId = useId();
  const listId = useId();
  const hintId = useId();
  const optionId = (index: number) => `${listId}-option-${index}`;
  const showList = isOpen && settled.trim().length >= MIN_QUERY_LENGTH;

  const choose = (concept: ConceptSuggestion) => {
    onChange(concept);
    setText(concept.display);
    setIsOpen(false);
    setActive(-1);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    const action = comboboxKeyAction(event.key, active, options.length, showList);
    switch (action.kind) {
      case 'move':
        event.preventDefault();
        setIsOpen(true);
        setActive(action.index);
        break;
      case 'choose': {
        event.preventDefault();
        const concept = options[action.index];
        if (concept) {
          choose(concept);
        }
        break;
      }
      case 'close':
        event.preventDefault();
        setIsOpen(false);
        setActive(-1);
        break;
      case 'none':
        break;
    }
  };

  return (
    <div className="combobox">
      <label htmlFor={inputId}>{label}</label>
      <input
        id={inputId}
        type="text"
        role="combobox"
        aria-expanded={showList}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={showList && active >= 0 ? optionId(active) : undefined}
        aria-describedby={[hintId, errorId].filter(Boolean).join(' ')}
        aria-invalid={isInvalid || undefined}
        autoComplete="off"
        value={text}
        onChange={(event) => {
          setText(event.target.value);
          setIsOpen(true);
          setActive(-1);
          if (value) {
            onChange(undefined);
          }
        }}
        onKeyDown={onKeyDown}
        onBlur={() => setIsOpen(false)}
      />
      <span id={hintId} className="combobox__hint muted">
        {value
          ? `Chosen: ${value.code} (${value.systemName})`
          : `Type at least ${MIN_QUERY_LENGTH} characters of a term or code, then pick a concept.`}
      </span>
      <SuggestionList
        id={listId}
        label={`${label} suggestions`}
        isShown={showList}
        text={settled.trim()}
        suggestions={suggestions}
        active={active}
        optionId={optionId}
        onChoose={choose}
      />
    </div>
  );
}
