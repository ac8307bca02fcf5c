// `/api/admin/access-policies`: read and replace the tenant's access policy. Who may is itself a
// policy row (area `admin`: `r` to read, `u` to replace); each replacement is audited in the same
// transaction.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { recordEvent } from '../audit/index.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import { AccessError } from './errors.ts';
import { isAreaAllowed, type AccessPolicy } from './policy.ts';
import { replaceAccessPolicies, type PolicyCache } from './policy-store.ts';
import { policiesBody, policiesResponse } from './schemas.ts';
import { validatePolicies } from './validate-policies.ts';

async function requireAdmin(
  request: FastifyRequest,
  cache: PolicyCache,
  interaction: 'r' | 'u',
): Promise<RequestContext> {
  const context = request.context;
  if (!context) {
    throw new Error('authenticated route reached without a request context');
  }
  if (!isAreaAllowed(await cache.get(context.tenantId), context.roles, 'admin', interaction)) {
    throw new AccessError('ACCESS_FORBIDDEN', 'Your role may not administer access policies');
  }
  return context;
}

type PolicyBody = {
  policies: Array<Omit<AccessPolicy, 'criteria' | 'breakGlass'> & { criteria?: string; breakGlass: boolean }>;
};

export function registerAccessAdminRoutes(app: FastifyInstance, cache: PolicyCache) {
  app.addHook('onRequest', async (request) => app.authenticate(request));

  app.get('/', { schema: { response: policiesResponse } }, async (request) => {
    const { tenantId } = await requireAdmin(request, cache, 'r');
    return { policies: await cache.get(tenantId) };
  });

  app.put<{ Body: PolicyBody }>(
    '/',
    { schema: { body: policiesBody, response: policiesResponse } },
    async (request) => {
      const { tenantId } = await requireAdmin(request, cache, 'u');
      const policies: AccessPolicy[] = request.body.policies.map((policy) => ({
        ...policy,
        criteria: policy.criteria,
      }));
      validatePolicies(policies);
      const audit = app.audit.contextOf(request);
      await app.db.transaction(async (tx) => {
        await replaceAccessPolicies(tx, tenantId, policies);
        await recordEvent(tx, {
          tenantId,
          context: audit,
          event: {
            type: 'security',
            interaction: 'access-policy.replaced',
            action: 'U',
            entities: [],
            patients: [],
            detail: `${policies.length} rows`,
          },
        });
      });
      cache.invalidate(tenantId);
      return { policies: await cache.get(tenantId) };
    },
  );
}
