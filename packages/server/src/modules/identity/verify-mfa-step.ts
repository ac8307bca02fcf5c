import { commitThenThrow } from './commit-then-throw.ts';
import { IdentityError } from './identity-error.ts';
import { completeChallenge, failChallenge, openChallenge } from './login-challenge.ts';
import type { LoginResult } from './login-result.ts';
import { useRecoveryCode } from './recovery-codes.ts';
import { checkTotpCode } from './totp.ts';
import type { IdentityDeps } from './types.ts';

export type MfaCodeOptions = { challengeToken: string; code: string; ip?: string };

/**
 * The TOTP step of a sign-in: a code of the step before, at or after now, newer than the last code
 * accepted. Five wrong codes spend the challenge.
 */
export async function verifyTotpStep(deps: IdentityDeps, options: MfaCodeOptions): Promise<LoginResult> {
  return commitThenThrow(deps.db, async (tx) => {
    const challenge = await openChallenge(deps, tx, { challengeToken: options.challengeToken, stage: 'verify' });
    const { rows } = await tx.query<{ secret: string; last_time_step: string | null }>(
      `SELECT secret, last_time_step::text AS last_time_step FROM user_totp
       WHERE tenant_id = $1 AND user_id = $2 AND confirmed_at IS NOT NULL FOR UPDATE`,
      [challenge.user.tenant_id, challenge.user.id],
    );
    const totp = rows[0];
    if (!totp) {
      return new IdentityError('ID_METHOD_NOT_ENROLLED', 'No authenticator app is enrolled');
    }
    const check = await checkTotpCode({
      secret: totp.secret,
      code: options.code,
      now: deps.now(),
      lastTimeStep: totp.last_time_step === null ? undefined : Number(totp.last_time_step),
    });
    if (!check.valid) {
      const error = new IdentityError('ID_INVALID_CODE', 'Wrong or already used code');
      return await failChallenge(deps, tx, challenge, { method: 'totp', ip: options.ip, error });
    }
    await tx.query('UPDATE user_totp SET last_time_step = $3 WHERE tenant_id = $1 AND user_id = $2', [
      challenge.user.tenant_id,
      challenge.user.id,
      check.timeStep,
    ]);
    return await completeChallenge(deps, tx, challenge, { method: 'totp', ip: options.ip });
  });
}

/** The recovery-code step of a sign-in: each code works once. */
export async function verifyRecoveryCodeStep(deps: IdentityDeps, options: MfaCodeOptions): Promise<LoginResult> {
  return commitThenThrow(deps.db, async (tx) => {
    const challenge = await openChallenge(deps, tx, { challengeToken: options.challengeToken, stage: 'verify' });
    const isUsed = await useRecoveryCode(tx, {
      tenantId: challenge.user.tenant_id,
      userId: challenge.user.id,
      code: options.code,
      now: deps.now(),
    });
    if (!isUsed) {
      const error = new IdentityError('ID_INVALID_CODE', 'Wrong or already used code');
      return await failChallenge(deps, tx, challenge, { method: 'recovery-code', ip: options.ip, error });
    }
    return await completeChallenge(deps, tx, challenge, { method: 'recovery-code', ip: options.ip });
  });
}
