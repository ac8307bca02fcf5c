import type { Queryable } from '../../platform/db/index.ts';
import type { RecentFailures, ThrottlePolicy } from './throttle.ts';

type Scope = { tenantId: string; email: string; ip: string };

function windowStart(now: Date, policy: ThrottlePolicy): Date {
  return new Date(now.getTime() - policy.windowSeconds * 1000);
}

/** Failed attempts within the window, for this account from this address and from the address overall. */
export async function readRecentFailures(
  q: Queryable,
  scope: Scope,
  now: Date,
  policy: ThrottlePolicy,
): Promise<RecentFailures> {
  const { rows } = await q.query<{
    account_failures: number;
    last_account_failure: Date | null;
    ip_failures: number;
    oldest_ip_failure: Date | null;
  }>(
    `SELECT count(*) FILTER (WHERE email = $2)::int AS account_failures,
            max(attempted_at) FILTER (WHERE email = $2) AS last_account_failure,
            count(*)::int AS ip_failures,
            min(attempted_at) AS oldest_ip_failure
     FROM login_attempt WHERE tenant_id = $1 AND ip = $3 AND attempted_at > $4`,
    [scope.tenantId, scope.email, scope.ip, windowStart(now, policy)],
  );
  const row = rows[0];
  return {
    accountFailures: row?.account_failures ?? 0,
    lastAccountFailure: row?.last_account_failure ? new Date(row.last_account_failure) : undefined,
    ipFailures: row?.ip_failures ?? 0,
    oldestIpFailure: row?.oldest_ip_failure ? new Date(row.oldest_ip_failure) : undefined,
  };
}

/** Records a wrong password, and drops this address's rows that have left the window. */
export async function recordFailedAttempt(
  q: Queryable,
  scope: Scope,
  now: Date,
  policy: ThrottlePolicy,
): Promise<void> {
  await q.query('DELETE FROM login_attempt WHERE tenant_id = $1 AND ip = $2 AND attempted_at <= $3', [
    scope.tenantId,
    scope.ip,
    windowStart(now, policy),
  ]);
  await q.query('INSERT INTO login_attempt (tenant_id, email, ip, attempted_at) VALUES ($1, $2, $3, $4)', [
    scope.tenantId,
    scope.email,
    scope.ip,
    now,
  ]);
}

/** A correct password clears the account's failures from that address: backoff starts over. */
export async function clearFailedAttempts(q: Queryable, scope: Scope): Promise<void> {
  await q.query('DELETE FROM login_attempt WHERE tenant_id = $1 AND email = $2 AND ip = $3', [
    scope.tenantId,
    scope.email,
    scope.ip,
  ]);
}
