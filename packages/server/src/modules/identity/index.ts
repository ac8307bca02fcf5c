import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';
import { problemErrorHandler } from '../../platform/problem-errors.ts';
import { registerAdminRoutes } from './admin-routes.ts';
import { registerAuthRoutes } from './auth-routes.ts';
import { IdentityError } from './identity-error.ts';
import { DEFAULT_THROTTLE } from './throttle.ts';
import type { IdentityDeps, IdentitySettings } from './types.ts';

export { acceptInvite } from './accept-invite.ts';
export { recordAuthenticationEvent, type AuthenticationEvent, type AuthenticationEventKind } from './auth-events.ts';
export { authenticateUser, type AuthenticateUserOptions } from './authenticate-user.ts';
export { DEMO_USERS, ensureDemoUsers, ensureInitialAdmin } from './bootstrap-users.ts';
export { createUser, type NewUser } from './create-user.ts';
export { confirmTotpEnrolment, startTotpEnrolment, type TotpEnrolment } from './enrol-totp.ts';
export { IDENTITY_ERROR_STATUS, IdentityError, type IdentityErrorCode } from './identity-error.ts';
export { INVITE_TTL_MS, inviteUser, resendInvite } from './invite-user.ts';
export { listUsers, type UserListEntry } from './list-users.ts';
export type { EnrolmentMethod, LoginIntent, LoginResult } from './login-result.ts';
export { changeUserStatus, resetMfa, setUserRoles, type StatusChange } from './manage-user.ts';
export { isMfaRequired, listRoleMfaPolicies, setRoleMfaPolicy, type RoleMfaPolicy } from './mfa-policy.ts';
export {
  finishPasskeyRegistration,
  startPasskeyAuthentication,
  startPasskeyRegistration,
  verifyPasskeyStep,
} from './passkeys.ts';
export { findPasswordProblem, MIN_PASSWORD_LENGTH } from './password-policy.ts';
export { requestPasswordReset, RESET_TTL_MS } from './request-password-reset.ts';
export { resetPassword } from './reset-password.ts';
export { signInUpstreamUser, type UpstreamSignInOptions } from './sign-in-upstream-user.ts';
export { tryFindUser, tryFindUserByEmailAddress } from './find-user.ts';
export { DEFAULT_THROTTLE, type ThrottlePolicy } from './throttle.ts';
export {
  ROLES,
  type IdentityDeps,
  type IdentitySettings,
  type MfaMethod,
  type Role,
  type UserStatus,
  type UserSummary,
} from './types.ts';
export { verifyRecoveryCodeStep, verifyTotpStep } from './verify-mfa-step.ts';

/** The identity settings a configuration implies. */
export function identitySettingsFrom(config: Config): IdentitySettings {
  return Object.freeze({
    baseUrl: config.baseUrl,
    lockoutThreshold: config.lockoutThreshold,
    lockoutMinutes: config.lockoutMinutes,
    throttle: DEFAULT_THROTTLE,
    webAuthn: Object.freeze({ ...config.webAuthn, rpName: 'CareGraph' }),
  });
}

/** The use cases' dependencies as the running app provides them (its database, mailer, logger, the wall clock). */
export function identityDepsOf(app: FastifyInstance, settings: IdentitySettings): IdentityDeps {
  return { db: app.db, mailer: app.mailer, log: app.log, now: () => new Date(), settings };
}

/** Problem details, plus `Retry-After` when waiting helps (RFC 9110 §10.2.3). */
function identityErrorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof IdentityError && error.retryAfterSeconds !== undefined) {
    void reply.header('retry-after', String(error.retryAfterSeconds));
  }
  return problemErrorHandler(error, request, reply);
}

/**
 * Users and sign-in under `/api`: `/api/auth/…` (public: password, MFA, password reset,
 * invitations) and `/api/admin/…` (administrators, by access token). Errors are
 * `application/problem+json`.
 */
export async function identityPlugin(
  app: FastifyInstance,
  options: { settings: IdentitySettings; defaultTenantId: string },
) {
  const deps = identityDepsOf(app, options.settings);
  app.setErrorHandler(identityErrorHandler);
  await app.register(async (auth) => registerAuthRoutes(auth, deps, options), { prefix: '/auth' });
  await app.register(async (admin) => registerAdminRoutes(admin, deps), { prefix: '/admin' });
}
