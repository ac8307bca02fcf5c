/** How fast failed passwords slow further attempts. */
export type ThrottlePolicy = Readonly<{
  /** Failures older than this carry no weight. */
  windowSeconds: number;
  /** Failures per account and address allowed before any delay. */
  freeFailures: number;
  /** The delay after the first failure beyond the free ones; it doubles with each further failure. */
  baseDelaySeconds: number;
  maxDelaySeconds: number;
  /** Failures from one address, over all accounts, after which the address waits out the window. */
  maxFailuresPerIp: number;
}>;

export const DEFAULT_THROTTLE: ThrottlePolicy = Object.freeze({
  windowSeconds: 15 * 60,
  freeFailures: 3,
  baseDelaySeconds: 2,
  maxDelaySeconds: 5 * 60,
  maxFailuresPerIp: 100,
});

/** What the attempt store knows about recent failures, within the window. */
export type RecentFailures = {
  /** For this account from this address. */
  accountFailures: number;
  lastAccountFailure: Date | undefined;
  /** From this address, any account. */
  ipFailures: number;
  oldestIpFailure: Date | undefined;
};

/** The wait imposed after `failures` consecutive failures: 0, then base · 2^(n − free), capped. */
export function backoffSeconds(failures: number, policy: ThrottlePolicy): number {
  if (failures < policy.freeFailures) {
    return 0;
  }
  // Exponent capped so the power stays finite whatever the count.
  const exponent = Math.min(failures - policy.freeFailures, 30);
  return Math.min(policy.maxDelaySeconds, policy.baseDelaySeconds * 2 ** exponent);
}

/**
 * Seconds until another password attempt is allowed (0: now), rounded up so a client that waits
 * `Retry-After` is never refused again for the same failures.
 */
export function retryAfterSeconds(recent: RecentFailures, now: Date, policy: ThrottlePolicy): number {
  let waitMs = 0;
  if (recent.lastAccountFailure !== undefined) {
    const allowedAt = recent.lastAccountFailure.getTime() + backoffSeconds(recent.accountFailures, policy) * 1000;
    waitMs = Math.max(waitMs, allowedAt - now.getTime());
  }
  if (recent.ipFailures >= policy.maxFailuresPerIp && recent.oldestIpFailure !== undefined) {
    const allowedAt = recent.oldestIpFailure.getTime() + policy.windowSeconds * 1000;
    waitMs = Math.max(waitMs, allowedAt - now.getTime());
  }
  return waitMs <= 0 ? 0 : Math.ceil(waitMs / 1000);
}
