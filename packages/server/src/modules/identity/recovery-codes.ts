import type { Queryable } from '../../platform/db/index.ts';
import { generateRecoveryCode, normaliseRecoveryCode, sha256Hex } from './secrets.ts';

export const RECOVERY_CODE_COUNT = 10;

/** Replaces a user's recovery codes with ten fresh ones and returns them: the only time they are seen. */
export async function replaceRecoveryCodes(q: Queryable, tenantId: string, userId: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, generateRecoveryCode);
  await q.query('DELETE FROM user_recovery_code WHERE tenant_id = $1 AND user_id = $2', [tenantId, userId]);
  await q.query(
    `INSERT INTO user_recovery_code (tenant_id, user_id, code_hash)
     SELECT $1, $2, code_hash FROM unnest($3::text[]) AS code_hash`,
    [tenantId, userId, codes.map((code) => sha256Hex(normaliseRecoveryCode(code)))],
  );
  return codes;
}

/** Uses a recovery code up; true at most once per code, even for two concurrent attempts. */
export async function useRecoveryCode(
  q: Queryable,
  options: { tenantId: string; userId: string; code: string; now: Date },
): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE user_recovery_code SET used_at = $4
     WHERE tenant_id = $1 AND user_id = $2 AND code_hash = $3 AND used_at IS NULL`,
    [options.tenantId, options.userId, sha256Hex(normaliseRecoveryCode(options.code)), options.now],
  );
  return rowCount === 1;
}

/** How many unused codes are left. */
export async function countRecoveryCodes(q: Queryable, tenantId: string, userId: string): Promise<number> {
  const { rows } = await q.query<{ count: number }>(
    'SELECT count(*)::int AS count FROM user_recovery_code WHERE tenant_id = $1 AND user_id = $2 AND used_at IS NULL',
    [tenantId, userId],
  );
  return rows[0]?.count ?? 0;
}
