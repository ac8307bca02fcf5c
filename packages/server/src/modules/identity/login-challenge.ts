import type { Queryable } from '../../platform/db/index.ts';
import { recordAuthenticationEvent } from './auth-events.ts';
import { IdentityError } from './identity-error.ts';
import type { LoginIntent, LoginResult } from './login-result.ts';
import { issueToken, markTokenUsed, tryLockToken, updateTokenData } from './one-time-tokens.ts';
import { listFactors, toSummary, tryFindUserById, type UserRow } from './sql.ts';
import type { IdentityDeps, MfaMethod } from './types.ts';

/** A sign-in waits at most this long between its password and its second factor. */
export const CHALLENGE_TTL_MS = 5 * 60 * 1000;
/** Wrong codes or assertions one challenge takes before it is spent and the password must be given again. */
export const MAX_CHALLENGE_FAILURES = 5;

/** `verify`: prove an enrolled factor. `enrol`: add one (required by policy, or asked for). */
export type ChallengeStage = 'verify' | 'enrol';

export type ChallengeData = {
  stage: ChallengeStage;
  intent: LoginIntent;
  failures: number;
  /** The WebAuthn challenge handed out for this sign-in, base64url, until a response uses it. */
  webAuthnChallenge?: string;
};

/** A live challenge, locked in the caller's transaction, with its (still active) user. */
export type OpenChallenge = { tokenHash: string; data: ChallengeData; user: UserRow };

/** Starts the MFA part of a sign-in. */
export async function issueChallenge(
  deps: IdentityDeps,
  q: Queryable,
  options: { user: UserRow; stage: ChallengeStage; intent: LoginIntent },
): Promise<LoginResult> {
  const data: ChallengeData = { stage: options.stage, intent: options.intent, failures: 0 };
  const { token, expiresAt } = await issueToken(q, {
    tenantId: options.user.tenant_id,
    userId: options.user.id,
    kind: 'mfa-challenge',
    now: deps.now(),
    ttlMs: CHALLENGE_TTL_MS,
    data,
  });
  if (options.stage === 'enrol') {
    return {
      status: 'mfa-enrolment-required',
      methods: ['totp', 'webauthn'],
      challengeToken: token,
      expiresAt: expiresAt.toISOString(),
    };
  }
  const factors = await listFactors(q, options.user.tenant_id, options.user.id);
  const methods: MfaMethod[] = [];
  if (factors.totp) {
    methods.push('totp');
  }
  if (factors.passkeys > 0) {
    methods.push('webauthn');
  }
  methods.push('recovery-code');
  return { status: 'mfa-required', methods, challengeToken: token, expiresAt: expiresAt.toISOString() };
}

/**
 * The challenge behind a token, at the expected stage, locked until the transaction ends so two
 * uses of one token take turns. Any mismatch (unknown, expired, spent, wrong stage, user no longer
 * active) is the same ID_INVALID_CHALLENGE.
 */
export async function openChallenge(
  deps: IdentityDeps,
  q: Queryable,
  options: { challengeToken: string; stage: ChallengeStage },
): Promise<OpenChallenge> {
  const row = await tryLockToken(q, { token: options.challengeToken, kind: 'mfa-challenge', now: deps.now() });
  const data = row?.data as ChallengeData | undefined;
  const user = row && data?.stage === options.stage ? await tryFindUserById(q, row.tenant_id, row.user_id) : undefined;
  if (!row || !data || !user || user.status !== 'active') {
    throw new IdentityError('ID_INVALID_CHALLENGE', 'Sign-in step expired or unknown; sign in again');
  }
  return { tokenHash: row.token_hash, data, user };
}

export async function saveChallengeData(q: Queryable, challenge: OpenChallenge, data: ChallengeData): Promise<void> {
  await updateTokenData(q, challenge.tokenHash, data);
}

/**
 * Counts a wrong code or assertion; the last allowed one spends the challenge. Returns the error to
 * throw after the transaction commits (throwing inside would roll the count back).
 */
export async function failChallenge(
  deps: IdentityDeps,
  q: Queryable,
  challenge: OpenChallenge,
  options: { method: MfaMethod; ip: string | undefined; error: IdentityError },
): Promise<IdentityError> {
  const failures = challenge.data.failures + 1;
  const { webAuthnChallenge: _spent, ...rest } = challenge.data;
  await updateTokenData(q, challenge.tokenHash, { ...rest, failures });
  if (failures >= MAX_CHALLENGE_FAILURES) {
    await markTokenUsed(q, challenge.tokenHash, deps.now());
  }
  await recordAuthenticationEvent(deps, q, {
    tenantId: challenge.user.tenant_id,
    kind: 'login.mfa',
    outcome: 'failure',
    userId: challenge.user.id,
    ...(options.ip === undefined ? {} : { ip: options.ip }),
    detail: options.method,
  });
  return options.error;
}

/**
 * Ends a challenge whose step succeeded: signs the user in, or, when they came to add a factor,
 * moves them on to enrolment with a fresh challenge.
 */
export async function completeChallenge(
  deps: IdentityDeps,
  q: Queryable,
  challenge: OpenChallenge,
  options: { method: MfaMethod | 'enrolment'; ip: string | undefined; recoveryCodes?: string[] },
): Promise<LoginResult> {
  await markTokenUsed(q, challenge.tokenHash, deps.now());
  const ip = options.ip === undefined ? {} : { ip: options.ip };
  const event = { tenantId: challenge.user.tenant_id, userId: challenge.user.id, ...ip };
  if (options.method !== 'enrolment') {
    await recordAuthenticationEvent(deps, q, {
      ...event,
      kind: 'login.mfa',
      outcome: 'success',
      detail: options.method,
    });
  }
  if (challenge.data.stage === 'verify' && challenge.data.intent === 'enrol-mfa') {
    return issueChallenge(deps, q, { user: challenge.user, stage: 'enrol', intent: 'enrol-mfa' });
  }
  await recordAuthenticationEvent(deps, q, { ...event, kind: 'login.completed', outcome: 'success' });
  return {
    status: 'ok',
    user: toSummary(challenge.user),
    ...(options.recoveryCodes ? { recoveryCodes: options.recoveryCodes } : {}),
  };
}
