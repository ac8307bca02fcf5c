import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '@caregraph/core/client';
import {
  EMPTY_INVITE,
  findInviteProblems,
  placeInviteError,
  toInviteRequest,
} from '../src/features/admin-users/invite-form.ts';
import {
  availableUserActions,
  describeChangeError,
  describeMfa,
  describeUserStatus,
} from '../src/features/admin-users/user-display.ts';

const noFactors = { totp: false, passkeys: 0, recoveryCodes: 0 };

describe('inviting a user', () => {
  it('asks for an address, a name and a role before sending', () => {
    assert.deepEqual(Object.keys(findInviteProblems(EMPTY_INVITE)).sort(), ['displayName', 'email', 'roles']);
  });

  it('refuses an address without a domain', () => {
    const problems = findInviteProblems({ ...EMPTY_INVITE, email: 'ann', displayName: 'Ann', roles: ['nurse'] });
    assert.deepEqual(problems, { email: 'Enter an e-mail address like name@example.org.' });
  });

  it('needs a patient id for a patient user, and a well-formed FHIR user reference', () => {
    const problems = findInviteProblems({
      ...EMPTY_INVITE,
      email: 'pat@example.org',
      displayName: 'Pat',
      roles: ['patient'],
      fhirUser: 'Doctor/1',
    });
    assert.deepEqual(Object.keys(problems).sort(), ['fhirUser', 'patientId']);
  });

  it('sends a lower-cased address, trimmed fields and an MFA override only when one is chosen', () => {
    const form = {
      ...EMPTY_INVITE,
      email: ' Ann@Example.org ',
      displayName: ' Ann Lee ',
      roles: ['clinician' as const],
    };
    assert.deepEqual(toInviteRequest(form), { email: 'ann@example.org', displayName: 'Ann Lee', roles: ['clinician'] });
    assert.equal(toInviteRequest({ ...form, mfa: 'required' }).mfaRequired, true);
    assert.equal(toInviteRequest({ ...form, mfa: 'optional' }).mfaRequired, false);
  });

  it('puts a taken address beside the e-mail field and a schema refusal beside its field', () => {
    const taken = new ApiError(409, 'A user with this e-mail exists', { code: 'ID_EMAIL_TAKEN' });
    assert.deepEqual(placeInviteError(taken), { email: 'A user with this e-mail address already exists.' });
    const schema = new ApiError(400, 'body/fhirUser must match pattern', { code: 'FST_ERR_VALIDATION' });
    assert.deepEqual(Object.keys(placeInviteError(schema)), ['fhirUser']);
    assert.deepEqual(placeInviteError(new ApiError(0, 'The server could not be reached.')), {
      form: 'The server could not be reached.',
    });
  });
});

describe('managing an account', () => {
  it('offers to resend an invitation but not to reset factors the user does not have', () => {
    const actions = availableUserActions({ status: 'invited', mfa: noFactors }).map((choice) => choice.action);
    assert.deepEqual(actions, ['invite', 'disable']);
  });

  it('offers unlock and MFA reset to a locked user with an authenticator app', () => {
    const actions = availableUserActions({ status: 'locked', mfa: { ...noFactors, totp: true } });
    assert.deepEqual(
      actions.map((choice) => [choice.action, choice.isDestructive]),
      [
        ['unlock', false],
        ['reset-mfa', true],
        ['disable', true],
      ],
    );
  });

  it('offers only enabling to a disabled user', () => {
    assert.deepEqual(
      availableUserActions({ status: 'disabled', mfa: noFactors }).map((choice) => choice.action),
      ['enable'],
    );
  });

  it('describes status and factors in words', () => {
    assert.deepEqual(describeUserStatus({ status: 'locked' }), { label: 'Locked', tone: 'warning' });
    assert.equal(
      describeMfa({ mfa: { totp: true, passkeys: 2, recoveryCodes: 8 } }),
      'Authenticator app, 2 passkeys, 8 recovery codes',
    );
    assert.equal(describeMfa({ mfa: noFactors }), 'None');
  });

  it('explains a refused change by its status', () => {
    assert.equal(
      describeChangeError(new ApiError(403, 'Administrators only')),
      'Only administrators can change accounts.',
    );
    assert.equal(
      describeChangeError(new ApiError(500, 'Internal Server Error')),
      'The change was refused: Internal Server Error',
    );
  });
});
