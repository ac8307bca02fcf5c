import type { Queryable } from '../../platform/db/index.ts';
import { toSummary, tryFindUserByEmail, tryFindUserById } from './sql.ts';
import type { UserSummary } from './types.ts';

/** A user by id, for account lookup (the OIDC provider's findAccount); undefined when unknown. */
export async function tryFindUser(q: Queryable, tenantId: string, userId: string): Promise<UserSummary | undefined> {
  const row = await tryFindUserById(q, tenantId, userId);
  return row && toSummary(row);
}

/** A user by e-mail address (any case); undefined when unknown. */
export async function tryFindUserByEmailAddress(
  q: Queryable,
  tenantId: string,
  email: string,
): Promise<UserSummary | undefined> {
  const row = await tryFindUserByEmail(q, tenantId, email);
  return row && toSummary(row);
}
