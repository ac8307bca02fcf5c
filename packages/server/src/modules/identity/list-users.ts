import type { Queryable } from '../../platform/db/index.ts';
import { toDate, toSummary, USER_COLUMNS, type UserRow } from './sql.ts';
import type { UserSummary } from './types.ts';

/** A user as administrators see them: with their factors and any lock. */
export type UserListEntry = UserSummary & {
  lockedUntil: string | undefined;
  mfa: { totp: boolean; passkeys: number; recoveryCodes: number };
};

type ListRow = UserRow & { totp: boolean; passkeys: number; recovery_codes: number };

/** The tenant's users by e-mail address, optionally only those whose address or name contains `search`. */
export async function listUsers(
  q: Queryable,
  options: { tenantId: string; search?: string; limit: number; offset: number },
): Promise<UserListEntry[]> {
  const prefixed = USER_COLUMNS.split(',')
    .map((column) => `u.${column.trim()}`)
    .join(', ');
  const { rows } = await q.query<ListRow>(
    `SELECT ${prefixed},
       EXISTS (SELECT 1 FROM user_totp t WHERE t.tenant_id = u.tenant_id AND t.user_id = u.id AND t.confirmed_at IS NOT NULL) AS totp,
       (SELECT count(*)::int FROM user_passkey p WHERE p.tenant_id = u.tenant_id AND p.user_id = u.id) AS passkeys,
       (SELECT count(*)::int FROM user_recovery_code r
         WHERE r.tenant_id = u.tenant_id AND r.user_id = u.id AND r.used_at IS NULL) AS recovery_codes
     FROM app_user u
     WHERE u.tenant_id = $1 AND ($2::text IS NULL OR strpos(u.email, $2) > 0 OR strpos(lower(u.display_name), $2) > 0)
     ORDER BY u.email LIMIT $3 OFFSET $4`,
    [options.tenantId, options.search?.toLowerCase() ?? null, options.limit, options.offset],
  );
  return rows.map((row) => ({
    ...toSummary(row),
    lockedUntil:
      row.status === 'locked' && row.locked_until !== null ? toDate(row.locked_until).toISOString() : undefined,
    mfa: { totp: row.totp, passkeys: row.passkeys, recoveryCodes: row.recovery_codes },
  }));
}
