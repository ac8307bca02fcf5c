import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hcpcsVersionOf } from './hcpcs.ts';

describe('hcpcsVersionOf', () => {
  it('reads the year and quarter month from CMS and shipped file names', () => {
    assert.equal(hcpcsVersionOf('HCPC2025_OCT_ANWEB.txt'), '2025-10');
    assert.equal(hcpcsVersionOf('HCPC2026_JAN_ANWEB_v2.txt'), '2026-01');
    assert.equal(hcpcsVersionOf('hcpcs-level2-2025-oct.tsv'), '2025-10');
    assert.equal(hcpcsVersionOf('hcpcs-2024.tsv'), '2024');
    assert.equal(hcpcsVersionOf('codes.tsv'), undefined);
  });
});
