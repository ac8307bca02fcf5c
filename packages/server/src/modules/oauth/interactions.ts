// The provider's interactions: sign-in (password, then a second factor when the identity module
// asks for one) and consent (scopes, and the patient an app is launched with).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errors, type Interaction } from 'oidc-provider';
import { parseResourceScope } from '../access/index.ts';
import { handleFhirRequest } from '../fhir/index.ts';
import {
  authenticateUser,
  IdentityError,
  verifyRecoveryCodeStep,
  verifyTotpStep,
  type IdentityDeps,
  type LoginResult,
  type UserSummary,
} from '../identity/index.ts';
import { accountIdOf, tryFindAccountUser } from './accounts.ts';
import { clientFactsOf } from './clients.ts';
import { listIdentityProviders } from './identity-providers/provider-records.ts';
import { registerUpstreamRoutes, type InteractionKit } from './identity-providers/upstream-routes.ts';
import type { UpstreamSignInDeps } from './identity-providers/upstream-sign-in.ts';
import { saveGrantContext, tryReadLaunch, type LaunchContext } from './launch-context.ts';
import {
  renderConsentPage,
  renderErrorPage,
  renderLoginPage,
  renderMessagePage,
  renderMfaPage,
  type PatientChoice,
} from './pages.ts';
import { addressToIssuer, type OAuthRuntime } from './runtime.ts';
import { INTERACTION_PATH } from './settings.ts';

type Form = Record<string, string | undefined>;
type UidRequest = FastifyRequest<{ Params: { uid: string }; Body: Form; Querystring: { search?: string } }>;

/** What the interactions need: the identity use cases' dependencies, the FHIR base URL, single sign-on. */
export type InteractionDeps = IdentityDeps & { fhirBaseUrl: string; upstream: UpstreamSignInDeps };

/** RFC 8176 `amr` values for the second factors the MFA page takes: both are one-time codes. */
const MFA_AMR = ['otp', 'mfa'];

// No script, no frames, nothing fetched: the pages are plain forms.
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";

function sendPage(reply: FastifyReply, html: string, status = 200) {
  return reply
    .code(status)
    .header('content-security-policy', PAGE_CSP)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(html);
}

/** A form body: parsed once, each field its first value. */
function parseForm(body: string): Form {
  const form: Form = {};
  for (const [name, value] of new URLSearchParams(body)) {
    form[name] ??= value;
  }
  return form;
}

async function clientOf(runtime: OAuthRuntime, interaction: Interaction) {
  const clientId = interaction.params.client_id;
  const client = clientId ? await runtime.provider.Client.find(clientId) : undefined;
  if (!client) {
    throw new Error('interaction without a registered client');
  }
  return { name: client.clientName ?? client.clientId, ...clientFactsOf(client) };
}

/** Resource scopes a user may be granted: patients reach only their own record. */
function grantableScopes(scopes: string[], user: UserSummary): string[] {
  const isPatientOnly = user.roles.every((role) => role === 'patient');
  return scopes.filter((scope) => !isPatientOnly || parseResourceScope(scope)?.context === 'patient');
}

/** Patients to choose from, by name, read through the FHIR API as the signed-in user. */
async function findPatientChoices(
  deps: InteractionDeps,
  request: FastifyRequest,
  user: UserSummary,
  search: string,
): Promise<PatientChoice[]> {
  const query: Array<[string, string]> = [
    ['_count', '20'],
    ['_sort', 'family'],
  ];
  if (search.trim() !== '') {
    query.push(['name', search.trim()]);
  }
  const response = await handleFhirRequest(
    {
      db: deps.db,
      tenantId: user.tenantId,
      baseUrl: deps.fhirBaseUrl,
      now: deps.now,
      audit: { agent: { kind: 'user', name: user.id, roles: user.roles, address: request.ip }, requestId: request.id },
    },
    { method: 'GET', path: 'Patient', query },
  );
  const bundle = (typeof response.body === 'string' ? JSON.parse(response.body) : response.body) as {
    entry?: { resource?: { id?: string; birthDate?: string; name?: { given?: string[]; family?: string }[] } }[];
  };
  return (bundle.entry ?? []).flatMap(({ resource }) => {
    if (!resource?.id) {
      return [];
    }
    const name = resource.name?.[0];
    const label = [[...(name?.given ?? []), name?.family].filter(Boolean).join(' ') || resource.id, resource.birthDate]
      .filter(Boolean)
      .join(', born ');
    return [{ id: resource.id, label }];
  });
}

export function registerInteractionRoutes(app: FastifyInstance, runtime: OAuthRuntime, deps: InteractionDeps) {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, parseForm(String(body)));
  });

  const details = (request: FastifyRequest, reply: FastifyReply) => {
    addressToIssuer(runtime, request);
    return runtime.provider.interactionDetails(request.raw, reply.raw);
  };

  async function finish(
    request: FastifyRequest,
    reply: FastifyReply,
    result: Parameters<OAuthRuntime['provider']['interactionResult']>[2],
    merge: boolean,
  ) {
    const redirectTo = await runtime.provider.interactionResult(request.raw, reply.raw, result, {
      mergeWithLastSubmission: merge,
    });
    return reply.redirect(redirectTo, 303);
  }

  /** `amr` says how the user authenticated (RFC 8176), for the ID token; empty when there is nothing to say. */
  async function answerLogin(
    request: FastifyRequest<{ Params: { uid: string } }>,
    reply: FastifyReply,
    result: LoginResult,
    amr: string[],
  ) {
    const action = `${INTERACTION_PATH}/${request.params.uid}/mfa`;
    switch (result.status) {
      case 'ok':
        return finish(
          request,
          reply,
          { login: { accountId: accountIdOf(result.user), ...(amr.length > 0 ? { amr } : {}) } },
          false,
        );
      case 'mfa-required':
        return sendPage(
          reply,
          renderMfaPage({ action, challengeToken: result.challengeToken, methods: result.methods }),
        );
      case 'mfa-enrolment-required':
        return sendPage(
          reply,
          renderMessagePage(
            'Second factor needed',
            'Your account needs a second factor before it can be used here. Sign in to CareGraph to add one, then start again.',
          ),
          403,
        );
    }
  }

  async function showConsent(request: UidRequest, reply: FastifyReply, interaction: Interaction, error?: string) {
    const user = interaction.session && (await tryFindAccountUser(deps.db, interaction.session.accountId));
    if (!user) {
      return finish(request, reply, { error: 'login_required', error_description: 'the account is not usable' }, false);
    }
    const client = await clientOf(runtime, interaction);
    const requested = (interaction.params.scope ?? '').split(' ').filter((scope) => scope !== '');
    const isPickingPatient = needsPatientChoice(requested, interaction, user);
    const search = request.query.search ?? '';
    const base = `${INTERACTION_PATH}/${request.params.uid}`;
    return sendPage(
      reply,
      renderConsentPage({
        action: `${base}/consent`,
        searchAction: base,
        clientName: client.name,
        userName: user.displayName,
        scopes: requested.filter(
          (scope) => parseResourceScope(scope) === undefined || grantableScopes([scope], user).length > 0,
        ),
        ...(isPickingPatient
          ? { patients: { choices: await findPatientChoices(deps, request, user, search), search } }
          : {}),
        ...(error === undefined ? {} : { error }),
      }),
      error === undefined ? 200 : 400,
    );
  }

  /** The tenant's upstream providers, as buttons on the sign-in page of an interaction. */
  async function providersFor(uid: string, tenantId: string) {
    const list = await listIdentityProviders(deps.db, tenantId, { isEnabledOnly: true });
    return { action: `${INTERACTION_PATH}/${uid}/upstream`, list };
  }

  const kit: InteractionKit = {
    async openInteraction(request, reply, uid) {
      try {
        const interaction = await details(request, reply);
        if (interaction.uid !== uid || interaction.prompt.name !== 'login') {
          return undefined;
        }
        return { tenantId: (await clientOf(runtime, interaction)).tenantId };
      } catch (error) {
        if (error instanceof errors.SessionNotFound) {
          return undefined;
        }
        throw error;
      }
    },
    answerLogin,
    sendPage,
  };
  registerUpstreamRoutes(app, deps, kit);

  app.get(`${INTERACTION_PATH}/:uid`, async (request: UidRequest, reply) => {
    const interaction = await details(request, reply);
    if (interaction.uid !== request.params.uid) {
      return sendPage(reply, renderErrorPage('This sign-in has expired; start again from the app.'), 400);
    }
    if (interaction.prompt.name === 'login') {
      const client = await clientOf(runtime, interaction);
      return sendPage(
        reply,
        renderLoginPage({
          action: `${INTERACTION_PATH}/${interaction.uid}/login`,
          clientName: client.name,
          providers: await providersFor(interaction.uid, client.tenantId),
        }),
      );
    }
    return showConsent(request, reply, interaction);
  });

  app.post(`${INTERACTION_PATH}/:uid/login`, async (request: UidRequest, reply) => {
    const interaction = await details(request, reply);
    const client = await clientOf(runtime, interaction);
    const email = request.body.email ?? '';
    try {
      const result = await authenticateUser(deps, {
        tenantId: client.tenantId,
        email,
        password: request.body.password ?? '',
        ip: request.ip,
      });
      return await answerLogin(request, reply, result, ['pwd']);
    } catch (error) {
      if (!(error instanceof IdentityError)) {
        throw error;
      }
      if (error.retryAfterSeconds !== undefined) {
        void reply.header('retry-after', String(error.retryAfterSeconds));
      }
      const action = `${INTERACTION_PATH}/${interaction.uid}/login`;
      return sendPage(
        reply,
        renderLoginPage({
          action,
          clientName: client.name,
          email,
          error: error.message,
          providers: await providersFor(interaction.uid, client.tenantId),
        }),
        error.statusCode,
      );
    }
  });

  app.post(`${INTERACTION_PATH}/:uid/mfa`, async (request: UidRequest, reply) => {
    await details(request, reply);
    const { challengeToken = '', code = '', method } = request.body;
    const step = method === 'recovery-code' ? verifyRecoveryCodeStep : verifyTotpStep;
    try {
      return await answerLogin(request, reply, await step(deps, { challengeToken, code, ip: request.ip }), MFA_AMR);
    } catch (error) {
      if (!(error instanceof IdentityError)) {
        throw error;
      }
      const action = `${INTERACTION_PATH}/${request.params.uid}/mfa`;
      const methods = method === 'recovery-code' ? ['recovery-code'] : ['totp'];
      return sendPage(
        reply,
        renderMfaPage({ action, challengeToken, methods, error: error.message }),
        error.statusCode,
      );
    }
  });

  app.post(`${INTERACTION_PATH}/:uid/consent`, async (request: UidRequest, reply) => {
    const interaction = await details(request, reply);
    if (request.body.decision !== 'allow') {
      return finish(request, reply, { error: 'access_denied', error_description: 'the user denied access' }, true);
    }
    const user = interaction.session && (await tryFindAccountUser(deps.db, interaction.session.accountId));
    if (!user || interaction.prompt.name !== 'consent') {
      return finish(request, reply, { error: 'login_required', error_description: 'sign in again' }, false);
    }
    const client = await clientOf(runtime, interaction);
    const launch = await resolveLaunchContext(deps, interaction, user, request.body.patient, client.tenantId);
    if (typeof launch === 'string') {
      return showConsent(request, reply, interaction, launch);
    }
    const grantId = await saveGrant(runtime, interaction, user);
    await saveGrantContext(deps.db, grantId, {
      ...launch,
      expiresAt: new Date(deps.now().getTime() + runtime.settings.refreshTokenTtlSeconds * 1000),
    });
    return finish(request, reply, { consent: { grantId } }, true);
  });
}

function needsPatientChoice(requested: string[], interaction: Interaction, user: UserSummary): boolean {
  const isPatientOnly = user.roles.every((role) => role === 'patient');
  return requested.includes('launch/patient') && !interaction.params.launch && !isPatientOnly;
}

/**
 * The patient the app is launched with: an EHR launch's, the patient user's own, or the one the
 * user picked. Answers a message to show when a patient is needed and missing.
 */
async function resolveLaunchContext(
  deps: InteractionDeps,
  interaction: Interaction,
  user: UserSummary,
  picked: string | undefined,
  tenantId: string,
): Promise<LaunchContext | string> {
  const requested = (interaction.params.scope ?? '').split(' ');
  const isPatientOnly = user.roles.every((role) => role === 'patient');
  if (interaction.params.launch && requested.includes('launch')) {
    const launch = await tryReadLaunch(deps.db, interaction.params.launch);
    if (!launch || launch.tenantId !== tenantId) {
      return 'The launch has expired; launch the app again from the record.';
    }
    if (isPatientOnly && launch.patientId !== user.patientId) {
      return 'This launch is for another patient.';
    }
    return launch;
  }
  if (isPatientOnly) {
    return { tenantId, patientId: user.patientId, encounterId: undefined };
  }
  if (!requested.includes('launch/patient')) {
    return { tenantId, patientId: undefined, encounterId: undefined };
  }
  if (!picked || !/^[A-Za-z0-9\-.]{1,64}$/.test(picked)) {
    return 'Choose a patient.';
  }
  return { tenantId, patientId: picked, encounterId: undefined };
}

/** The grant consent creates: the scopes asked for, resource scopes only as far as the user may have them. */
async function saveGrant(runtime: OAuthRuntime, interaction: Interaction, user: UserSummary): Promise<string> {
  const { Grant } = runtime.provider;
  const clientId = interaction.params.client_id ?? '';
  const grant =
    (interaction.grantId ? await Grant.find(interaction.grantId) : undefined) ??
    new Grant({ accountId: accountIdOf(user), clientId });
  const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = interaction.prompt.details;
  if (missingOIDCScope) {
    grant.addOIDCScope(missingOIDCScope.join(' '));
  }
  if (missingOIDCClaims) {
    grant.addOIDCClaims(missingOIDCClaims);
  }
  for (const [resource, scopes] of Object.entries(missingResourceScopes ?? {})) {
    const grantable = grantableScopes(scopes, user);
    if (grantable.length > 0) {
      grant.addResourceScope(resource, grantable.join(' '));
    }
    // Refused, so that the provider does not ask for them again.
    const refused = scopes.filter((scope) => !grantable.includes(scope));
    if (refused.length > 0) {
      grant.rejectResourceScope(resource, refused.join(' '));
    }
  }
  return grant.save();
}
