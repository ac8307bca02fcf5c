import { useEffect, useId, useRef, useState, type SyntheticEvent } from 'react';
import { TextField } from '../admin-users/TextField.tsx';
import {
  AUDIT_ACTIONS,
  AUDIT_KINDS,
  AUDIT_OUTCOMES,
  EMPTY_AUDIT_FILTER,
  findAuditFilterProblems,
  type AuditActionCode,
  type AuditKind,
  type AuditOutcomeCode,
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
  const actionId = useId();
  const kindId = useId();
  const outcomeId = useId();
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
      <div className="admin-field">
        <label htmlFor={actionId}>Action</label>
        <select
          id={actionId}
          value={draft.action}
          onChange={(event) => update('action', event.target.value as AuditActionCode | '')}
        >
          <option value="">Any action</option>
          {AUDIT_ACTIONS.map((action) => (
            <option key={action.code} value={action.code}>
              {action.label}
            </option>
          ))}
        </select>
      </div>
      <div className="admin-field">
        <label htmlFor={kindId}>Kind</label>
        <select
          id={kindId}
          value={draft.kind}
          onChange={(event) => update('kind', event.target.value as AuditKind | '')}
        >
          <option value="">Any kind</option>
          {AUDIT_KINDS.map((kind) => (
            <option key={kind.code} value={kind.code}>
              {kind.label}
            </option>
          ))}
        </select>
      </div>
      <div className="admin-field">
        <label htmlFor={outcomeId}>Outcome</label>
        <select
          id={outcomeId}
          value={draft.outcome}
          onChange={(event) => update('outcome', event.target.value as AuditOutcomeCode | '')}
        >
          <option value="">Any outcome</option>
          {AUDIT_OUTCOMES.map((outcome) => (
            <option key={outcome.code} value={outcome.code}>
              {outcome.label}
            </option>
          ))}
        </select>
      </div>
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
