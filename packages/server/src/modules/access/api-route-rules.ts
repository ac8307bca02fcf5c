// Who may call each route of the JSON API, as data: the authorisation matrix test
// (authorization-matrix.int.test.ts) fails for a route registered without a rule here, and checks
// every rule against every role. Rules of kind `policy` are enforced by this module from the
// tenant's access policy; the others name what the owning module checks itself.
import type { Role } from '../identity/index.ts';
import type { ScopeInteraction } from './smart-scopes.ts';

export type RouteRule =
  /** No credential: discovery, health, the OAuth protocol endpoints, the web app's files. */
  | { kind: 'public' }
  /** Any authenticated caller, for data that is not about patients (terminology). */
  | { kind: 'authenticated' }
  /** The owning module admits these roles. */
  | { kind: 'roles'; roles: readonly Role[] }
  /**
   * Enforced here from the access policy: `resource` is a FHIR type or an API area. With
   * `patientParam`, the grants must reach the patient that route parameter names; without, they
   * must reach every patient (work across patients).
   */
  | { kind: 'policy'; resource: string; interaction: ScopeInteraction; patientParam?: string }
  /** The FHIR API: every request goes through the FHIR access guard (fhir-guard.ts). */
  | { kind: 'fhir' };

const ADMIN: RouteRule = { kind: 'roles', roles: ['admin'] };
const AUDIT_READERS: RouteRule = { kind: 'roles', roles: ['admin', 'privacy-officer'] };
const PUBLIC: RouteRule = { kind: 'public' };
const JOURNEY: RouteRule = { kind: 'policy', resource: 'Encounter', interaction: 'r', patientParam: 'id' };
const MPI_READ: RouteRule = { kind: 'policy', resource: 'Patient', interaction: 'r' };
const MPI_ADMIN: RouteRule = { kind: 'policy', resource: 'admin', interaction: 'r' };

/** `METHOD url` (as registered) → its rule. */
export const API_ROUTE_RULES: Readonly<Record<string, RouteRule>> = {
  'GET /api/admin/access-policies': { kind: 'policy', resource: 'admin', interaction: 'r' },
  'PUT /api/admin/access-policies': { kind: 'policy', resource: 'admin', interaction: 'u' },
  // Prometheus scrapes without credentials; the metrics carry route labels and durations, no PHI.
  'GET /metrics': PUBLIC,
  'GET /api/audit/tree-head': AUDIT_READERS,
  'POST /api/audit/tree-heads': AUDIT_READERS,
  'GET /api/audit/tree-heads': AUDIT_READERS,
  'GET /api/audit/proofs/inclusion': AUDIT_READERS,
  'GET /api/audit/proofs/consistency': AUDIT_READERS,
  'GET /api/audit/public-keys': AUDIT_READERS,
  // Who accessed my record: the signed-in patient user (fhirUser Patient/…) alone.
  'GET /api/audit/my-record-access': { kind: 'roles', roles: ['patient'] },
  'GET /healthz': PUBLIC,
  'GET /readyz': PUBLIC,
  'GET /fhir/R4/.well-known/smart-configuration': PUBLIC,
  'GET /.well-known/openid-configuration': PUBLIC,
  'GET /oauth/*': PUBLIC,
  'POST /oauth/*': PUBLIC,
  'POST /oauth/token/introspection': PUBLIC,
  'POST /oauth/token/revocation': PUBLIC,
  'GET /api/oauth/web-client': PUBLIC,
  'POST /oauth/interaction/:uid/upstream': PUBLIC,
  'GET /oauth/upstream/callback': PUBLIC,
  'GET /oauth/interaction/:uid/upstream': PUBLIC,
  'GET /oauth/interaction/:uid': PUBLIC,
  'POST /oauth/interaction/:uid/login': PUBLIC,
  'POST /oauth/interaction/:uid/mfa': PUBLIC,
  'POST /oauth/interaction/:uid/consent': PUBLIC,
  'POST /api/oauth/clients': ADMIN,
  'POST /api/oauth/keys/rotate': ADMIN,
  'POST /api/oauth/launch': { kind: 'roles', roles: ['admin', 'clinician', 'nurse', 'staff'] },
  'GET /api/admin/identity-providers': ADMIN,
  'GET /api/admin/identity-providers/:id': ADMIN,
  'POST /api/admin/identity-providers': ADMIN,
  'PUT /api/admin/identity-providers/:id': ADMIN,
  'DELETE /api/admin/identity-providers/:id': ADMIN,
  'GET /fhir/R4/metadata': PUBLIC,
  'GET /fhir/R4/*': { kind: 'fhir' },
  'POST /fhir/R4/*': { kind: 'fhir' },
  'PUT /fhir/R4/*': { kind: 'fhir' },
  'PATCH /fhir/R4/*': { kind: 'fhir' },
  'DELETE /fhir/R4/*': { kind: 'fhir' },
  'GET /fhir/R4': { kind: 'fhir' },
  'POST /fhir/R4': { kind: 'fhir' },
  'GET /api/terminology/search': { kind: 'authenticated' },
  'GET /api/terminology/bindings': { kind: 'authenticated' },
  'PUT /api/terminology/bindings': ADMIN,
  'DELETE /api/terminology/bindings/:resourceType/:path': ADMIN,
  'GET /api/patients/:id/journey': JOURNEY,
  'GET /api/patients/:id/journey/timeline': JOURNEY,
  'GET /api/patients/:id/journey/paths': JOURNEY,
  'GET /api/patients/:id/journey/neighbourhood': JOURNEY,
  'GET /api/patients/:id/journey/care-pathway': JOURNEY,
  'GET /api/patients/:id/journey/live': JOURNEY,
  'GET /api/journey/cohort-patterns': { kind: 'policy', resource: 'Encounter', interaction: 's' },
  'GET /api/mpi/reviews': MPI_READ,
  'GET /api/mpi/reviews/:id': MPI_READ,
  'POST /api/mpi/reviews/:id/decision': { kind: 'policy', resource: 'Patient', interaction: 'u' },
  'GET /api/mpi/persons/:id': MPI_READ,
  'GET /api/mpi/models': MPI_ADMIN,
  // Training, rollback and settings: the MPI module admits administrators itself (MPI_FORBIDDEN).
  'POST /api/mpi/train': ADMIN,
  'POST /api/mpi/models/:version/activate': ADMIN,
  'GET /api/mpi/settings': MPI_ADMIN,
  'PUT /api/mpi/settings': ADMIN,
  'POST /api/auth/login': PUBLIC,
  'POST /api/auth/mfa/totp': PUBLIC,
  'POST /api/auth/mfa/recovery-code': PUBLIC,
  'POST /api/auth/mfa/webauthn/options': PUBLIC,
  'POST /api/auth/mfa/webauthn': PUBLIC,
  'POST /api/auth/mfa/enrol/totp': PUBLIC,
  'POST /api/auth/mfa/enrol/totp/confirm': PUBLIC,
  'POST /api/auth/mfa/enrol/webauthn/options': PUBLIC,
  'POST /api/auth/mfa/enrol/webauthn': PUBLIC,
  'POST /api/auth/password-reset': PUBLIC,
  'POST /api/auth/password-reset/confirm': PUBLIC,
  'POST /api/auth/invite/accept': PUBLIC,
  'GET /api/admin/users': ADMIN,
  'POST /api/admin/users': ADMIN,
  'POST /api/admin/users/:id/invite': ADMIN,
  'POST /api/admin/users/:id/disable': ADMIN,
  'POST /api/admin/users/:id/enable': ADMIN,
  'POST /api/admin/users/:id/unlock': ADMIN,
  'POST /api/admin/users/:id/reset-mfa': ADMIN,
  'PUT /api/admin/users/:id/roles': ADMIN,
  'GET /api/admin/mfa-policy': ADMIN,
  'GET /api/admin/tenant': ADMIN,
  'PUT /api/admin/tenant': ADMIN,
  'PUT /api/admin/mfa-policy/:role': ADMIN,
};

/** The web app's files (served by @fastify/static, one route per file of the build): public. */
export const isWebAppFile = (method: string, url: string) =>
  method === 'GET' && (url === '/' || url === '/index.html' || /^\/(assets\/|favicon)/.test(url));

/** The rule of a route, undefined when it has none (the matrix test fails on that). */
export function tryGetRouteRule(method: string, url: string): RouteRule | undefined {
  return API_ROUTE_RULES[`${method} ${url}`] ?? (isWebAppFile(method, url) ? PUBLIC : undefined);
}
