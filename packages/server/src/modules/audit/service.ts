// What the rest of the server asks of the audit module, bound to one app's database and key.
import type { FastifyRequest } from 'fastify';
import type { Database } from '../../platform/db/index.ts';
import { integrateAll, startPublisher, type IntegrationReport } from './integrate.ts';
import { recordEvent, type AuditContext } from './record-entry.ts';
import { auditContextOf } from './request-audit.ts';
import { loadSigningKey, type SigningKey, type SigningKeySource } from './signing-key.ts';

/** The outcome of checking a request's credential. */
export type AuthenticationOutcome =
  | { isAuthenticated: true; tenantId: string; label: string; roles: string[] }
  | { isAuthenticated: false; reason: string };

export type AuditService = {
  /** Whether the benchmark-only switch turned recording off. */
  readonly isRecordingDisabled: boolean;
  /** Who, from where and why, for an authenticated request. */
  contextOf: (request: FastifyRequest) => AuditContext;
  /** Records a credential check: every failure, and each success verified against the database. */
  recordAuthentication: (request: FastifyRequest, outcome: AuthenticationOutcome) => Promise<void>;
  /** Puts every committed entry in the tree and signs a head, waiting for a running integration. */
  integrate: () => Promise<IntegrationReport>;
  /** Starts integrating and signing every `intervalMs` until the app closes. */
  startPublisher: (intervalMs: number) => void;
  /** The tree head signing key (loaded, or generated into the data directory, on first use). */
  getSigningKey: () => SigningKey;
  close: () => Promise<void>;
};

export function createAuditService(options: {
  db: Database;
  signingKey: SigningKeySource;
  isRecordingDisabled: boolean;
  onPublishError: (error: unknown) => void;
}): AuditService {
  const { db, isRecordingDisabled } = options;
  let key: SigningKey | undefined;
  const getSigningKey = () => (key ??= loadSigningKey(options.signingKey));
  let publisher: { stop: () => Promise<void> } | undefined;
  return {
    isRecordingDisabled,
    contextOf: (request) => auditContextOf(request, isRecordingDisabled),
    async recordAuthentication(request, outcome) {
      const agent = outcome.isAuthenticated
        ? { kind: 'api-key' as const, name: outcome.label, roles: outcome.roles, address: request.ip }
        : { kind: 'api-key' as const, name: 'unknown', roles: [], address: request.ip };
      await recordEvent(db, {
        tenantId: outcome.isAuthenticated ? outcome.tenantId : null,
        context: { agent, requestId: request.id, ...(isRecordingDisabled ? { isRecordingDisabled } : {}) },
        event: {
          type: 'login',
          interaction: 'login',
          action: 'E',
          outcome: outcome.isAuthenticated ? '0' : '4',
          entities: [],
          patients: [],
          ...(outcome.isAuthenticated ? {} : { detail: outcome.reason }),
        },
      });
    },
    integrate: () => integrateAll(db, { getKey: getSigningKey, wait: true }),
    startPublisher(intervalMs) {
      publisher ??= startPublisher({ db, getKey: getSigningKey, intervalMs, onError: options.onPublishError });
    },
    getSigningKey,
    async close() {
      await publisher?.stop();
    },
  };
}
