import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffSeconds, DEFAULT_THROTTLE, retryAfterSeconds, type ThrottlePolicy } from './throttle.ts';

const policy: ThrottlePolicy = {
  windowSeconds: 900,
  freeFailures: 3,
  baseDelaySeconds: 2,
  maxDelaySeconds: 300,
  maxFailuresPerIp: 10,
};
const now = new Date('2026-03-01T10:00:00Z');
const secondsAgo = (seconds: number) => new Date(now.getTime() - seconds * 1000);

describe('login throttling', () => {
  it('allows the free failures without delay, then doubles the delay up to the cap', () => {
    const delays = [0, 1, 2, 3, 4, 5, 6, 9, 10, 1000].map((failures) => backoffSeconds(failures, policy));

    assert.deepEqual(delays, [0, 0, 0, 2, 4, 8, 16, 128, 256, 300]);
  });

  it('asks to wait the rest of the backoff since the last failure, rounded up', () => {
    const recent = {
      accountFailures: 4,
      lastAccountFailure: secondsAgo(1.5),
      ipFailures: 4,
      oldestIpFailure: undefined,
    };

    assert.equal(retryAfterSeconds(recent, now, policy), 3);
  });

  it('lets an attempt through once the backoff has passed', () => {
    const recent = { accountFailures: 4, lastAccountFailure: secondsAgo(4), ipFailures: 4, oldestIpFailure: undefined };

    assert.equal(retryAfterSeconds(recent, now, policy), 0);
  });

  it('holds an address that failed too often over all accounts until its oldest failure leaves the window', () => {
    const recent = {
      accountFailures: 1,
      lastAccountFailure: secondsAgo(1),
      ipFailures: 10,
      oldestIpFailure: secondsAgo(600),
    };

    assert.equal(retryAfterSeconds(recent, now, policy), 300);
  });

  it('has no wait for an account and address without failures', () => {
    const recent = { accountFailures: 0, lastAccountFailure: undefined, ipFailures: 0, oldestIpFailure: undefined };

    assert.equal(retryAfterSeconds(recent, now, DEFAULT_THROTTLE), 0);
  });
});
