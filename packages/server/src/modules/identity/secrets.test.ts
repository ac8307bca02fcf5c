import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  generateRecoveryCode,
  generateToken,
  hashPassword,
  normaliseRecoveryCode,
  sha256Hex,
  verifyPassword,
} from './secrets.ts';

describe('identity secrets', () => {
  it('hashes passwords with argon2id and verifies them', async () => {
    const stored = await hashPassword('violet kettle harbour 42');

    assert.match(stored, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.equal(await verifyPassword(stored, 'violet kettle harbour 42'), true);
    assert.equal(await verifyPassword(stored, 'violet kettle harbour 43'), false);
  });

  it('says no, after the same work, when there is no stored hash', async () => {
    assert.equal(await verifyPassword(null, 'anything at all'), false);
  });

  it('makes recovery codes of 80 random bits that survive retyping', () => {
    const codes = Array.from({ length: 200 }, generateRecoveryCode);

    assert.ok(codes.every((code) => /^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/.test(code)));
    assert.equal(new Set(codes).size, codes.length);
    const code = codes[0] ?? '';
    assert.equal(normaliseRecoveryCode(` ${code.toUpperCase().replaceAll('-', ' ')} `), code.replaceAll('-', ''));
  });

  it('makes distinct 256-bit tokens and hashes them with SHA-256', () => {
    const token = generateToken();

    assert.equal(Buffer.from(token, 'base64url').length, 32);
    assert.notEqual(token, generateToken());
    assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
