import { useEffect, useId, useRef, useState, type SyntheticEvent } from 'react';
import { TextField } from '../admin-users/TextField.tsx';
import {
  AUDIT_ACTIONS,
  AUDIT_KINDS,
  AUDIT_OUTCOMES,
  EMPTY_AUDIT_FILTER,
  findAuditFilterProblems,
  type AuditFilter,
  type AuditFilterField,
  writeAuditFilter,
} from './audit-filter.ts';

type AuditFilterFormProps = {
  /** The filter in effect (from the page address). */
  filter: AuditFilter;
  onSearch: (filter: AuditFilter) => void;
  /** E-mail addresses to suggest in the user field. */
  userSuggestions: readonly string[];
};

/**
 * The explorer's filter: user, patient, action, kind, outcome and a day range. Checked before it is applied; a
 * problem is shown beside its field and focus moves there.
 */
export function AuditFilterForm({ filter, onSearch, userSuggestions }: AuditFilterFormProps) {
  const [draft, setDraft] = useState<AuditFilter>(filter);
  const [problems, setProblems] = useState<Partial<Record<AuditFilterField, string>>>(() =>
    findAuditFilterProblems(filter),
  );
  const formRef = useRef<HTMLFormElement>(null);
  const listId = useId();
  // Back and forward change the address: the form follows (compared by value, not identity).
  const filterKey = writeAuditFilter(filter).toString();
  useEffect(() => {
    setDraft(filter);
    setProblems(findAuditFilterProblems(filter));
    // The key stands for the filter's value.
  }, [filterKey]);
  const update = <K extends AuditFilterField>(key: K, value: AuditFilter[K]) =>
    setDraft((previous) => ({ ...previous, [key]: value }));

  const submit = (event: SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    const trimmed = { ...draft, user: draft.user.trim(), patient: draft.patient.trim() };
    const found = findAuditFilterProblems(trimmed);
    setProblems(found);
    if (Object.keys(found).length > 0) {
      requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    onSearch(trimmed);
  };

  return (
    <form ref={formRef} className="audit-filter" onSubmit={submit} noValidate aria-label="Filter audit entries">
      <TextField
        label="User"
        name="user"
        list={listId}
        autoComplete="off"
        value={draft.user}
        onChange={(value) => update('user', value)}
        hint="E-mail address, user id or API key label"
      />
      <datalist id={listId}>
        {userSuggestions.map((email) => (
          <option key={email} value={email} />
        ))}
      </datalist>
      <TextField
        label="Patient id"
        name="patient"
        autoComplete="off"
        value={draft.patient}
        onChange={(value) => update('patient', value)}
        error={problems.patient}
      />
      <FilterSelect
        label="Action"
        anyLabel="Any action"
        choices={AUDIT_ACTIONS}
        value={draft.action}
        onChange={(value) => update('action', value)}
      />
      <FilterSelect
        label="Kind"
        anyLabel="Any kind"
        choices={AUDIT_KINDS}
        value={draft.kind}
        onChange={(value) => update('kind', value)}
      />
      <FilterSelect
        label="Outcome"
        anyLabel="Any outcome"
        choices={AUDIT_OUTCOMES}
        value={draft.outcome}
        onChange={(value) => update('outcome', value)}
      />
      <TextField
        label="From"
        name="from"
        type="date"
        value={draft.from}
        onChange={(value) => update('from', value)}
        error={problems.from}
      />
      <TextField
        label="To"
        name="to"
        type="date"
        value={draft.to}
        onChange={(value) => update('to', value)}
        error={problems.to}
      />
      <div className="admin-actions audit-filter__actions">
        <button type="submit" className="button">
          Search
        </button>
        <button
          type="button"
          className="button button--small"
          onClick={() => {
            setDraft(EMPTY_AUDIT_FILTER);
            setProblems({});
            onSearch(EMPTY_AUDIT_FILTER);
          }}
        >
          Clear
        </button>
      </div>
    </form>
  );
}

type FilterSelectProps<Code extends string> = {
  label: string;
  /** The first option, which leaves this filter out: "Any action". */
  anyLabel: string;
  choices: ReadonlyArray<{ code: Code; label: string }>;
  value: Code | '';
  onChange: (value: Code | '') => void;
};

/** One filter chosen from a fixed list of codes, or none. */
function FilterSelect<Code extends string>({ label, anyLabel, choices, value, onChange }: FilterSelectProps<Code>) {
  const id = useId();
  return (
    <div className="admin-field">
      <label htmlFor={id}>{label}</label>
      {/* The options are `choices` and the empty one, so the selected value is one of them. */}
      <select id={id} value={value} onChange={(event) => onChange(event.target.value as Code | '')}>
        <option value="">{anyLabel}</option>
        {choices.map((choice) => (
          <option key={choice.code} value={choice.code}>
            {choice.label}
          </option>
        ))}
      </select>
    </div>
  );
}
