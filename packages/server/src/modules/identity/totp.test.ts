import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generate } from 'otplib';
import { checkTotpCode, generateTotpSecret, totpUri } from './totp.ts';

// RFC 6238 Appendix B's SHA-1 seed ("12345678901234567890"), base32.
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const now = new Date('2026-03-01T10:00:10Z');
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

async function codeAt(offsetSeconds: number): Promise<string> {
  return generate({ secret: RFC_SECRET, epoch: seconds(now) + offsetSeconds });
}

describe('TOTP', () => {
  it('matches the RFC 6238 test vector', async () => {
    // Appendix B: T = 59 s gives 94287082 with 8 digits; the 6-digit code is its last six.
    assert.equal(await generate({ secret: RFC_SECRET, epoch: 59 }), '287082');
  });

  it('accepts the current code and the codes one step before and after', async () => {
    for (const offset of [-30, 0, 30]) {
      const result = await checkTotpCode({
        secret: RFC_SECRET,
        code: await codeAt(offset),
        now,
        lastTimeStep: undefined,
      });
      assert.equal(result.valid, true, `offset ${offset}`);
    }
  });

  it('refuses codes two steps away', async () => {
    for (const offset of [-60, 60]) {
      const result = await checkTotpCode({
        secret: RFC_SECRET,
        code: await codeAt(offset),
        now,
        lastTimeStep: undefined,
      });
      assert.equal(result.valid, false, `offset ${offset}`);
    }
  });

  it('refuses a code whose step was already used, and older ones', async () => {
    const first = await checkTotpCode({ secret: RFC_SECRET, code: await codeAt(0), now, lastTimeStep: undefined });
    assert.ok(first.valid);

    const replay = await checkTotpCode({
      secret: RFC_SECRET,
      code: await codeAt(0),
      now,
      lastTimeStep: first.timeStep,
    });
    const older = await checkTotpCode({
      secret: RFC_SECRET,
      code: await codeAt(-30),
      now,
      lastTimeStep: first.timeStep,
    });
    const newer = await checkTotpCode({
      secret: RFC_SECRET,
      code: await codeAt(30),
      now,
      lastTimeStep: first.timeStep,
    });

    assert.deepEqual([replay.valid, older.valid, newer.valid], [false, false, true]);
  });

  it('refuses everything when the last used step lies beyond the window (a clock set back)', async () => {
    const result = await checkTotpCode({
      secret: RFC_SECRET,
      code: await codeAt(0),
      now,
      lastTimeStep: Math.floor(seconds(now) / 30) + 10,
    });

    assert.equal(result.valid, false);
  });

  it('refuses malformed codes without throwing', async () => {
    for (const code of ['', '12345', '1234567', 'abcdef']) {
      assert.equal((await checkTotpCode({ secret: RFC_SECRET, code, now, lastTimeStep: undefined })).valid, false);
    }
  });

  it('makes 160-bit seeds and an otpauth URI naming issuer and account', () => {
    const secret = generateTotpSecret();
    const uri = new URL(totpUri({ secret, issuer: 'CareGraph', account: 'dana@clinic.example' }));

    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.equal(uri.protocol, 'otpauth:');
    assert.equal(uri.searchParams.get('secret'), secret);
    assert.equal(uri.searchParams.get('issuer'), 'CareGraph');
  });
});
