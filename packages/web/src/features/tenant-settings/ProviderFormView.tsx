import { useId, useRef, useState, type SyntheticEvent } from 'react';
import { TextField } from '../admin-users/TextField.tsx';
import { useSaveIdentityProvider } from './api.ts';
import { PROVISIONED_ROLES, type IdentityProvider, type ProvisionedRole } from './types.ts';
import {
  findProviderProblems,
  formOfProvider,
  NEW_PROVIDER,
  placeProviderError,
  toProviderRequest,
  type ProviderForm,
  type ProviderProblems,
} from './provider-form.ts';

type ProviderFormViewProps = {
  /** The provider to edit; undefined adds one. */
  provider: IdentityProvider | undefined;
  onSaved: (provider: IdentityProvider) => void;
  onCancel: () => void;
};

/** Adds or edits an upstream OpenID provider; problems show beside their field, focus goes to the first. */
export function ProviderFormView({ provider, onSaved, onCancel }: ProviderFormViewProps) {
  const isNew = provider === undefined;
  const [form, setForm] = useState<ProviderForm>(() => (provider ? formOfProvider(provider) : NEW_PROVIDER));
  const [problems, setProblems] = useState<ProviderProblems>({});
  const save = useSaveIdentityProvider();
  const formRef = useRef<HTMLFormElement>(null);
  const roleId = useId();
  const roleErrorId = useId();
  const update = <K extends keyof ProviderForm>(key: K, value: ProviderForm[K]) =>
    setForm((previous) => ({ ...previous, [key]: value }));
  const focusFirstProblem = () =>
    requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());

  const submit = (event: SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    const found = findProviderProblems(form, isNew);
    setProblems(found);
    if (Object.keys(found).length > 0) {
      focusFirstProblem();
      return;
    }
    save.mutate(
      { id: provider?.id, provider: toProviderRequest(form) },
      {
        onSuccess: onSaved,
        onError: (error) => {
          setProblems(placeProviderError(error));
          focusFirstProblem();
        },
      },
    );
  };

  return (
    <form
      ref={formRef}
      className="provider-form"
      onSubmit={submit}
      noValidate
      aria-label={isNew ? 'Add identity provider' : `Edit ${provider.displayName}`}
    >
      {problems.form && (
        <p className="form-error" role="alert">
          {problems.form}
        </p>
      )}
      <div className="provider-form__fields">
        <TextField
          label="Name on the sign-in page"
          name="displayName"
          value={form.displayName}
          onChange={(value) => update('displayName', value)}
          error={problems.displayName}
          required
        />
        <TextField
          label="Issuer URL"
          name="issuer"
          type="url"
          placeholder="https://login.example.org"
          value={form.issuer}
          onChange={(value) => update('issuer', value)}
          error={problems.issuer}
          required
        />
        <TextField
          label="Client id"
          name="clientId"
          autoComplete="off"
          value={form.clientId}
          onChange={(value) => update('clientId', value)}
          error={problems.clientId}
          required
        />
        <TextField
          label={isNew ? 'Client secret' : 'New client secret (leave empty to keep)'}
          name="clientSecret"
          type="password"
          autoComplete="new-password"
          value={form.clientSecret}
          onChange={(value) => update('clientSecret', value)}
          error={problems.clientSecret}
          hint={
            provider?.hasClientSecret
              ? 'A secret is stored; it is never shown.'
              : 'Stored encrypted; never shown again.'
          }
          required={isNew}
        />
        <TextField
          label="Scopes"
          name="scopes"
          value={form.scopes}
          onChange={(value) => update('scopes', value)}
          error={problems.scopes}
          hint="Separated by spaces; must include openid."
        />
        <TextField
          label="Allowed e-mail domains"
          name="allowedEmailDomains"
          placeholder="example.org, example.com"
          value={form.allowedEmailDomains}
          onChange={(value) => update('allowedEmailDomains', value)}
          error={problems.allowedEmailDomains}
          hint="Empty allows any domain."
        />
      </div>
      <div className="provider-form__switches">
        <label>
          <input type="checkbox" checked={form.enabled} onChange={(event) => update('enabled', event.target.checked)} />{' '}
          Enabled (shown on the sign-in page)
        </label>
        <label>
          <input
            type="checkbox"
            checked={form.acceptUpstreamMfa}
            onChange={(event) => update('acceptUpstreamMfa', event.target.checked)}
          />{' '}
          Accept the provider&apos;s MFA (an ID token saying <code>mfa</code> counts as our second factor)
        </label>
        <label>
          <input
            type="checkbox"
            checked={form.justInTimeProvisioning}
            onChange={(event) => update('justInTimeProvisioning', event.target.checked)}
          />{' '}
          Create a user on first sign-in when no user has the e-mail address
        </label>
        <div className="admin-field">
          <label htmlFor={roleId}>Role of users created on first sign-in</label>
          <select
            id={roleId}
            value={form.defaultRole}
            onChange={(event) => update('defaultRole', event.target.value as ProvisionedRole | '')}
            aria-invalid={problems.defaultRole ? true : undefined}
            aria-describedby={problems.defaultRole ? roleErrorId : undefined}
          >
            <option value="">None</option>
            {PROVISIONED_ROLES.map((role) => (
              <option key={role} value={role}>
                {role}
              </option>
            ))}
          </select>
          {problems.defaultRole && (
            <span id={roleErrorId} className="field-error">
              {problems.defaultRole}
            </span>
          )}
        </div>
      </div>
      <div className="admin-actions">
        <button type="submit" className="button" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : isNew ? 'Add provider' : 'Save provider'}
        </button>
        <button type="button" className="button button--small" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
