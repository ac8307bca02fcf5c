import { useState } from 'react';
import { Card } from '../../components/Card.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { describeChangeError } from '../admin-users/user-display.ts';
import { ROLE_DESCRIPTIONS, ROLES, type Role } from '../admin-users/roles.ts';
import { useMfaPolicies, useSetMfaPolicy } from './api.ts';

/** Roles that sign in interactively; a `service` client has no second factor to require. */
const SIGN_IN_ROLES = ROLES.filter((role) => role !== 'service');

/**
 * Which roles must use a second factor: one switch per role, saved as it is changed. A user's own
 * override (set when inviting) wins over their roles' policy.
 */
export function MfaPolicySection() {
  const policies = useMfaPolicies();
  const setPolicy = useSetMfaPolicy();
  const [notice, setNotice] = useState<string | undefined>();
  // A switch shows its new position at once, while the change is saved; it goes back if the server refuses.
  const [saving, setSaving] = useState<Partial<Record<Role, boolean>>>({});
  const isRequired = (role: Role) =>
    saving[role] ?? policies.data?.some((policy) => policy.role === role && policy.required) ?? false;

  return (
    <Card title="Multi-factor authentication">
      <p className="muted">
        Users holding a role that requires MFA enrol an authenticator app or passkey at their next sign-in.
      </p>
      <p className="admin-notice" role="status" aria-live="polite">
        {notice}
      </p>
      {setPolicy.isError && (
        <p className="form-error" role="alert">
          {describeChangeError(setPolicy.error)}
        </p>
      )}
      {policies.isPending && <p className="muted">Loading the MFA policy…</p>}
      {policies.isError && (
        <ErrorMessage error={policies.error} what="the MFA policy" onRetry={() => void policies.refetch()} />
      )}
      {policies.isSuccess && (
        <fieldset className="mfa-policy" aria-busy={setPolicy.isPending}>
          <legend className="visually-hidden">Require MFA for these roles</legend>
          {SIGN_IN_ROLES.map((role) => (
            <label key={role} className="mfa-policy__role">
              <input
                type="checkbox"
                checked={isRequired(role)}
                onChange={(event) => {
                  const required = event.target.checked;
                  setNotice(undefined);
                  setSaving((current) => ({ ...current, [role]: required }));
                  // Per call (not the hook's latest-call callbacks), so switching two roles quickly settles both.
                  setPolicy
                    .mutateAsync({ role, required })
                    .then(
                      () =>
                        setNotice(`MFA is ${required ? 'now required' : 'no longer required'} for the ${role} role.`),
                      () => undefined, // shown from setPolicy.error above
                    )
                    .finally(() =>
                      setSaving((current) =>
                        Object.fromEntries(Object.entries(current).filter(([name]) => name !== role)),
                      ),
                    );
                }}
              />
              <span>
                <span className="mfa-policy__name">Require MFA for {role}</span>
                <span className="muted"> — {ROLE_DESCRIPTIONS[role]}</span>
              </span>
            </label>
          ))}
        </fieldset>
      )}
    </Card>
  );
}
