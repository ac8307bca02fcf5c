import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Queryable } from '../../platform/db/index.ts';
import { finishEnrolment } from './enrol-totp.ts';
import { commitThenThrow } from './commit-then-throw.ts';
import { IdentityError } from './identity-error.ts';
import { completeChallenge, failChallenge, openChallenge, saveChallengeData } from './login-challenge.ts';
import type { LoginResult } from './login-result.ts';
import type { IdentityDeps } from './types.ts';

/**
 * A response @simplewebauthn refuses (wrong origin, challenge, signature or counter) is a failed
 * step, not a server error; why is logged at debug level (its messages name origins and counters).
 */
function rejectionReason(deps: IdentityDeps, error: unknown): undefined {
  deps.log.debug({ reason: error instanceof Error ? error.message : String(error) }, 'passkey response refused');
  return undefined;
}

type PasskeyRow = { id: string; credential_id: string; public_key: string; counter: string; transports: string[] };

async function listPasskeys(q: Queryable, tenantId: string, userId: string): Promise<PasskeyRow[]> {
  const { rows } = await q.query<PasskeyRow>(
    `SELECT id::text AS id, credential_id, public_key, counter::text AS counter, transports
     FROM user_passkey WHERE tenant_id = $1 AND user_id = $2 ORDER BY created_at`,
    [tenantId, userId],
  );
  return rows;
}

/** Registration options for the browser's `navigator.credentials.create()`, during MFA enrolment. */
export async function startPasskeyRegistration(
  deps: IdentityDeps,
  options: { challengeToken: string },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return deps.db.transaction(async (tx) => {
    const challenge = await openChallenge(deps, tx, { challengeToken: options.challengeToken, stage: 'enrol' });
    const { user } = challenge;
    const existing = await listPasskeys(tx, user.tenant_id, user.id);
    const creation = await generateRegistrationOptions({
      rpName: deps.settings.webAuthn.rpName,
      rpID: deps.settings.webAuthn.rpId,
      userName: user.email,
      userDisplayName: user.display_name,
      // The user handle: an opaque id, never the e-mail (WebAuthn §14.6.1).
      userID: new TextEncoder().encode(user.id),
      attestationType: 'none',
      excludeCredentials: existing.map((passkey) => ({ id: passkey.credential_id, transports: passkey.transports })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    });
    await saveChallengeData(tx, challenge, { ...challenge.data, webAuthnChallenge: creation.challenge });
    return creation;
  });
}

/** Checks the authenticator's attestation and stores the passkey; completes the sign-in. */
export async function finishPasskeyRegistration(
  deps: IdentityDeps,
  options: { challengeToken: string; response: RegistrationResponseJSON; name?: string; ip?: string },
): Promise<LoginResult> {
  return commitThenThrow(deps.db, async (tx) => {
    const challenge = await openChallenge(deps, tx, { challengeToken: options.challengeToken, stage: 'enrol' });
    const expectedChallenge = challenge.data.webAuthnChallenge;
    if (expectedChallenge === undefined) {
      return new IdentityError('ID_INVALID_CHALLENGE', 'Ask for registration options first');
    }
    const verification = await verifyRegistrationResponse({
      response: options.response,
      expectedChallenge,
      expectedOrigin: deps.settings.webAuthn.origin,
      expectedRPID: deps.settings.webAuthn.rpId,
      requireUserVerification: false,
    }).catch((error: unknown) => rejectionReason(deps, error));
    if (!verification?.verified) {
      const error = new IdentityError('ID_PASSKEY_REJECTED', 'The passkey could not be verified');
      return await failChallenge(deps, tx, challenge, { method: 'webauthn', ip: options.ip, error });
    }
    const { credential } = verification.registrationInfo;
    const { user } = challenge;
    const inserted = await tx.query(
      `INSERT INTO user_passkey (tenant_id, user_id, credential_id, public_key, counter, transports, name, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (tenant_id, credential_id) DO NOTHING`,
      [
        user.tenant_id,
        user.id,
        credential.id,
        Buffer.from(credential.publicKey).toString('base64url'),
        credential.counter,
        credential.transports ?? [],
        options.name ?? 'Passkey',
        deps.now(),
      ],
    );
    if (inserted.rowCount === 0) {
      return new IdentityError('ID_ALREADY_ENROLLED', 'This passkey is already registered');
    }
    const recoveryCodes = await finishEnrolment(deps, tx, challenge, 'webauthn');
    return await completeChallenge(deps, tx, challenge, { method: 'enrolment', ip: options.ip, ...recoveryCodes });
  });
}

/** Authentication options for `navigator.credentials.get()`, limited to the user's own passkeys. */
export async function startPasskeyAuthentication(
  deps: IdentityDeps,
  options: { challengeToken: string },
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return deps.db.transaction(async (tx) => {
    const challenge = await openChallenge(deps, tx, { challengeToken: options.challengeToken, stage: 'verify' });
    const passkeys = await listPasskeys(tx, challenge.user.tenant_id, challenge.user.id);
    if (passkeys.length === 0) {
      throw new IdentityError('ID_METHOD_NOT_ENROLLED', 'No passkey is registered');
    }
    const request = await generateAuthenticationOptions({
      rpID: deps.settings.webAuthn.rpId,
      allowCredentials: passkeys.map((passkey) => ({ id: passkey.credential_id, transports: passkey.transports })),
      userVerification: 'preferred',
    });
    await saveChallengeData(tx, challenge, { ...challenge.data, webAuthnChallenge: request.challenge });
    return request;
  });
}

/**
 * The passkey step of a sign-in: the assertion must answer this sign-in's challenge, come from one
 * of the user's passkeys, and carry a signature counter above the stored one (a cloned
 * authenticator repeats counters, WebAuthn §6.1.1).
 */
export async function verifyPasskeyStep(
  deps: IdentityDeps,
  options: { challengeToken: string; response: AuthenticationResponseJSON; ip?: string },
): Promise<LoginResult> {
  return commitThenThrow(deps.db, async (tx) => {
    const challenge = await openChallenge(deps, tx, { challengeToken: options.challengeToken, stage: 'verify' });
    const expectedChallenge = challenge.data.webAuthnChallenge;
    const passkey = (await listPasskeys(tx, challenge.user.tenant_id, challenge.user.id)).find(
      (candidate) => candidate.credential_id === options.response.id,
    );
    const verification =
      expectedChallenge === undefined || passkey === undefined
        ? undefined
        : await verifyAuthenticationResponse({
            response: options.response,
            expectedChallenge,
            expectedOrigin: deps.settings.webAuthn.origin,
            expectedRPID: deps.settings.webAuthn.rpId,
            credential: {
              id: passkey.credential_id,
              publicKey: Buffer.from(passkey.public_key, 'base64url'),
              counter: Number(passkey.counter),
              transports: passkey.transports,
            },
            requireUserVerification: false,
          }).catch((error: unknown) => rejectionReason(deps, error));
    if (!passkey || !verification?.verified) {
      const error = new IdentityError('ID_PASSKEY_REJECTED', 'The passkey could not be verified');
      return await failChallenge(deps, tx, challenge, { method: 'webauthn', ip: options.ip, error });
    }
    await tx.query('UPDATE user_passkey SET counter = $3, last_used_at = $4 WHERE tenant_id = $1 AND id = $2', [
      challenge.user.tenant_id,
      passkey.id,
      verification.authenticationInfo.newCounter,
      deps.now(),
    ]);
    return await completeChallenge(deps, tx, challenge, { method: 'webauthn', ip: options.ip });
  });
}
