import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { MPI_ERRORS } from './errors.ts';

describe('MPI error codes', () => {
  it('documents every code with its status in the README', () => {
    const readme = readFileSync(path.resolve(import.meta.dirname, '../../../../../README.md'), 'utf8').replace(
      /\s+/g,
      ' ',
    );
    for (const [code, status] of Object.entries(MPI_ERRORS)) {
      assert.ok(readme.includes(`\`${code}\` ${status}`), `${code} ${status} is in the README`);
    }
  });
});
