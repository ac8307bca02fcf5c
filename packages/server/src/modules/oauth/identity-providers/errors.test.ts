import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SSO_ERROR_STATUS } from './errors.ts';

const docs = readFileSync(path.resolve(import.meta.dirname, '../../../../../../docs/identity-providers.md'), 'utf8');

describe('identity provider error codes', () => {
  it('documents every code with its status', () => {
    for (const [code, status] of Object.entries(SSO_ERROR_STATUS)) {
      assert.match(docs, new RegExp(`\\| \`${code}\` \\| ${status} \\|`), `${code} is not documented`);
    }
  });

  it('documents no code that does not exist', () => {
    const documented = [...docs.matchAll(/\| `(SSO_[A-Z_]+)` \|/g)].map((match) => match[1]);

    assert.deepEqual(documented.sort(), Object.keys(SSO_ERROR_STATUS).sort());
  });
});
