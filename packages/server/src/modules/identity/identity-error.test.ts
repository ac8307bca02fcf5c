import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { IDENTITY_ERROR_STATUS, IdentityError, type IdentityErrorCode } from './identity-error.ts';

const readme = readFileSync(path.resolve(import.meta.dirname, '../../../../../README.md'), 'utf8');
const section = readme.slice(
  readme.indexOf('## Users and sign-in'),
  readme.indexOf('\n## ', readme.indexOf('## Users and sign-in') + 1),
);

describe('identity error codes', () => {
  it('documents every code with its status in the README', () => {
    for (const [code, status] of Object.entries(IDENTITY_ERROR_STATUS)) {
      assert.match(section, new RegExp(`\\| \`${code}\` \\| ${status} \\|`), `${code} is not documented`);
    }
  });

  it('documents no code that does not exist', () => {
    const documented = [...section.matchAll(/\| `(ID_[A-Z_]+)` \|/g)].map((match) => match[1]);

    assert.deepEqual(documented.sort(), Object.keys(IDENTITY_ERROR_STATUS).sort());
  });

  it('carries its status and Retry-After', () => {
    const error = new IdentityError('ID_THROTTLED' satisfies IdentityErrorCode, 'Too many failed sign-in attempts', 8);

    assert.deepEqual([error.statusCode, error.code, error.retryAfterSeconds], [429, 'ID_THROTTLED', 8]);
  });
});
