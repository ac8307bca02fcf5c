import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { FastifyInstance } from 'fastify';
import { acceptInvite } from './accept-invite.ts';
import { authenticateUser } from './authenticate-user.ts';
import { confirmTotpEnrolment, startTotpEnrolment } from './enrol-totp.ts';
import {
  finishPasskeyRegistration,
  startPasskeyAuthentication,
  startPasskeyRegistration,
  verifyPasskeyStep,
} from './passkeys.ts';
import { requestPasswordReset } from './request-password-reset.ts';
import { resetPassword } from './reset-password.ts';
import {
  challengeBody,
  codeBody,
  loginBody,
  loginResponse,
  passwordResetRequestBody,
  tokenPasswordBody,
  totpEnrolmentResponse,
  userResponse,
  webAuthnBody,
} from './schemas.ts';
import type { IdentityDeps } from './types.ts';
import { verifyRecoveryCodeStep, verifyTotpStep } from './verify-mfa-step.ts';

type LoginBody = { tenant?: string; email: string; password: string; enrolMfa: boolean };
type ChallengeBody = { challengeToken: string };
type CodeBody = ChallengeBody & { code: string };
type WebAuthnBody<Response> = ChallengeBody & { response: Response; name?: string };
type TokenPasswordBody = { token: string; password: string };

/**
 * Sign-in (`/api/auth`): public routes, no API key. The MFA steps are authorised by the challenge
 * token the password step hands out; a finished sign-in answers the user, and sessions and tokens
 * are issued by the OIDC provider that calls the same use cases.
 */
export function registerAuthRoutes(app: FastifyInstance, deps: IdentityDeps, options: { defaultTenantId: string }) {
  const ok200 = (schema: object) => ({ response: { 200: schema } });

  app.post<{ Body: LoginBody }>('/login', { schema: { body: loginBody, ...ok200(loginResponse) } }, async (request) => {
    const { tenant, email, password, enrolMfa } = request.body;
    return authenticateUser(deps, {
      tenantId: tenant ?? options.defaultTenantId,
      email,
      password,
      ip: request.ip,
      intent: enrolMfa ? 'enrol-mfa' : 'sign-in',
    });
  });

  app.post<{ Body: CodeBody }>('/mfa/totp', { schema: { body: codeBody, ...ok200(loginResponse) } }, async (request) =>
    verifyTotpStep(deps, { ...request.body, ip: request.ip }),
  );

  app.post<{ Body: CodeBody }>(
    '/mfa/recovery-code',
    { schema: { body: codeBody, ...ok200(loginResponse) } },
    async (request) => verifyRecoveryCodeStep(deps, { ...request.body, ip: request.ip }),
  );

  app.post<{ Body: ChallengeBody }>('/mfa/webauthn/options', { schema: { body: challengeBody } }, async (request) =>
    startPasskeyAuthentication(deps, request.body),
  );

  app.post<{ Body: WebAuthnBody<AuthenticationResponseJSON> }>(
    '/mfa/webauthn',
    { schema: { body: webAuthnBody, ...ok200(loginResponse) } },
    async (request) => verifyPasskeyStep(deps, { ...request.body, ip: request.ip }),
  );

  app.post<{ Body: ChallengeBody }>(
    '/mfa/enrol/totp',
    { schema: { body: challengeBody, ...ok200(totpEnrolmentResponse) } },
    async (request) => startTotpEnrolment(deps, request.body),
  );

  app.post<{ Body: CodeBody }>(
    '/mfa/enrol/totp/confirm',
    { schema: { body: codeBody, ...ok200(loginResponse) } },
    async (request) => confirmTotpEnrolment(deps, { ...request.body, ip: request.ip }),
  );

  app.post<{ Body: ChallengeBody }>(
    '/mfa/enrol/webauthn/options',
    { schema: { body: challengeBody } },
    async (request) => startPasskeyRegistration(deps, request.body),
  );

  app.post<{ Body: WebAuthnBody<RegistrationResponseJSON> }>(
    '/mfa/enrol/webauthn',
    { schema: { body: webAuthnBody, ...ok200(loginResponse) } },
    async (request) => finishPasskeyRegistration(deps, { ...request.body, ip: request.ip }),
  );

  app.post<{ Body: { tenant?: string; email: string } }>(
    '/password-reset',
    { schema: { body: passwordResetRequestBody } },
    async (request, reply) => {
      const tenantId = request.body.tenant ?? options.defaultTenantId;
      // Not awaited: the answer, and how long it takes, must not depend on whether the address exists.
      void requestPasswordReset(deps, { tenantId, email: request.body.email, ip: request.ip }).catch((error: unknown) =>
        request.log.error({ err: error }, 'password reset mail failed'),
      );
      return reply.code(202).send();
    },
  );

  app.post<{ Body: TokenPasswordBody }>(
    '/password-reset/confirm',
    { schema: { body: tokenPasswordBody } },
    async (request, reply) => {
      await resetPassword(deps, { ...request.body, ip: request.ip });
      return reply.code(204).send();
    },
  );

  app.post<{ Body: TokenPasswordBody }>(
    '/invite/accept',
    { schema: { body: tokenPasswordBody, ...ok200(userResponse) } },
    async (request) => acceptInvite(deps, { ...request.body, ip: request.ip }),
  );
}
