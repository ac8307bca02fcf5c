// How an account reads in the user list and which changes make sense for it.
import { ApiError } from '@caregraph/core/client';
import type { AdminUser, UserAction } from './types.ts';

/** A status badge's tone (the StatusBadge component's tones). */
type Tone = 'ok' | 'warning' | 'error' | 'neutral';

/** The status badge of an account. */
export function describeUserStatus(user: Pick<AdminUser, 'status'>): { label: string; tone: Tone } {
  switch (user.status) {
    case 'active':
      return { label: 'Active', tone: 'ok' };
    case 'invited':
      return { label: 'Invited', tone: 'neutral' };
    case 'locked':
      return { label: 'Locked', tone: 'warning' };
    case 'disabled':
      return { label: 'Disabled', tone: 'error' };
  }
}

/** The account's second factors in a few words: "Authenticator app, 2 passkeys", or "None". */
export function describeMfa(user: Pick<AdminUser, 'mfa'>): string {
  const mfa = user.mfa;
  if (!mfa) {
    return 'Unknown';
  }
  const parts = [
    ...(mfa.totp ? ['Authenticator app'] : []),
    ...(mfa.passkeys > 0 ? [mfa.passkeys === 1 ? '1 passkey' : `${mfa.passkeys} passkeys`] : []),
    ...(mfa.recoveryCodes > 0 ? [`${mfa.recoveryCodes} recovery codes`] : []),
  ];
  return parts.length === 0 ? 'None' : parts.join(', ');
}

/** Whether the account has any second factor to reset. */
export function hasMfa(user: Pick<AdminUser, 'mfa'>): boolean {
  return user.mfa !== undefined && (user.mfa.totp || user.mfa.passkeys > 0 || user.mfa.recoveryCodes > 0);
}

/** What the account's MFA requirement is: its own override, else its roles' policy. */
export function describeMfaRequirement(user: Pick<AdminUser, 'mfaRequiredOverride'>): string {
  if (user.mfaRequiredOverride === undefined) {
    return 'As the role policy says';
  }
  return user.mfaRequiredOverride ? 'Always required' : 'Never required';
}

/** A change an administrator can make to an account, with the words for its button and its outcome. */
export type UserActionChoice = { action: UserAction; label: string; done: string; isDestructive: boolean };

/**
 * The status changes that apply to an account as it is now: a disabled account can only be
 * enabled; an invited one can be sent its invitation again; a locked one unlocked; an active one
 * disabled. Resetting MFA applies whenever the account has a factor.
 */
export function availableUserActions(user: Pick<AdminUser, 'status' | 'mfa'>): UserActionChoice[] {
  const choices: UserActionChoice[] = [];
  if (user.status === 'invited') {
    choices.push({
      action: 'invite',
      label: 'Resend invitation',
      done: 'Invitation sent again.',
      isDestructive: false,
    });
  }
  if (user.status === 'locked') {
    choices.push({ action: 'unlock', label: 'Unlock', done: 'Account unlocked.', isDestructive: false });
  }
  if (hasMfa(user)) {
    choices.push({
      action: 'reset-mfa',
      label: 'Reset MFA',
      done: 'Second factors removed; the user enrols again at their next sign-in if MFA is required.',
      isDestructive: true,
    });
  }
  choices.push(
    user.status === 'disabled'
      ? { action: 'enable', label: 'Enable', done: 'Account enabled.', isDestructive: false }
      : {
          action: 'disable',
          label: 'Disable',
          done: 'Account disabled: it can no longer sign in.',
          isDestructive: true,
        },
  );
  return choices;
}

/** Why a change to an account failed, in words an administrator can act on. */
export function describeChangeError(error: unknown): string {
  if (!(error instanceof ApiError)) {
    return 'The change could not be made. Try again.';
  }
  switch (error.status) {
    case 0:
      return error.message;
    case 401:
      return 'Your sign-in is no longer accepted. Sign out and sign in again.';
    case 403:
      return 'Only administrators can change accounts.';
    case 404:
      return 'This account no longer exists, or has already accepted its invitation.';
    default:
      return `The change was refused: ${error.message}`;
  }
}
