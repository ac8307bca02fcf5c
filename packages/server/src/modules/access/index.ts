// Authorisation: what a caller may do. Today the SMART scope rules on the FHIR API; role and
// policy rules extend `checkFhirAccess`.
export { checkFhirAccess, type AccessIdentity, type CompartmentProbe, type FhirAccessRequest } from './fhir-access.ts';
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
