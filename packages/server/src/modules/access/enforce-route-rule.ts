// Enforces the `policy` rules of the JSON API (api-route-rules.ts) from the tenant's access policy,
// before the route validates its input: a refused caller learns nothing from validation errors.
import type { FastifyRequest } from 'fastify';
import { createCompartmentProbe } from '../fhir/compartment-probe.ts';
import type { Database } from '../../platform/db/index.ts';
import { createAccessFilter } from './access-filter.ts';
import { AccessError } from './errors.ts';
import { API_AREAS, isAreaAllowed, isUnrestricted, type AccessPolicy } from './policy.ts';
import type { RouteRule } from './api-route-rules.ts';

function refuse(message: string): never {
  throw new AccessError('ACCESS_FORBIDDEN', message);
}

/** Throws ACCESS_FORBIDDEN unless the caller's policy grants the rule. */
export async function enforcePolicyRule(
  db: Database,
  request: FastifyRequest,
  rule: Extract<RouteRule, { kind: 'policy' }>,
  policies: readonly AccessPolicy[],
): Promise<void> {
  const context = request.context;
  if (!context) {
    throw new Error('a policy rule reached without a request context');
  }
  const { resource, interaction } = rule;
  if ((API_AREAS as readonly string[]).includes(resource)) {
    if (!isAreaAllowed(policies, context.roles, resource as (typeof API_AREAS)[number], interaction)) {
      refuse(`Your role may not use this part of the ${resource} API`);
    }
    return;
  }
  const filter = createAccessFilter(policies, context, false);
  const { grants } = filter.rulesFor(resource, interaction);
  if (grants.length === 0) {
    refuse(`The access policy of your role does not allow ${resource} (${interaction})`);
  }
  if (isUnrestricted(grants)) {
    return;
  }
  const patientId = rule.patientParam
    ? (request.params as Record<string, string | undefined>)[rule.patientParam]
    : undefined;
  if (patientId === undefined) {
    refuse(`This works across patients, and your role reaches only some`);
  }
  const probe = createCompartmentProbe(db, context.tenantId);
  const reached = await probe.findReachedPatients(filter, resource, interaction, [patientId]);
  if (!reached.has(patientId)) {
    refuse('This patient is outside your care');
  }
}
