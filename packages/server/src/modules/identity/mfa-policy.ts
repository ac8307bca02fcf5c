import type { Queryable } from '../../platform/db/index.ts';
import { recordAuthenticationEvent } from './auth-events.ts';
import type { UserRow } from './sql.ts';
import type { IdentityDeps, Role } from './types.ts';

export type RoleMfaPolicy = { role: Role; required: boolean };

/** Whether the user must have a second factor: their own override, else any of their roles' policy. */
export async function isMfaRequired(
  q: Queryable,
  user: Pick<UserRow, 'tenant_id' | 'roles' | 'mfa_required_override'>,
) {
  if (user.mfa_required_override !== null) {
    return user.mfa_required_override;
  }
  const { rows } = await q.query(
    'SELECT 1 FROM role_mfa_policy WHERE tenant_id = $1 AND role = ANY($2) AND required LIMIT 1',
    [user.tenant_id, user.roles],
  );
  return rows.length > 0;
}

/** The tenant's MFA policy, one entry per role that has one. */
export async function listRoleMfaPolicies(q: Queryable, tenantId: string): Promise<RoleMfaPolicy[]> {
  const { rows } = await q.query<RoleMfaPolicy>(
    'SELECT role, required FROM role_mfa_policy WHERE tenant_id = $1 ORDER BY role',
    [tenantId],
  );
  return rows;
}

/** Requires (or stops requiring) MFA for every user holding `role`, from their next sign-in. */
export async function setRoleMfaPolicy(
  deps: IdentityDeps,
  options: { tenantId: string; role: Role; required: boolean; actor: string },
): Promise<RoleMfaPolicy> {
  return deps.db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO role_mfa_policy (tenant_id, role, required) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id, role) DO UPDATE SET required = EXCLUDED.required`,
      [options.tenantId, options.role, options.required],
    );
    await recordAuthenticationEvent(deps, tx, {
      tenantId: options.tenantId,
      kind: 'mfa-policy.changed',
      outcome: 'success',
      actor: options.actor,
      detail: `${options.role}:${options.required ? 'required' : 'optional'}`,
    });
    return { role: options.role, required: options.required };
  });
}
