import type { MfaMethod, UserSummary } from './types.ts';

/** Factors a user can enrol during sign-in. */
export type EnrolmentMethod = 'totp' | 'webauthn';

/**
 * Where a sign-in stands. `ok` is the end: the caller (the OIDC interaction, or the API) now knows
 * who signed in. The two MFA states carry a challenge token for the next step, valid a few minutes.
 */
export type LoginResult =
  | {
      status: 'ok';
      user: UserSummary;
      /** Present once, right after the first factor is enrolled: shown to the user, never stored. */
      recoveryCodes?: string[];
    }
  | { status: 'mfa-required'; methods: MfaMethod[]; challengeToken: string; expiresAt: string }
  | { status: 'mfa-enrolment-required'; methods: EnrolmentMethod[]; challengeToken: string; expiresAt: string };

/** Why a sign-in asked for MFA: to sign in, or to add a factor once the existing ones are proven. */
export type LoginIntent = 'sign-in' | 'enrol-mfa';
