import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareVersions } from './write-release.ts';

describe('compareVersions', () => {
  it('orders digit runs as numbers', () => {
    assert.ok(compareVersions('2.9', '2.10') < 0);
    assert.ok(compareVersions('2.80', '2.10') > 0);
    assert.ok(compareVersions('2025', '2026') < 0);
    assert.ok(compareVersions('2025-10', '2026-01') < 0);
  });

  it('compares ids beyond the safe integer range digit by digit', () => {
    assert.ok(compareVersions('731000124108', '900000000000207008') < 0);
    assert.ok(compareVersions('900000000000207009', '900000000000207008') > 0);
  });

  it('treats leading zeros and equal versions as equal, and a longer version as later', () => {
    assert.equal(compareVersions('01', '1'), 0);
    assert.equal(compareVersions('4.0.1', '4.0.1'), 0);
    assert.ok(compareVersions('4.0', '4.0.1') < 0);
  });
});
