import { useId } from 'react';
import { ROLE_DESCRIPTIONS, ROLES, type Role } from './roles.ts';

type RoleCheckboxesProps = {
  legend: string;
  value: readonly Role[];
  onChange: (roles: Role[]) => void;
  /** The field's problem, shown under the legend and announced with the group. */
  error?: string | undefined;
};

/** A group of role checkboxes, each with what the role may do. */
export function RoleCheckboxes({ legend, value, onChange, error }: RoleCheckboxesProps) {
  const errorId = useId();
  const toggle = (role: Role, isChecked: boolean) =>
    onChange(
      isChecked ? ROLES.filter((each) => each === role || value.includes(each)) : value.filter((each) => each !== role),
    );
  return (
    <fieldset
      className="role-checkboxes"
      aria-describedby={error ? errorId : undefined}
      data-invalid={error ? true : undefined}
    >
      <legend>{legend}</legend>
      {error && (
        <p id={errorId} className="field-error">
          {error}
        </p>
      )}
      {ROLES.map((role) => (
        <label key={role} className="role-checkboxes__option">
          <input
            type="checkbox"
            name="roles"
            value={role}
            checked={value.includes(role)}
            onChange={(event) => toggle(role, event.target.checked)}
          />
          <span>
            <span className="role-checkboxes__name">{role}</span>
            <span className="muted"> — {ROLE_DESCRIPTIONS[role]}</span>
          </span>
        </label>
      ))}
    </fieldset>
  );
}
