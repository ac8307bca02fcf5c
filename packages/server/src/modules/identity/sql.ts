import type { Queryable } from '../../platform/db/index.ts';
import type { Role, UserStatus, UserSummary } from './types.ts';

/** An app_user row as stored, credentials included: stays inside this module. */
export type UserRow = {
  tenant_id: string;
  id: string;
  email: string;
  display_name: string;
  roles: Role[];
  status: UserStatus;
  password_hash: string | null;
  failed_attempts: number;
  locked_until: Date | string | null;
  mfa_required_override: boolean | null;
  fhir_user: string | null;
  patient_id: string | null;
  created_at: Date | string;
};

export const USER_COLUMNS = `tenant_id, id::text AS id, email, display_name, roles, status, password_hash,
  failed_attempts, locked_until, mfa_required_override, fhir_user, patient_id, created_at`;

/** Timestamps arrive as Date from node-postgres and PGlite alike, but be lenient about strings. */
export function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}

export function toSummary(row: UserRow): UserSummary {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    email: row.email,
    displayName: row.display_name,
    roles: row.roles,
    status: row.status,
    fhirUser: row.fhir_user ?? undefined,
    patientId: row.patient_id ?? undefined,
    mfaRequiredOverride: row.mfa_required_override ?? undefined,
    createdAt: toDate(row.created_at).toISOString(),
  };
}

/** E-mail addresses are compared and stored lower-cased and trimmed. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function tryFindUserByEmail(q: Queryable, tenantId: string, email: string): Promise<UserRow | undefined> {
  const { rows } = await q.query<UserRow>(`SELECT ${USER_COLUMNS} FROM app_user WHERE tenant_id = $1 AND email = $2`, [
    tenantId,
    normaliseEmail(email),
  ]);
  return rows[0];
}

/** The user by id, or undefined (also for a malformed id, which no row can have). */
export async function tryFindUserById(
  q: Queryable,
  tenantId: string,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<UserRow | undefined> {
  if (!UUID.test(id)) {
    return undefined;
  }
  const { rows } = await q.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM app_user WHERE tenant_id = $1 AND id = $2${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [tenantId, id],
  );
  return rows[0];
}

/** Which second factors a user has confirmed. */
export async function listFactors(
  q: Queryable,
  tenantId: string,
  userId: string,
): Promise<{ totp: boolean; passkeys: number }> {
  const { rows } = await q.query<{ totp: boolean; passkeys: number }>(
    `SELECT EXISTS (SELECT 1 FROM user_totp WHERE tenant_id = $1 AND user_id = $2 AND confirmed_at IS NOT NULL) AS totp,
            (SELECT count(*)::int FROM user_passkey WHERE tenant_id = $1 AND user_id = $2) AS passkeys`,
    [tenantId, userId],
  );
  return rows[0] ?? { totp: false, passkeys: 0 };
}
