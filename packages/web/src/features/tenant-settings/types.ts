import type { Role } from '../admin-users/roles.ts';

/** One role's MFA requirement (`/api/admin/mfa-policy`); roles without an entry do not require MFA. */
export type RoleMfaPolicy = { role: Role; required: boolean };

/** The tenant as its administrators name it (`/api/admin/tenant`). */
export type TenantJson = { id: string; name: string };

/** An upstream OpenID provider users of this tenant can sign in with (`/api/admin/identity-providers`). */
export type IdentityProvider = {
  id: string;
  displayName: string;
  issuer: string;
  clientId: string;
  /** The secret itself is never sent back. */
  hasClientSecret: boolean;
  scopes: string[];
  allowedEmailDomains: string[];
  justInTimeProvisioning: boolean;
  defaultRole: ProvisionedRole | null;
  acceptUpstreamMfa: boolean;
  enabled: boolean;
  /** The callback to register at the upstream provider. */
  redirectUri: string;
  createdAt: string;
  updatedAt: string;
};

/** The roles a user created on first upstream sign-in may get. */
export const PROVISIONED_ROLES = ['clinician', 'nurse', 'staff'] as const;
export type ProvisionedRole = (typeof PROVISIONED_ROLES)[number];

/** What creating or updating a provider sends; no `clientSecret` on update keeps the stored one. */
export type IdentityProviderRequest = {
  displayName: string;
  issuer: string;
  clientId: string;
  clientSecret?: string;
  scopes: string[];
  allowedEmailDomains: string[];
  justInTimeProvisioning: boolean;
  defaultRole: ProvisionedRole | null;
  acceptUpstreamMfa: boolean;
  enabled: boolean;
};

/** Whose records a policy row reaches. */
export type PatientReach = 'any' | 'in-care' | 'own';

/** One row of the tenant's access policy (`/api/admin/access-policies`). */
export type AccessPolicyRow = {
  role: Role;
  /** A FHIR resource type, `*` for every type, or a JSON API area (`admin`). */
  resource: string;
  /** SMART v2 interaction letters in `cruds` order. */
  interactions: string;
  patients: PatientReach;
  /** A FHIR search query the reached resources must also match. */
  criteria?: string;
  breakGlass: boolean;
};
