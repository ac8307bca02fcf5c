import fp from 'fastify-plugin';
import { closeJournal, journalOf, stopRecording, trackRequest } from './record-entry.ts';
import { registerAuditRoutes } from './routes.ts';
import { createAuditService, type AuditService } from './service.ts';
import type { FindUserName } from './record-access.ts';
import type { SigningKeySource } from './signing-key.ts';

export { AuditError, type AuditErrorCode } from './errors.ts';
export type { AuditAction, AuditAgent, AuditEntry, AuditPurpose } from './audit-entry.ts';
export { encodeEntry, hashEntry, leafData } from './audit-entry.ts';
export { canonicalJson } from './canonical-json.ts';
export {
  buildEntry,
  insertEntries,
  insertEntry,
  isRecordingStopped,
  recordEvent,
  SYSTEM_AGENT,
  type AuditContext,
} from './record-entry.ts';
export {
  isAuditedType,
  recordApiRead,
  recordFailedFhirRead,
  recordFhirRead,
  recordResourceWrite,
  recordResourceWrites,
  type AuditTarget,
} from './fhir-events.ts';
export { AUDIT_EVENT_SEARCH_PARAMETERS } from './audit-events.ts';
export { handleAuditEventRequest, isAuditEventPath, AUDIT_READER_ROLES } from './audit-event-interaction.ts';
export { BREAK_GLASS_HEADER, PURPOSE_HEADER } from './request-audit.ts';
export { integrateAll, integratePending, type IntegrationReport } from './integrate.ts';
export {
  proveConsistency,
  proveInclusion,
  readSigningKeys,
  readTreeHeads,
  tryReadLatestTreeHead,
  type ConsistencyProof,
  type InclusionProof,
} from './proofs.ts';
export { exportLog, ExportFormatError, findOrphanEntry, readLogFromDatabase, readLogFromExport } from './log-export.ts';
export { verifyLog, type LogSource, type VerifyOptions, type VerifyProblem, type VerifyReport } from './verify-log.ts';
export { loadSigningKey, isTreeHeadSignatureValid, type SigningKey, type TreeHead } from './signing-key.ts';
export { verifyConsistency, verifyInclusion } from './merkle.ts';
export { RECORD_ACCESS_PATH, treeHeadJson } from './routes.ts';
export {
  listRecordAccess,
  trySignedInPatient,
  type FindUserName,
  type ListRecordAccessOptions,
  type RecordAccess,
  type RecordAccessAction,
} from './record-access.ts';
export type { AuditService, AuthenticationOutcome } from './service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Recording, integration and signing of the audit trail. */
    audit: AuditService;
  }
}

export type AuditPluginOptions = {
  signingKey: SigningKeySource;
  /** The benchmark-only switch: record nothing. */
  isRecordingDisabled: boolean;
  /** Users' display names for a patient's view of who accessed their record (the identity module's directory). */
  findUserName: FindUserName;
};

/**
 * The audit trail: decorates `app.audit` for the other modules (so it is lifted out of
 * encapsulation on purpose) and serves the JSON audit API under `/api/audit` from an encapsulated
 * child. The tree head publisher is started by the server, not here, so apps built for tests sign
 * only when asked.
 */
export const auditPlugin = fp(async (app, options: AuditPluginOptions) => {
  const service = createAuditService({
    db: app.db,
    signingKey: options.signingKey,
    isRecordingDisabled: options.isRecordingDisabled,
    onPublishError: (error) => app.log.error({ err: error }, 'audit tree head publication failed'),
  });
  if (options.isRecordingDisabled) {
    stopRecording(app.db);
  } else if (!journalOf(app.db)) {
    // Group commit (where there is no entry journal) waits for requests still working before it writes a batch (see record-entry.ts).
    // The reply's `close` comes for every response, hijacked ones included.
    app.addHook('onRequest', (request, reply, done) => {
      reply.raw.once('close', trackRequest(app.db, request));
      done();
    });
  }
  app.decorate('audit', service);
  app.addHook('onClose', async () => {
    await service.close();
    closeJournal(app.db);
  });
  await app.register(async (child) => registerAuditRoutes(child, service, options.findUserName), {
    prefix: '/api/audit',
  });
});
