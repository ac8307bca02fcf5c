// Authorisation: what a caller may do. SMART scopes (smart-scopes.ts, fhir-access.ts) intersected
// with the tenant's access policy for the user's roles (policy.ts, rows in `access_policy`), the
// patients in their care, patients' consent and break-the-glass (fhir-guard.ts); the SQL side of
// the filter is the FHIR search's (fhir/search/access-condition.ts). docs/access-control.md.
export { accessPlugin, type AccessService } from './plugin.ts';
export { createAccessFilter, isOpen, parseFhirUser, type AccessFilter, type TypeRules } from './access-filter.ts';
export { DEFAULT_POLICIES } from './default-policies.ts';
export {
  checkFhirAccess,
  referencedPatients,
  targetOf,
  type AccessIdentity,
  type CompartmentProbe,
  type FhirAccessRequest,
} from './fhir-access.ts';
export {
  createFhirAccessGuard,
  type AccessProbe,
  type BreakGlassUse,
  type FhirAccessGuard,
  type GuardIdentity,
  type WrittenResource,
} from './fhir-guard.ts';
export {
  API_AREAS,
  grantsFor,
  isAreaAllowed,
  isUnrestricted,
  PATIENT_REACHES,
  type AccessPolicy,
  type Grant,
  type PatientReach,
} from './policy.ts';
export { readAccessPolicies, replaceAccessPolicies } from './policy-store.ts';
export {
  filterAllowedScopes,
  formatResourceScope,
  isScopeCovered,
  parseResourceScope,
  parseScopes,
  reachOf,
  type ResourceScope,
  type ScopeContext,
  type ScopeInteraction,
  type ScopeReach,
} from './smart-scopes.ts';
