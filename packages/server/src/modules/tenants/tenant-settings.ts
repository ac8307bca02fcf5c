// `/api/admin/tenant`: the tenant's own settings its administrators may change: for now its name,
// shown in the admin console and on sign-in pages.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { recordEvent } from '../audit/index.ts';
import type { Queryable } from '../../platform/db/index.ts';

/** The tenant as its administrators see it. */
export type TenantSettings = { id: string; name: string };

/** Thrown for a caller who is not an administrator: problem details with this code. */
class TenantSettingsError extends Error {
  override readonly name = 'TenantSettingsError';
  readonly statusCode = 403;
  readonly code = 'TENANT_FORBIDDEN';
}

const tenantResponse = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' } },
} as const;

const renameBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' } },
} as const;

export async function readTenantSettings(q: Queryable, tenantId: string): Promise<TenantSettings> {
  const { rows } = await q.query<TenantSettings>('SELECT id, name FROM tenant WHERE id = $1', [tenantId]);
  const row = rows[0];
  if (!row) {
    throw new Error('authenticated request for a tenant that does not exist');
  }
  return row;
}

function adminTenantOf(request: FastifyRequest): string {
  const context = request.context;
  if (!context?.roles.includes('admin')) {
    throw new TenantSettingsError('Administrators only');
  }
  return context.tenantId;
}

/** GET and PUT `/api/admin/tenant` (register with that prefix); a rename is recorded in the audit trail. */
export function registerTenantSettingsRoutes(app: FastifyInstance) {
  app.addHook('onRequest', async (request) => {
    await app.authenticate(request);
    adminTenantOf(request);
  });

  app.get('/', { schema: { response: { 200: tenantResponse } } }, async (request) =>
    readTenantSettings(app.db, adminTenantOf(request)),
  );

  app.put<{ Body: { name: string } }>(
    '/',
    { schema: { body: renameBody, response: { 200: tenantResponse } } },
    async (request) => {
      const tenantId = adminTenantOf(request);
      return app.db.transaction(async (tx) => {
        await tx.query('UPDATE tenant SET name = $2 WHERE id = $1', [tenantId, request.body.name.trim()]);
        await recordEvent(tx, {
          tenantId,
          context: app.audit.contextOf(request),
          event: {
            type: 'security',
            interaction: 'tenant.renamed',
            action: 'U',
            entities: [],
            patients: [],
            detail: `tenant:${tenantId}`,
          },
        });
        return readTenantSettings(tx, tenantId);
      });
    },
  );
}
