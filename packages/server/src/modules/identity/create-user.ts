import type { Queryable } from '../../platform/db/index.ts';
import { recordAuthenticationEvent } from './auth-events.ts';
import { IdentityError } from './identity-error.ts';
import { assertAcceptablePassword } from './password-policy.ts';
import { hashPassword } from './secrets.ts';
import { normaliseEmail, toSummary, USER_COLUMNS, type UserRow } from './sql.ts';
import type { IdentityDeps, Role, UserStatus, UserSummary } from './types.ts';

export type NewUser = {
  tenantId: string;
  email: string;
  displayName: string;
  roles: Role[];
  fhirUser?: string;
  patientId?: string;
  mfaRequiredOverride?: boolean;
};

/** Inserts a user row; ID_EMAIL_TAKEN when the tenant already has the address. */
export async function insertUser(
  deps: Pick<IdentityDeps, 'now'>,
  q: Queryable,
  user: NewUser & { status: UserStatus; passwordHash: string | null },
): Promise<UserRow> {
  const now = deps.now();
  const { rows } = await q.query<UserRow>(
    `INSERT INTO app_user (tenant_id, email, display_name, roles, status, password_hash, mfa_required_override,
       fhir_user, patient_id, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
     ON CONFLICT (tenant_id, email) DO NOTHING
     RETURNING ${USER_COLUMNS}`,
    [
      user.tenantId,
      normaliseEmail(user.email),
      user.displayName,
      [...new Set(user.roles)],
      user.status,
      user.passwordHash,
      user.mfaRequiredOverride ?? null,
      user.fhirUser ?? null,
      user.patientId ?? null,
      now,
    ],
  );
  const row = rows[0];
  if (!row) {
    throw new IdentityError('ID_EMAIL_TAKEN', 'A user with this e-mail address already exists');
  }
  return row;
}

/**
 * Creates an active user with a password (start-up accounts, demo users, tests). People are
 * normally invited instead, so that they choose their password themselves.
 */
export async function createUser(
  deps: Pick<IdentityDeps, 'db' | 'now'>,
  options: NewUser & { password: string; actor?: string },
): Promise<UserSummary> {
  assertAcceptablePassword(options.password, options.email);
  const passwordHash = await hashPassword(options.password);
  return deps.db.transaction(async (tx) => {
    const row = await insertUser(deps, tx, { ...options, status: 'active', passwordHash });
    await recordAuthenticationEvent(deps, tx, {
      tenantId: row.tenant_id,
      kind: 'user.created',
      outcome: 'success',
      userId: row.id,
      ...(options.actor === undefined ? {} : { actor: options.actor }),
    });
    return toSummary(row);
  });
}
