// Access policies as data: what each role may do, evaluated row by row. No rule here names a
// role; roles get their rights only from the rows (see default-policies.ts and the admin API).
import type { ScopeInteraction } from './smart-scopes.ts';

/** Whose records a policy row reaches (the patient compartment, R4 CompartmentDefinition `Patient`). */
export const PATIENT_REACHES = ['any', 'in-care', 'own'] as const;
export type PatientReach = (typeof PATIENT_REACHES)[number];

/** The JSON API areas a policy row can name besides FHIR resource types. */
export const API_AREAS = ['admin'] as const;

/** One row of a tenant's access policy. */
export type AccessPolicy = {
  role: string;
  /** A FHIR resource type, `*` for every FHIR resource type, or a JSON API area (`admin`). */
  resource: string;
  /** SMART v2 interaction letters, in `cruds` order: `rs`, `cruds`. */
  interactions: string;
  /**
   * Which patients' compartments the row reaches: `any`; `in-care`, the patients in the user's
   * care (care teams, general practitioner, encounters, organisation); `own`, the user's own record.
   * Resources outside the patient compartment (Practitioner, Medication…) are not patient data and
   * are reached whatever this says.
   */
  patients: PatientReach;
  /** A FHIR search query string (`status=current`) the reached resources must also match. */
  criteria?: string | undefined;
  /** Whether a user may go beyond `patients` and consent restrictions by stating a reason (break-the-glass). */
  breakGlass: boolean;
};

/** What one row grants for one interaction: the part of it the decision and the SQL filter read. */
export type Grant = { patients: PatientReach; criteria: string | undefined; breakGlass: boolean };

const isFhirType = (resource: string) => /^[A-Z]/.test(resource);

/**
 * The grants a user with `roles` has for `interaction` on `resource`. Per role, rows naming the
 * resource replace the role's `*` row for it (so `*` is a default a role can override); the roles'
 * grants add up. Empty when nothing allows it.
 */
export function grantsFor(
  policies: readonly AccessPolicy[],
  roles: readonly string[],
  resource: string,
  interaction: ScopeInteraction,
): Grant[] {
  const grants: Grant[] = [];
  for (const role of new Set(roles)) {
    const own = policies.filter((policy) => policy.role === role);
    const named = own.filter((policy) => policy.resource === resource);
    const rows = named.length > 0 || !isFhirType(resource) ? named : own.filter((policy) => policy.resource === '*');
    for (const row of rows) {
      if (row.interactions.includes(interaction)) {
        grants.push({ patients: row.patients, criteria: row.criteria || undefined, breakGlass: row.breakGlass });
      }
    }
  }
  return grants;
}

/** Whether grants reach every record without condition (any patient, no criteria). */
export function isUnrestricted(grants: readonly Grant[]): boolean {
  return grants.some((grant) => grant.patients === 'any' && grant.criteria === undefined);
}

/** The grants as they stand once the glass is broken: rows that allow it reach every patient. */
export function breakGlass(grants: readonly Grant[]): Grant[] {
  return grants.map((grant) => (grant.breakGlass ? { ...grant, patients: 'any', criteria: undefined } : grant));
}

/** Whether the role may do `interaction` in a JSON API area (`admin`). */
export function isAreaAllowed(
  policies: readonly AccessPolicy[],
  roles: readonly string[],
  area: (typeof API_AREAS)[number],
  interaction: ScopeInteraction,
): boolean {
  return grantsFor(policies, roles, area, interaction).length > 0;
}
