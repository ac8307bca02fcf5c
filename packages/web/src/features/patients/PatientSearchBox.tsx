import type { Patient } from '@caregraph/core/fhir';
import { useEffect, useId, useState, type KeyboardEvent, type Ref } from 'react';
import { useNavigate } from 'react-router';
import { describeError } from '../../components/describe-error.ts';
import { comboboxKeyAction } from '../terminology/combobox-keys.ts';
import { usePatientSearch } from './api.ts';
import { formatIdentifier, formatName } from './patient-display.ts';
import { useDebounced } from './use-debounced.ts';
import './patient-search-box.css';

/** Suggestions shown under the box; "All matches" opens the full list. */
const SUGGESTION_COUNT = 8;

/** The chart of a patient, or the patient list for a search term. */
export function patientChartPath(patientId: string): string {
  return `/patients/${encodeURIComponent(patientId)}`;
}

export function patientListPath(term: string): string {
  return term.trim() ? `/patients?q=${encodeURIComponent(term.trim())}` : '/patients';
}

type Choice = { kind: 'patient'; patient: Patient } | { kind: 'all' };

/**
 * The shell's patient search: a WAI-ARIA combobox (input with a listbox popup) that searches FHIR
 * as you type, by name, birth date (YYYY-MM-DD) or identifier. The first match is active, so Enter
 * opens its chart; arrows move, Escape closes the list and then clears the box.
 */
export function PatientSearchBox({ inputRef }: { inputRef?: Ref<HTMLInputElement> }) {
  const navigate = useNavigate();
  const [text, setText] = useState('');
  const [isOpen, setIsOpen] = useState(false);
  const [active, setActive] = useState(0);
  const settled = useDebounced(text, 200);
  const term = settled.trim();
  const search = usePatientSearch(settled, { enabled: term !== '', count: SUGGESTION_COUNT });
  // Results of an earlier term (kept on screen while the next arrives) are not offered to Enter.
  const isFresh = term !== '' && text.trim() === term && search.isSuccess && !search.isPlaceholderData;
  const patients = isFresh ? search.data.patients : [];
  const choices: Choice[] =
    patients.length > 0 ? [...patients.map((patient) => ({ kind: 'patient' as const, patient })), { kind: 'all' }] : [];
  const showList = isOpen && text.trim() !== '';
  const inputId = useId();
  const listId = useId();
  const optionId = (index: number) => `${listId}-option-${index}`;

  useEffect(() => setActive(0), [term]);

  const choose = (choice: Choice | undefined) => {
    setIsOpen(false);
    setText('');
    if (choice?.kind === 'patient' && choice.patient.id) {
      void navigate(patientChartPath(choice.patient.id));
    } else {
      void navigate(patientListPath(text));
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter' && showList && !isFresh) {
      // Enter before the suggestions arrived: the full list for what was typed.
      event.preventDefault();
      choose({ kind: 'all' });
      return;
    }
    if (event.key === 'Escape' && !showList && text !== '') {
      event.preventDefault();
      setText('');
      return;
    }
    const action = comboboxKeyAction(event.key, active, isFresh ? choices.length : 0, showList);
    switch (action.kind) {
      case 'move':
        event.preventDefault();
        setIsOpen(true);
        setActive(action.index);
        break;
      case 'choose':
        event.preventDefault();
        choose(choices[action.index]);
        break;
      case 'close':
        event.preventDefault();
        setIsOpen(false);
        break;
      case 'none':
        break;
    }
  };

  return (
    <div className="patient-search-box" role="search" aria-label="Patient search">
      <label htmlFor={inputId} className="visually-hidden">
        Find a patient by name, birth date (YYYY-MM-DD) or identifier
      </label>
      <input
        ref={inputRef}
        id={inputId}
        type="text"
        role="combobox"
        placeholder="Find a patient…"
        aria-expanded={showList}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={showList && isFresh ? optionId(active) : undefined}
        aria-keyshortcuts="/"
        autoComplete="off"
        spellCheck={false}
        value={text}
        onChange={(event) => {
          setText(event.target.value);
          setIsOpen(true);
        }}
        onFocus={() => setIsOpen(true)}
        onBlur={() => setIsOpen(false)}
        onKeyDown={onKeyDown}
      />
      <ul
        id={listId}
        role="listbox"
        aria-label="Matching patients"
        className="patient-search-box__list"
        hidden={!showList}
      >
        {showList && search.isError && (
          <li className="patient-search-box__message" role="presentation">
            {describeError(search.error, 'patients')}
          </li>
        )}
        {showList && !isFresh && !search.isError && (
          <li className="patient-search-box__message muted" role="presentation">
            Searching…
          </li>
        )}
        {showList && isFresh && patients.length === 0 && (
          <li className="patient-search-box__message muted" role="presentation">
            No patient matches “{term}”.
          </li>
        )}
        {showList &&
          isFresh &&
          choices.map((choice, index) => (
            <li
              key={choice.kind === 'patient' ? choice.patient.id : 'all'}
              id={optionId(index)}
              role="option"
              aria-selected={index === active}
              className={
                index === active
                  ? 'patient-search-box__option patient-search-box__option--active'
                  : 'patient-search-box__option'
              }
              // Chosen on mouse down, before the input's blur closes the list.
              onMouseDown={(event) => {
                event.preventDefault();
                choose(choice);
              }}
            >
              {choice.kind === 'patient' ? (
                <>
                  <span className="patient-search-box__name">{formatName(choice.patient)}</span>
                  <span className="patient-search-box__facts">
                    {[choice.patient.birthDate, choice.patient.gender, formatIdentifier(choice.patient)]
                      .filter(Boolean)
                      .join(' · ')}
                  </span>
                </>
              ) : (
                <span className="patient-search-box__all">
                  {search.data.total !== undefined
                    ? `All ${search.data.total} matches for “${term}”`
                    : `All matches for “${term}”`}
                </span>
              )}
            </li>
          ))}
      </ul>
    </div>
  );
}
