import { useId, useRef, useState, type SyntheticEvent } from 'react';
import { useInviteUser } from './api.ts';
import type { AdminUser } from './types.ts';
import {
  EMPTY_INVITE,
  findInviteProblems,
  placeInviteError,
  toInviteRequest,
  type InviteForm,
  type InviteProblems,
  type MfaChoice,
} from './invite-form.ts';
import { RoleCheckboxes } from './RoleCheckboxes.tsx';
import { TextField } from './TextField.tsx';

type InviteUserFormProps = {
  /** Called with the invited account once the server has created it and sent the mail. */
  onInvited: (user: AdminUser) => void;
  onCancel: () => void;
};

const MFA_CHOICES: readonly { value: MfaChoice; label: string }[] = [
  { value: 'follow', label: 'As the role policy says' },
  { value: 'required', label: 'Always required for this user' },
  { value: 'optional', label: 'Never required for this user' },
];

/**
 * Invites a user by e-mail: checks the fields as the server would, then shows the server's own
 * refusal (a taken address, a rejected value) next to the field it concerns. Focus moves to the
 * first field with a problem.
 */
export function InviteUserForm({ onInvited, onCancel }: InviteUserFormProps) {
  const [form, setForm] = useState<InviteForm>(EMPTY_INVITE);
  const [problems, setProblems] = useState<InviteProblems>({});
  const invite = useInviteUser();
  const formRef = useRef<HTMLFormElement>(null);
  const mfaId = useId();
  const formErrorId = useId();
  const update = <K extends keyof InviteForm>(key: K, value: InviteForm[K]) =>
    setForm((previous) => ({ ...previous, [key]: value }));

  const focusFirstProblem = () =>
    // After the render that marks the fields invalid.
    requestAnimationFrame(() =>
      formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"], [data-invalid="true"] input')?.focus(),
    );

  const submit = (event: SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    const found = findInviteProblems(form);
    setProblems(found);
    if (Object.keys(found).length > 0) {
      focusFirstProblem();
      return;
    }
    invite.mutate(toInviteRequest(form), {
      onSuccess: (user) => {
        setForm(EMPTY_INVITE);
        onInvited(user);
      },
      onError: (error) => {
        setProblems(placeInviteError(error));
        focusFirstProblem();
      },
    });
  };

  const needsPatient = form.roles.includes('patient');
  return (
    <form
      ref={formRef}
      className="invite-form"
      onSubmit={submit}
      noValidate
      aria-describedby={problems.form ? formErrorId : undefined}
    >
      {problems.form && (
        <p id={formErrorId} className="form-error" role="alert">
          {problems.form}
        </p>
      )}
      <div className="invite-form__fields">
        <TextField
          label="E-mail address"
          type="email"
          name="email"
          autoComplete="off"
          required
          value={form.email}
          onChange={(value) => update('email', value)}
          error={problems.email}
        />
        <TextField
          label="Name"
          name="displayName"
          autoComplete="off"
          required
          value={form.displayName}
          onChange={(value) => update('displayName', value)}
          error={problems.displayName}
        />
      </div>
      <RoleCheckboxes
        legend="Roles"
        value={form.roles}
        onChange={(roles) => update('roles', roles)}
        error={problems.roles}
      />
      <div className="invite-form__fields">
        <TextField
          label={needsPatient ? 'Patient id' : 'Patient id (patient users only)'}
          name="patientId"
          value={form.patientId}
          onChange={(value) => update('patientId', value)}
          error={problems.patientId}
          hint="The Patient whose record this user sees in the portal."
        />
        <TextField
          label="FHIR user (optional)"
          name="fhirUser"
          placeholder="Practitioner/123"
          value={form.fhirUser}
          onChange={(value) => update('fhirUser', value)}
          error={problems.fhirUser}
          hint="The resource this user is, for SMART apps."
        />
        <div className="admin-field">
          <label htmlFor={mfaId}>Second factor (MFA)</label>
          <select id={mfaId} value={form.mfa} onChange={(event) => update('mfa', event.target.value as MfaChoice)}>
            {MFA_CHOICES.map((choice) => (
              <option key={choice.value} value={choice.value}>
                {choice.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div className="admin-actions">
        <button type="submit" className="button button--primary" disabled={invite.isPending}>
          {invite.isPending ? 'Sending invitation…' : 'Send invitation'}
        </button>
        <button type="button" className="button button--small" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
