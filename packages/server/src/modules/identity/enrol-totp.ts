import type { Queryable } from '../../platform/db/index.ts';
import { recordAuthenticationEvent } from './auth-events.ts';
import { commitThenThrow } from './commit-then-throw.ts';
import { IdentityError } from './identity-error.ts';
import { completeChallenge, failChallenge, openChallenge, type OpenChallenge } from './login-challenge.ts';
import type { LoginResult } from './login-result.ts';
import { countRecoveryCodes, replaceRecoveryCodes } from './recovery-codes.ts';
import { listFactors } from './sql.ts';
import { checkTotpCode, generateTotpSecret, totpUri } from './totp.ts';
import type { IdentityDeps } from './types.ts';

/** What an authenticator app needs: the seed, and the same as an `otpauth://` URI for a QR code. */
export type TotpEnrolment = { secret: string; uri: string };

/**
 * Starts adding an authenticator app during sign-in (MFA enrolment stage). A new seed replaces any
 * unconfirmed one; a confirmed one stays until an administrator resets MFA.
 */
export async function startTotpEnrolment(
  deps: IdentityDeps,
  options: { challengeToken: string },
): Promise<TotpEnrolment> {
  return deps.db.transaction(async (tx) => {
    const { user } = await openChallenge(deps, tx, { challengeToken: options.challengeToken, stage: 'enrol' });
    if ((await listFactors(tx, user.tenant_id, user.id)).totp) {
      throw new IdentityError('ID_ALREADY_ENROLLED', 'An authenticator app is already enrolled');
    }
    const secret = generateTotpSecret();
    await tx.query(
      `INSERT INTO user_totp (tenant_id, user_id, secret, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, user_id) DO UPDATE SET secret = EXCLUDED.secret, created_at = EXCLUDED.created_at`,
      [user.tenant_id, user.id, secret, deps.now()],
    );
    return { secret, uri: totpUri({ secret, issuer: deps.settings.webAuthn.rpName, account: user.email }) };
  });
}

/**
 * Confirms the authenticator app with its first code, which also completes the sign-in. The first
 * factor a user enrols comes with ten recovery codes, returned this once.
 */
export async function confirmTotpEnrolment(
  deps: IdentityDeps,
  options: { challengeToken: string; code: string; ip?: string },
): Promise<LoginResult> {
  return commitThenThrow(deps.db, async (tx) => {
    const challenge = await openChallenge(deps, tx, { challengeToken: options.challengeToken, stage: 'enrol' });
    const { user } = challenge;
    const { rows } = await tx.query<{ secret: string }>(
      'SELECT secret FROM user_totp WHERE tenant_id = $1 AND user_id = $2 AND confirmed_at IS NULL FOR UPDATE',
      [user.tenant_id, user.id],
    );
    const pending = rows[0];
    if (!pending) {
      return new IdentityError('ID_METHOD_NOT_ENROLLED', 'Start the authenticator enrolment first');
    }
    const now = deps.now();
    const check = await checkTotpCode({ secret: pending.secret, code: options.code, now, lastTimeStep: undefined });
    if (!check.valid) {
      const error = new IdentityError('ID_INVALID_CODE', 'Wrong code');
      return await failChallenge(deps, tx, challenge, { method: 'totp', ip: options.ip, error });
    }
    await tx.query(
      'UPDATE user_totp SET confirmed_at = $3, last_time_step = $4 WHERE tenant_id = $1 AND user_id = $2',
      [user.tenant_id, user.id, now, check.timeStep],
    );
    const recoveryCodes = await finishEnrolment(deps, tx, challenge, 'totp');
    return await completeChallenge(deps, tx, challenge, { method: 'enrolment', ip: options.ip, ...recoveryCodes });
  });
}

/** Records an enrolment; hands out recovery codes when the user has none left (their first factor). */
export async function finishEnrolment(
  deps: IdentityDeps,
  q: Queryable,
  challenge: OpenChallenge,
  method: 'totp' | 'webauthn',
): Promise<{ recoveryCodes?: string[] }> {
  const { user } = challenge;
  await recordAuthenticationEvent(deps, q, {
    tenantId: user.tenant_id,
    kind: 'mfa.enrolled',
    outcome: 'success',
    userId: user.id,
    detail: method,
  });
  if ((await countRecoveryCodes(q, user.tenant_id, user.id)) > 0) {
    return {};
  }
  return { recoveryCodes: await replaceRecoveryCodes(q, user.tenant_id, user.id) };
}
