import type { Role } from './roles.ts';

/** A user as `/api/admin/users` lists them: no credential material, only which factors exist. */
export type AdminUser = {
  id: string;
  tenantId: string;
  email: string;
  displayName: string;
  roles: Role[];
  status: 'active' | 'invited' | 'disabled' | 'locked';
  fhirUser?: string;
  patientId?: string;
  mfaRequiredOverride?: boolean;
  createdAt: string;
  lockedUntil?: string;
  mfa?: { totp: boolean; passkeys: number; recoveryCodes: number };
};

/** What inviting a user sends (`POST /api/admin/users`). */
export type InviteRequest = {
  email: string;
  displayName: string;
  roles: Role[];
  fhirUser?: string;
  patientId?: string;
  mfaRequired?: boolean;
};

/** The account changes that take no body: `POST /api/admin/users/{id}/{action}`. */
export type UserAction = 'disable' | 'enable' | 'unlock' | 'reset-mfa' | 'invite';
