import type { FastifyInstance, FastifyRequest } from 'fastify';
import { canReadAuditTrail } from './audit-event-interaction.ts';
import { AuditError } from './errors.ts';
import { recordApiRead } from './fhir-events.ts';
import { proveConsistency, proveInclusion, readSigningKeys, readTreeHeads, tryReadLatestTreeHead } from './proofs.ts';
import { listRecordAccess, trySignedInPatient, type FindUserName } from './record-access.ts';
import {
  consistencyQuery,
  consistencyResponse,
  inclusionQuery,
  inclusionResponse,
  publicKeysResponse,
  recordAccessQuery,
  recordAccessResponse,
  treeHeadSchema,
  treeHeadsQuery,
  treeHeadsResponse,
} from './schemas.ts';
import type { TreeHead } from './signing-key.ts';
import type { AuditService } from './service.ts';

/** A tree head as the API shows it: hashes and signature in hex. */
export function treeHeadJson(head: TreeHead) {
  return {
    treeSize: head.treeSize,
    rootHash: head.rootHash.toString('hex'),
    timestamp: new Date(head.timestampMs).toISOString(),
    timestampMs: head.timestampMs,
    keyId: head.keyId,
    signature: head.signature.toString('hex'),
  };
}

function requireReader(request: FastifyRequest): void {
  if (!canReadAuditTrail(request.context?.roles ?? [])) {
    throw new AuditError(403, 'AUDIT_FORBIDDEN', 'The audit API needs the admin or privacy-officer role');
  }
}

/** The path of a signed-in patient's view of who accessed their record. */
export const RECORD_ACCESS_PATH = '/my-record-access';

/**
 * The audit API route table, mounted under `/api/audit`: JSON, for administrators and privacy
 * officers, and one route for patients (who accessed their own record).
 */
export async function registerAuditRoutes(
  app: FastifyInstance,
  service: AuditService,
  findUserName: FindUserName,
): Promise<void> {
  await app.register(async (readers) => registerReaderRoutes(readers, service));
  await app.register(async (patients) => registerPatientRoutes(patients, service, findUserName));
}

type RecordAccessQuery = { limit: number; offset: number; includeOwn: boolean; since?: string; until?: string };

function registerPatientRoutes(app: FastifyInstance, service: AuditService, findUserName: FindUserName): void {
  app.addHook('onRequest', async (request) => app.authenticate(request));

  app.get<{ Querystring: RecordAccessQuery }>(
    RECORD_ACCESS_PATH,
    { schema: { querystring: recordAccessQuery, response: { 200: recordAccessResponse } } },
    async (request) => {
      const context = request.context;
      const patientId = context ? trySignedInPatient(context) : undefined;
      if (!context || patientId === undefined) {
        throw new AuditError(403, 'AUDIT_FORBIDDEN', 'Only a signed-in patient sees who accessed their record');
      }
      const { limit, offset, includeOwn, since, until } = request.query;
      const page = await listRecordAccess(app.db, findUserName, {
        tenantId: context.tenantId,
        patientId,
        viewerUserId: context.actor.label,
        includeOwn,
        limit,
        offset,
        ...(since === undefined ? {} : { since }),
        ...(until === undefined ? {} : { until }),
      });
      // Reading the trail is a read of the patient's record like any other, recorded before the answer.
      await recordApiRead(app.db, {
        tenantId: context.tenantId,
        context: service.contextOf(request),
        route: `/api/audit${RECORD_ACCESS_PATH}`,
        patientId,
      });
      return { patient: `Patient/${patientId}`, ...page };
    },
  );
}

function registerReaderRoutes(app: FastifyInstance, service: AuditService): void {
  app.addHook('onRequest', async (request) => {
    await app.authenticate(request);
    requireReader(request);
  });

  const latestHead = async (): Promise<TreeHead> => {
    const head =
      (await tryReadLatestTreeHead(app.db)) ?? (await service.integrate(), await tryReadLatestTreeHead(app.db));
    if (!head) {
      throw new AuditError(404, 'AUDIT_NOT_FOUND', 'No tree head has been signed yet');
    }
    return head;
  };

  app.get('/tree-head', { schema: { response: { 200: treeHeadSchema } } }, async () =>
    treeHeadJson(await latestHead()),
  );

  app.post('/tree-heads', { schema: { response: { 200: treeHeadSchema } } }, async () => {
    await service.integrate();
    return treeHeadJson(await latestHead());
  });

  app.get<{ Querystring: { after?: number; limit: number } }>(
    '/tree-heads',
    { schema: { querystring: treeHeadsQuery, response: { 200: treeHeadsResponse } } },
    async (request) => {
      const heads = await readTreeHeads(app.db, { afterSize: request.query.after ?? -1, limit: request.query.limit });
      return { treeHeads: heads.map(treeHeadJson) };
    },
  );

  app.get<{ Querystring: { leafIndex?: number; entryId?: string; treeSize?: number } }>(
    '/proofs/inclusion',
    { schema: { querystring: inclusionQuery, response: { 200: inclusionResponse } } },
    async (request) => {
      const { leafIndex, entryId, treeSize } = request.query;
      if ((leafIndex === undefined) === (entryId === undefined)) {
        throw new AuditError(400, 'AUDIT_INVALID_PARAMETER', 'Give either leafIndex or entryId');
      }
      // An entry written a moment ago is put in the tree now rather than in a second.
      await service.integrate();
      const proof = await proveInclusion(app.db, {
        ...(leafIndex === undefined ? {} : { leafIndex }),
        ...(entryId === undefined ? {} : { entryId }),
        ...(treeSize === undefined ? {} : { treeSize }),
        tenantId: request.context?.tenantId ?? '',
      });
      return {
        ...proof,
        leafHash: proof.leafHash.toString('hex'),
        treeHead: treeHeadJson(proof.treeHead),
        proof: proof.proof.map((hash) => hash.toString('hex')),
      };
    },
  );

  app.get<{ Querystring: { first: number; second?: number } }>(
    '/proofs/consistency',
    { schema: { querystring: consistencyQuery, response: { 200: consistencyResponse } } },
    async (request) => {
      const { first, second } = request.query;
      const proof = await proveConsistency(app.db, { first, ...(second === undefined ? {} : { second }) });
      return {
        first: treeHeadJson(proof.first),
        second: treeHeadJson(proof.second),
        proof: proof.proof.map((hash) => hash.toString('hex')),
      };
    },
  );

  app.get('/public-keys', { schema: { response: { 200: publicKeysResponse } } }, async () => {
    const keys = await readSigningKeys(app.db);
    const currentKeyId = service.getSigningKey().keyId;
    return { currentKeyId, keys: [...keys].map(([keyId, publicKey]) => ({ keyId, publicKey })) };
  });
}
