import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../platform/db/index.ts';
import type { Mailer } from '../../platform/mailer.ts';
import type { ThrottlePolicy } from './throttle.ts';

/**
 * What a user may do (each role's rights are the tenant's access policy rows, modules/access).
 * `service` is a machine client; it never signs in with a password. `privacy-officer` reviews
 * access: the audit trail and break-the-glass alerts.
 */
export const ROLES = ['admin', 'clinician', 'nurse', 'staff', 'patient', 'service', 'privacy-officer'] as const;
export type Role = (typeof ROLES)[number];

export type UserStatus = 'active' | 'invited' | 'disabled' | 'locked';

/** Second factors a user can have. `recovery-code` only ever stands in for the others. */
export type MfaMethod = 'totp' | 'webauthn' | 'recovery-code';

/** A user as other modules and the API see it: no credential material. */
export type UserSummary = {
  id: string;
  tenantId: string;
  email: string;
  displayName: string;
  roles: Role[];
  status: UserStatus;
  /** SMART's fhirUser: 'Practitioner/123', 'Patient/456'. */
  fhirUser: string | undefined;
  /** For patient users: the Patient whose record they may see. */
  patientId: string | undefined;
  mfaRequiredOverride: boolean | undefined;
  createdAt: string;
};

/** What sign-in needs beyond the database: settings fixed at start. */
export type IdentitySettings = Readonly<{
  /** Public base URL; e-mailed links point under it. */
  baseUrl: string;
  lockoutThreshold: number;
  lockoutMinutes: number;
  throttle: ThrottlePolicy;
  webAuthn: Readonly<{ rpId: string; rpName: string; origin: string }>;
}>;

/** The dependencies every identity use case takes, so a route, a job or a test runs them alike. */
export type IdentityDeps = {
  db: Database;
  now: () => Date;
  mailer: Mailer;
  log: FastifyBaseLogger;
  settings: IdentitySettings;
};
