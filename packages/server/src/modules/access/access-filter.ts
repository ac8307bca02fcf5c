// What the SQL access filter of a search or read needs to know about the caller, decided in this
// module and turned into SQL by the FHIR module's search (fhir/search/access-condition.ts).
import { breakGlass, grantsFor, isUnrestricted, type AccessPolicy, type Grant } from './policy.ts';
import { parseScopes, type ScopeInteraction } from './smart-scopes.ts';

/** The rules one resource type is read under. */
export type TypeRules = {
  /** What the caller's roles allow; empty when nothing does. */
  grants: Grant[];
  /** Whether the patients' deny Consents hide resources from the caller. */
  isConsentEnforced: boolean;
};

/** The caller, as the SQL access filter sees them. */
export type AccessFilter = {
  rulesFor: (resourceType: string, interaction: ScopeInteraction) => TypeRules;
  /** The Practitioner the user is (SMART fhirUser), whose care teams, encounters and organisation make `in-care`. */
  practitionerId: string | undefined;
  /** The Patient the user is: `own` reaches this compartment, and the patient's own consent never hides it from them. */
  ownPatientId: string | undefined;
};

/** The caller's identity as the filter needs it. */
export type FilterIdentity = {
  roles: readonly string[];
  scopes: readonly string[];
  fhirUser?: string | undefined;
  patientId?: string | undefined;
};

/** `Practitioner/1` or `https://…/fhir/R4/Practitioner/1` → `{ type: 'Practitioner', id: '1' }`. */
export function parseFhirUser(fhirUser: string | undefined): { type: string; id: string } | undefined {
  const match = fhirUser
    ? /(?:^|\/)(Practitioner|Patient|RelatedPerson|Person)\/([A-Za-z0-9\-.]{1,64})$/.exec(fhirUser)
    : null;
  return match?.[1] && match[2] ? { type: match[1], id: match[2] } : undefined;
}

/**
 * The filter of a caller. `isGlassBroken`: the caller stated a break-glass reason, so rows that
 * allow it reach every patient and no consent hides anything from them. Backend services acting
 * through `system/` scopes are not subject to patients' consent (their work is audited as theirs).
 */
export function createAccessFilter(
  policies: readonly AccessPolicy[],
  identity: FilterIdentity,
  isGlassBroken: boolean,
): AccessFilter {
  const user = parseFhirUser(identity.fhirUser);
  const isSystem = parseScopes(identity.scopes).resources.some((scope) => scope.context === 'system');
  return {
    rulesFor(resourceType, interaction) {
      const grants = grantsFor(policies, identity.roles, resourceType, interaction);
      const isBroken = isGlassBroken && grants.some((grant) => grant.breakGlass);
      return {
        grants: isBroken ? breakGlass(grants) : grants,
        isConsentEnforced: !isSystem && !isBroken,
      };
    },
    practitionerId: user?.type === 'Practitioner' ? user.id : undefined,
    ownPatientId: user?.type === 'Patient' ? user.id : identity.patientId,
  };
}

/** Whether the rules need no SQL at all: every record, no consent. */
export function isOpen(rules: TypeRules): boolean {
  return isUnrestricted(rules.grants) && !rules.isConsentEnforced;
}
