import { useEffect, useState } from 'react';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { ModalDialog } from '../mpi/ModalDialog.tsx';
// The dialog's look (`.modal`) lives with the review screens' styles, which may not be loaded yet.
import '../mpi/mpi.css';
import { useSetRoles, useUserAction } from './api.ts';
import type { AdminUser } from './types.ts';
import type { Role } from './roles.ts';
import { RoleCheckboxes } from './RoleCheckboxes.tsx';
import {
  availableUserActions,
  describeChangeError,
  describeMfa,
  describeMfaRequirement,
  describeUserStatus,
  type UserActionChoice,
} from './user-display.ts';

type ManageUserDialogProps = {
  /** The account to manage; the dialog is closed while undefined. */
  user: AdminUser | undefined;
  onClose: () => void;
};

const sameRoles = (a: readonly Role[], b: readonly Role[]) =>
  a.length === b.length && a.every((role) => b.includes(role));

/**
 * One account's roles and status: change its roles, disable or enable it, unlock it, reset its
 * second factors or send its invitation again. A destructive change asks to be confirmed first;
 * each outcome is announced.
 */
export function ManageUserDialog({ user, onClose }: ManageUserDialogProps) {
  const setRoles = useSetRoles();
  const action = useUserAction();
  const [roles, setRolesDraft] = useState<Role[]>([]);
  const [confirming, setConfirming] = useState<UserActionChoice | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const [roleError, setRoleError] = useState<string | undefined>();
  const userId = user?.id;

  // A newly opened account starts from its own roles, with nothing pending.
  useEffect(() => {
    setRolesDraft(user?.roles ?? []);
    setConfirming(undefined);
    setNotice(undefined);
    setRoleError(undefined);
    setRoles.reset();
    action.reset();
    // Only when another account is opened: the mutations' identities change on every render.
  }, [userId]);

  if (!user) {
    return (
      <ModalDialog open={false} title="Manage user" onClose={onClose}>
        {null}
      </ModalDialog>
    );
  }

  const status = describeUserStatus(user);
  const saveRoles = () => {
    if (roles.length === 0) {
      setRoleError('Keep at least one role; disable the account to stop all access.');
      return;
    }
    setRoleError(undefined);
    setRoles.mutate(
      { id: user.id, roles },
      { onSuccess: () => setNotice('Roles saved: they apply from the next sign-in.') },
    );
  };
  const run = (choice: UserActionChoice) => {
    setConfirming(undefined);
    action.mutate({ id: user.id, action: choice.action }, { onSuccess: () => setNotice(choice.done) });
  };
  const choose = (choice: UserActionChoice) => (choice.isDestructive ? setConfirming(choice) : run(choice));
  const failure = setRoles.error ?? action.error;

  return (
    <ModalDialog open title={`Manage ${user.displayName}`} onClose={onClose}>
      <div className="manage-user">
        <dl className="manage-user__facts">
          <dt>E-mail</dt>
          <dd>{user.email}</dd>
          <dt>Status</dt>
          <dd>
            <StatusBadge tone={status.tone}>{status.label}</StatusBadge>
            {user.lockedUntil && <span className="muted"> until {new Date(user.lockedUntil).toLocaleString()}</span>}
          </dd>
          <dt>Second factors</dt>
          <dd>{describeMfa(user)}</dd>
          <dt>MFA requirement</dt>
          <dd>{describeMfaRequirement(user)}</dd>
          {user.patientId && (
            <>
              <dt>Patient</dt>
              <dd>{user.patientId}</dd>
            </>
          )}
        </dl>
        <p className="manage-user__notice" role="status" aria-live="polite">
          {notice}
        </p>
        {failure && (
          <p className="form-error" role="alert">
            {describeChangeError(failure)}
          </p>
        )}
        <RoleCheckboxes legend="Roles" value={roles} onChange={setRolesDraft} error={roleError} />
        <div className="admin-actions">
          <button
            type="button"
            className="button"
            data-autofocus
            disabled={setRoles.isPending || sameRoles(roles, user.roles)}
            onClick={saveRoles}
          >
            {setRoles.isPending ? 'Saving roles…' : 'Save roles'}
          </button>
        </div>
        <h3 className="manage-user__heading">Account</h3>
        {confirming ? (
          <div className="manage-user__confirm" role="group" aria-label={`Confirm: ${confirming.label}`}>
            <p>
              {confirming.action === 'disable'
                ? `${user.displayName} will no longer be able to sign in. Their history is kept.`
                : `${user.displayName}'s authenticator app, passkeys and recovery codes will be removed.`}
            </p>
            <div className="admin-actions">
              <button type="button" className="button button--danger" autoFocus onClick={() => run(confirming)}>
                {confirming.label}
              </button>
              <button type="button" className="button button--small" onClick={() => setConfirming(undefined)}>
                Keep as it is
              </button>
            </div>
          </div>
        ) : (
          <div className="admin-actions">
            {availableUserActions(user).map((choice) => (
              <button
                key={choice.action}
                type="button"
                className={
                  choice.isDestructive ? 'button button--small button--danger-outline' : 'button button--small'
                }
                disabled={action.isPending}
                onClick={() => choose(choice)}
              >
                {choice.label}
              </button>
            ))}
          </div>
        )}
      </div>
    </ModalDialog>
  );
}
