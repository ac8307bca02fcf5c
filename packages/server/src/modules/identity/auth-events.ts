import type { Queryable } from '../../platform/db/index.ts';
import { isRecordingStopped, recordEvent, SYSTEM_AGENT, type AuditAgent } from '../audit/index.ts';
import type { IdentityDeps } from './types.ts';

/** Everything sign-in and account administration records. */
export type AuthenticationEventKind =
  | 'login.password'
  | 'login.throttled'
  | 'login.locked-out'
  | 'login.mfa'
  | 'login.completed'
  | 'login.upstream'
  | 'mfa.enrolled'
  | 'mfa.reset'
  | 'password-reset.requested'
  | 'password-reset.completed'
  | 'invite.sent'
  | 'invite.accepted'
  | 'user.created'
  | 'user.status-changed'
  | 'user.roles-changed'
  | 'mfa-policy.changed';

/**
 * One authentication event. Ids, never e-mail addresses, passwords, tokens or codes: a failed
 * attempt on an unknown address has no `userId`.
 */
export type AuthenticationEvent = {
  tenantId: string;
  kind: AuthenticationEventKind;
  outcome: 'success' | 'failure';
  userId?: string;
  /** Who acted when it was not the user: an administrator's API key label. */
  actor?: string;
  ip?: string;
  /** Why it failed or what changed, as a short code (`wrong-password`, `disabled`, `totp`). */
  detail?: string;
};

/** Events that change an account rather than sign someone in. */
const UPDATES: ReadonlySet<AuthenticationEventKind> = new Set([
  'mfa.enrolled',
  'mfa.reset',
  'password-reset.completed',
  'invite.accepted',
  'user.created',
  'user.status-changed',
  'user.roles-changed',
  'mfa-policy.changed',
]);

/**
 * Who acted: an administrator's API key, or the person signing in — a `user` agent named by user
 * id (`unknown` for an address without an account).
 */
function agentOf(event: AuthenticationEvent): AuditAgent {
  const address = event.ip === undefined ? {} : { address: event.ip };
  if (event.actor !== undefined) {
    return { kind: 'api-key', name: event.actor, roles: ['admin'], ...address };
  }
  if (event.kind === 'user.created') {
    // Created at start-up or from the command line, by no one signed in.
    return SYSTEM_AGENT;
  }
  return { kind: 'user', name: event.userId ?? 'unknown', roles: [], ...address };
}

/**
 * The single place every authentication event goes through: one entry in the audit trail, written
 * on `q` so it commits with the change it describes (and a refused attempt is recorded even though
 * the request fails). `detail` names the event, the subject user and the reason. Nothing is
 * recorded while the benchmark-only switch is on, as for every other entry.
 */
export async function recordAuthenticationEvent(
  deps: Pick<IdentityDeps, 'now' | 'db'>,
  q: Queryable,
  event: AuthenticationEvent,
): Promise<void> {
  const agent = agentOf(event);
  // When someone else acted, the subject user is named in the detail.
  const isSubject = agent.kind === 'user' && agent.name === event.userId;
  const subject = !isSubject && event.userId !== undefined ? ` user:${event.userId}` : '';
  const isLogin = event.kind.startsWith('login.');
  await recordEvent(q, {
    tenantId: event.tenantId,
    context: { agent, ...(isRecordingStopped(deps.db) ? { isRecordingDisabled: true } : {}) },
    now: deps.now,
    event: {
      type: isLogin ? 'login' : 'security',
      interaction: isLogin ? 'login' : event.kind,
      action: UPDATES.has(event.kind) ? 'U' : 'E',
      outcome: event.outcome === 'success' ? '0' : '4',
      entities: [],
      patients: [],
      detail: `${event.kind}${subject}${event.detail === undefined ? '' : ` ${event.detail}`}`,
    },
  });
}
