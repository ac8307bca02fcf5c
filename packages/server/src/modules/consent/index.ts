// Patients' Consent directives (FHIR R4 Consent): which of a patient's resources a caller may not
// see. Turned into SQL here; the access filter (modules/access) decides whom they bind, and the
// FHIR search (fhir/search/access-condition.ts) and the journey API apply them. docs/access-control.md.
export {
  buildConsentHiddenQuery,
  buildDenyInForceQuery,
  buildNoDenialsCondition,
  type ConsentCaller,
  type ConsentTarget,
  type Placeholders,
} from './consent-sql.ts';
