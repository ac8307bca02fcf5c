// The access module as a Fastify plugin: the tenant policy cache and break-the-glass alerts for
// the FHIR module (`app.access`, lifted out of encapsulation on purpose), the list of every route
// the app registers (the authorisation matrix test checks each has a rule), and the admin API.
import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { registerAccessAdminRoutes } from './admin-routes.ts';
import { tryGetRouteRule } from './api-route-rules.ts';
import { enforcePolicyRule } from './enforce-route-rule.ts';
import { createBreakGlassAlerts } from './break-glass-alert.ts';
import { createCompartmentProbe } from '../fhir/compartment-probe.ts';
import { createAccessFilter } from './access-filter.ts';
import type { BreakGlassUse } from './fhir-guard.ts';
import type { AccessPolicy } from './policy.ts';
import { createPolicyCache } from './policy-store.ts';

/** A route as registered: its methods and URL pattern. */
export type RegisteredRoute = { methods: string[]; url: string };

/** What other modules ask of the access module. */
export type AccessService = {
  /** The tenant's policy rows (cached briefly; the defaults are written on first use). */
  policiesOf: (tenantId: string) => Promise<readonly AccessPolicy[]>;
  /**
   * Alerts the tenant's privacy officers of records opened by breaking the glass in a request
   * (`createCommunication` stores the alert Communication; the FHIR module supplies it).
   */
  reportBreakGlass: (
    request: FastifyRequest,
    options: {
      reason: string;
      uses: readonly BreakGlassUse[];
      createCommunication: (communication: Record<string, unknown>) => Promise<void>;
    },
  ) => Promise<void>;
  /**
   * The resources (`Type/id`) of `patientIds` (every patient when undefined) that patients'
   * Consents hide from the request's caller, for APIs that show patient data outside the FHIR
   * search (the journey). Empty for callers consent does not bind (the patient themself, services).
   */
  hiddenByConsent: (request: FastifyRequest, patientIds: readonly string[] | undefined) => Promise<Set<string>>;
  /** Every route registered on the app after this plugin (what the authorisation matrix covers). */
  routes: () => readonly RegisteredRoute[];
};

declare module 'fastify' {
  interface FastifyInstance {
    access: AccessService;
  }
}

/** Register first after the database: it lists the routes registered after it, and the FHIR module reads `app.access`. */
export const accessPlugin = fp(async (app) => {
  const cache = createPolicyCache(app.db);
  const routes: RegisteredRoute[] = [];
  // Made on first use: the mailer plugin registers after this one.
  let report: ReturnType<typeof createBreakGlassAlerts> | undefined;
  app.addHook('onRoute', (route) => {
    const methods = [route.method].flat().filter((method) => method !== 'HEAD' && method !== 'OPTIONS');
    if (methods.length > 0) {
      routes.push({ methods, url: route.url });
    }
  });
  // Runs after each module's authentication (onRequest) and before input validation.
  app.addHook('preValidation', async (request) => {
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    const rule = tryGetRouteRule(method, request.routeOptions.url ?? '');
    if (rule?.kind === 'policy' && request.context) {
      await enforcePolicyRule(app.db, request, rule, await cache.get(request.context.tenantId));
    }
  });
  app.decorate('access', {
    policiesOf: (tenantId) => cache.get(tenantId),
    async reportBreakGlass(request, options) {
      const context = request.context;
      if (!context) {
        throw new Error('break-the-glass reported for an unauthenticated request');
      }
      report ??= createBreakGlassAlerts({ db: app.db, mailer: app.mailer, log: app.log });
      await report(
        {
          tenantId: context.tenantId,
          actor: { label: context.actor.label, roles: context.roles },
          fhirUser: context.fhirUser,
          reason: options.reason,
          uses: options.uses,
          requestId: request.id,
          at: new Date(),
        },
        options.createCommunication,
      );
    },
    async hiddenByConsent(request, patientIds) {
      const context = request.context;
      if (!context) {
        throw new Error('consent asked for an unauthenticated request');
      }
      const filter = createAccessFilter(await cache.get(context.tenantId), context, false);
      return createCompartmentProbe(app.db, context.tenantId).findHiddenResources(filter, patientIds);
    },
    routes: () => routes,
  } satisfies AccessService);
  await app.register(async (child) => registerAccessAdminRoutes(child, cache), {
    prefix: '/api/admin/access-policies',
  });
});
