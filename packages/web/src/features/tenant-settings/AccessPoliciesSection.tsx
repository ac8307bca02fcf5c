import { useId } from 'react';
import { Card } from '../../components/Card.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { ROLES, type Role } from '../admin-users/roles.ts';
import { INTERACTIONS, newDraft, PATIENT_REACHES, withInteraction, type PolicyDraft } from './access-policy-form.ts';
import { isMissingRoute, useAccessPolicies } from './api.ts';
import type { PatientReach } from './types.ts';
import { usePolicyEditor } from './use-policy-editor.ts';

type RowProps = {
  draft: PolicyDraft;
  index: number;
  problem: string | undefined;
  onChange: (draft: PolicyDraft) => void;
  onRemove: () => void;
};

/** One editable policy row; every control is labelled with the row it belongs to. */
function PolicyRow({ draft, index, problem, onChange, onRemove }: RowProps) {
  const problemId = useId();
  const name = `Row ${index + 1}`;
  const described = problem ? problemId : undefined;
  const update = <K extends keyof PolicyDraft>(key: K, value: PolicyDraft[K]) => onChange({ ...draft, [key]: value });
  return (
    <>
      <tr
        className={problem ? 'access-policy__row access-policy__row--invalid' : 'access-policy__row'}
        data-row={index + 1}
      >
        <td>
          <select
            aria-label={`${name} role`}
            value={draft.role}
            onChange={(event) => update('role', event.target.value as Role)}
          >
            {ROLES.map((role) => (
              <option key={role} value={role}>
                {role}
              </option>
            ))}
          </select>
        </td>
        <td>
          <input
            aria-label={`${name} resource`}
            value={draft.resource}
            onChange={(event) => update('resource', event.target.value)}
            aria-invalid={problem ? true : undefined}
            aria-describedby={described}
            size={14}
          />
        </td>
        <td>
          <fieldset className="access-policy__interactions" aria-describedby={described}>
            <legend className="visually-hidden">{name} interactions</legend>
            {INTERACTIONS.map((interaction) => (
              <label key={interaction.letter} title={interaction.label}>
                <input
                  type="checkbox"
                  checked={draft.interactions.includes(interaction.letter)}
                  onChange={(event) =>
                    update(
                      'interactions',
                      withInteraction(draft.interactions, interaction.letter, event.target.checked),
                    )
                  }
                />
                <span aria-hidden="true">{interaction.letter}</span>
                <span className="visually-hidden">{interaction.label}</span>
              </label>
            ))}
          </fieldset>
        </td>
        <td>
          <select
            aria-label={`${name} patients`}
            value={draft.patients}
            onChange={(event) => update('patients', event.target.value as PatientReach)}
          >
            {PATIENT_REACHES.map((reach) => (
              <option key={reach.value} value={reach.value}>
                {reach.label}
              </option>
            ))}
          </select>
        </td>
        <td>
          <input
            aria-label={`${name} criteria`}
            value={draft.criteria}
            placeholder="status=active"
            onChange={(event) => update('criteria', event.target.value)}
            size={14}
          />
        </td>
        <td>
          <input
            type="checkbox"
            aria-label={`${name} break-the-glass`}
            checked={draft.breakGlass}
            onChange={(event) => update('breakGlass', event.target.checked)}
          />
        </td>
        <td>
          <button type="button" className="button button--small" onClick={onRemove}>
            Remove<span className="visually-hidden"> {name}</span>
          </button>
        </td>
      </tr>
      {problem && (
        <tr className="access-policy__problem">
          <td colSpan={7}>
            <span id={problemId} className="field-error">
              {name}: {problem}
            </span>
          </td>
        </tr>
      )}
    </>
  );
}

type PolicyEditor = ReturnType<typeof usePolicyEditor>;

const COLUMNS = ['Role', 'Resource', 'Interactions', 'Patients', 'Criteria', 'Break-the-glass'];

function PolicyTable({ editor }: { editor: PolicyEditor }) {
  const { drafts, edit } = editor;
  return (
    <div className="table-scroll admin-table-scroll">
      <table className="access-policy" data-testid="access-policy">
        <caption className="visually-hidden">Access policy rows</caption>
        <thead>
          <tr>
            {COLUMNS.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
            <th scope="col">
              <span className="visually-hidden">Remove</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {drafts.map((draft, index) => (
            <PolicyRow
              key={draft.key}
              draft={draft}
              index={index}
              problem={editor.rowProblem(draft.key)}
              onChange={(next) => edit(drafts.map((each) => (each.key === draft.key ? next : each)))}
              onRemove={() => edit(drafts.filter((each) => each.key !== draft.key))}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * The tenant's access policy as an editable table: each row gives a role interactions on a
 * resource type (or `*`, or the `admin` area) for some patients, optionally narrowed by search
 * criteria and open to break-the-glass. Saved as a whole; the server checks it again.
 */
export function AccessPoliciesSection() {
  const policies = useAccessPolicies();
  const editor = usePolicyEditor(policies.data);
  if (policies.isError && isMissingRoute(policies.error)) {
    return null;
  }
  const { rowProblemCount } = editor;
  return (
    <Card title="Access policies">
      <p className="muted">
        What each role may do. A role&apos;s row for a resource type replaces its <code>*</code> row for that type; a
        user with several roles gets what any of them allows.
      </p>
      <p className="admin-notice" role="status" aria-live="polite">
        {editor.notice}
      </p>
      {editor.formProblem && (
        <p className="form-error" role="alert">
          {editor.formProblem}
        </p>
      )}
      {rowProblemCount > 0 && (
        <p className="form-error" role="alert">
          {rowProblemCount === 1 ? 'One row has a problem' : `${rowProblemCount} rows have problems`}; see below.
        </p>
      )}
      {policies.isPending && <p className="muted">Loading the access policy…</p>}
      {policies.isError && (
        <ErrorMessage error={policies.error} what="the access policy" onRetry={() => void policies.refetch()} />
      )}
      {policies.isSuccess && (
        <>
          <PolicyTable editor={editor} />
          <div className="admin-actions">
            <button
              type="button"
              className="button button--small"
              onClick={() => editor.edit([...editor.drafts, newDraft()])}
            >
              Add row
            </button>
            <button
              type="button"
              className="button"
              disabled={!editor.isDirty || editor.isSaving}
              onClick={editor.save}
            >
              {editor.isSaving ? 'Saving…' : 'Save access policy'}
            </button>
            <button type="button" className="button button--small" disabled={!editor.isDirty} onClick={editor.discard}>
              Discard changes
            </button>
          </div>
        </>
      )}
    </Card>
  );
}
