import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createTempDir } from '../../../test/temp-dir.ts';
import { SsoError } from './errors.ts';
import { createSecretBox, GENERATED_SECRET_KEY_FILE } from './secret-box.ts';

const key = () => randomBytes(32).toString('base64');

describe('client secret sealing', () => {
  it('opens what it sealed for the same row, and a fresh nonce makes each sealing differ', () => {
    const box = createSecretBox({ key: key(), dataDir: '/nonexistent' });

    const first = box.seal('s3cret', 'identity-provider:t-1:a');
    const second = box.seal('s3cret', 'identity-provider:t-1:a');

    assert.notEqual(first, second);
    assert.equal(box.open(first, 'identity-provider:t-1:a'), 's3cret');
    assert.ok(!first.includes('s3cret'));
  });

  it('refuses a sealed secret moved to another row, altered, or sealed under another key', () => {
    const configured = key();
    const box = createSecretBox({ key: configured, dataDir: '/nonexistent' });
    const sealed = box.seal('s3cret', 'identity-provider:t-1:a');
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3] ?? '', 'base64url');
    body[0] = (body[0] ?? 0) ^ 1;
    const altered = [...parts.slice(0, 3), body.toString('base64url')].join('.');

    const refusals = [
      () => box.open(sealed, 'identity-provider:t-2:a'),
      () => box.open(altered, 'identity-provider:t-1:a'),
      () => createSecretBox({ key: key(), dataDir: '/nonexistent' }).open(sealed, 'identity-provider:t-1:a'),
    ];
    for (const refusal of refusals) {
      assert.throws(refusal, (error: unknown) => error instanceof SsoError && error.code === 'SSO_SECRET_UNREADABLE');
    }
  });

  it('generates a key file readable by its owner only when none is configured, and keeps using it', () => {
    const dir = createTempDir('identity-provider-key');
    try {
      const sealed = createSecretBox({ key: undefined, dataDir: dir.path }).seal('s3cret', 'row');
      const file = path.join(dir.path, GENERATED_SECRET_KEY_FILE);

      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.equal(Buffer.from(readFileSync(file, 'utf8'), 'base64').length, 32);
      assert.equal(createSecretBox({ key: undefined, dataDir: dir.path }).open(sealed, 'row'), 's3cret');
    } finally {
      dir.remove();
    }
  });
});
