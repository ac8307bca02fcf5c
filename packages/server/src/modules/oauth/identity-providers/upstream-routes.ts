// The browser's way through an upstream sign-in: a button on our sign-in page, the upstream, then
// our callback, which hands the upstream's answer to the interaction the browser holds.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  IdentityError,
  recordAuthenticationEvent,
  signInUpstreamUser,
  type IdentityDeps,
  type LoginResult,
} from '../../identity/index.ts';
import { renderUpstreamErrorPage } from '../pages.ts';
import { INTERACTION_PATH, UPSTREAM_CALLBACK_PATH } from '../settings.ts';
import { linkSubject, tryFindLinkedUserId, tryFindPendingInteraction } from './sign-in-records.ts';
import {
  beginUpstreamSignIn,
  completeUpstreamSignIn,
  UpstreamSignInError,
  type UpstreamSignInDeps,
} from './upstream-sign-in.ts';

type UidRequest = FastifyRequest<{ Params: { uid: string }; Body: Record<string, string | undefined> }>;

/** The query exactly as the upstream sent it (repeated or empty parameters included), for openid-client to check. */
function rawQueryOf(request: FastifyRequest): URLSearchParams {
  const url = request.raw.url ?? '';
  const start = url.indexOf('?');
  return new URLSearchParams(start === -1 ? '' : url.slice(start + 1));
}

/** What the interaction routes lend the upstream routes. */
export type InteractionKit = {
  /** The interaction the browser's cookie proves it holds, and its client's tenant; undefined when it has ended. */
  openInteraction: (
    request: FastifyRequest,
    reply: FastifyReply,
    uid: string,
  ) => Promise<{ tenantId: string } | undefined>;
  /** Ends a sign-in step: the interaction's login, our MFA step, or a page saying why not. */
  answerLogin: (request: UidRequest, reply: FastifyReply, result: LoginResult, amr: string[]) => Promise<FastifyReply>;
  sendPage: (reply: FastifyReply, html: string, status?: number) => FastifyReply;
};

/**
 * A second factor the upstream performed (RFC 8176 `mfa`) stands in for ours only where the
 * tenant said it trusts the upstream's; otherwise our own MFA step follows as after a password.
 */
export function isUpstreamMfaAccepted(acceptUpstreamMfa: boolean, amr: string[]): boolean {
  return acceptUpstreamMfa && amr.includes('mfa');
}

export function registerUpstreamRoutes(
  app: FastifyInstance,
  deps: IdentityDeps & { upstream: UpstreamSignInDeps },
  kit: InteractionKit,
) {
  const backTo = (uid: string) => `${INTERACTION_PATH}/${uid}`;

  async function refuse(
    request: FastifyRequest,
    reply: FastifyReply,
    options: { uid: string; tenantId: string; error: UpstreamSignInError },
  ) {
    const { error } = options;
    await recordAuthenticationEvent(deps, deps.db, {
      tenantId: options.tenantId,
      kind: 'login.upstream',
      outcome: 'failure',
      ip: request.ip,
      detail: `${error.provider ? `provider:${error.provider.id} ` : ''}${error.reason}`,
    });
    return kit.sendPage(reply, renderUpstreamErrorPage(error.message, backTo(options.uid)), error.statusCode);
  }

  const expired = (reply: FastifyReply) =>
    kit.sendPage(reply, renderUpstreamErrorPage('This sign-in has expired; start again from the app.'), 400);

  app.post(`${INTERACTION_PATH}/:uid/upstream`, async (request: UidRequest, reply) => {
    const { uid } = request.params;
    const interaction = await kit.openInteraction(request, reply, uid);
    if (!interaction) {
      return expired(reply);
    }
    try {
      const { authorizationUrl } = await beginUpstreamSignIn(deps.upstream, {
        tenantId: interaction.tenantId,
        providerId: request.body.provider ?? '',
        interactionUid: uid,
      });
      return await reply.redirect(authorizationUrl, 303);
    } catch (error) {
      if (!(error instanceof UpstreamSignInError)) {
        throw error;
      }
      return refuse(request, reply, { uid, tenantId: interaction.tenantId, error });
    }
  });

  // The redirect URI registered at every upstream: one fixed URL, so it cannot name the
  // interaction. The state does; the browser is sent on to that interaction's own path, where the
  // provider's interaction cookie proves it is the browser that started the sign-in.
  app.get(UPSTREAM_CALLBACK_PATH, async (request, reply) => {
    const query = rawQueryOf(request);
    const uid = await tryFindPendingInteraction(deps.db, query.get('state') ?? '', deps.now());
    if (uid === undefined) {
      return expired(reply);
    }
    return reply.redirect(`${INTERACTION_PATH}/${encodeURIComponent(uid)}/upstream?${query.toString()}`, 303);
  });

  /** Signs in the local user the upstream's answer names: the use case of the identity module, linking the subject. */
  async function signInAsUpstreamUser(request: FastifyRequest, uid: string): Promise<[LoginResult, string[]]> {
    const { provider, identity } = await completeUpstreamSignIn(deps.upstream, {
      interactionUid: uid,
      callbackQuery: rawQueryOf(request),
    });
    const key = { tenantId: provider.tenantId, providerId: provider.id, subject: identity.subject };
    const isSecondFactorDone = isUpstreamMfaAccepted(provider.acceptUpstreamMfa, identity.amr);
    const result = await signInUpstreamUser(deps, {
      tenantId: provider.tenantId,
      ip: request.ip,
      source: `provider:${provider.id}`,
      linkedUserId: await tryFindLinkedUserId(deps.db, key),
      email: identity.email,
      displayName: identity.displayName,
      provisionRole: provider.justInTimeProvisioning ? (provider.defaultRole ?? undefined) : undefined,
      isSecondFactorDone,
      link: async (q, user) =>
        (await linkSubject(q, { ...key, userId: user.id, now: deps.now() })) ? undefined : 'linked-elsewhere',
    });
    return [result, isSecondFactorDone ? ['mfa'] : []];
  }

  app.get(`${INTERACTION_PATH}/:uid/upstream`, async (request: UidRequest, reply) => {
    const { uid } = request.params;
    const interaction = await kit.openInteraction(request, reply, uid);
    if (!interaction) {
      return expired(reply);
    }
    try {
      const [result, amr] = await signInAsUpstreamUser(request, uid);
      return await kit.answerLogin(request, reply, result, amr);
    } catch (error) {
      if (error instanceof UpstreamSignInError) {
        return refuse(request, reply, { uid, tenantId: interaction.tenantId, error });
      }
      if (error instanceof IdentityError) {
        return kit.sendPage(reply, renderUpstreamErrorPage(error.message, backTo(uid)), error.statusCode);
      }
      throw error;
    }
  });
}
