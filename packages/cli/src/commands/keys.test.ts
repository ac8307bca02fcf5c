import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatRotateProgress, formatRotateSummary } from './keys.ts';

describe('keys rotate output', () => {
  it('summarises a rotation in one line with counts and the KEK id', () => {
    const summary = formatRotateSummary(
      { tenants: 2, newDataKeys: 2, rewrappedKeys: 1, resealedRows: 1234, retiredKeys: 2, kekId: '0123456789abcdef' },
      3.21,
    );
    assert.equal(
      summary,
      'rotated 2 tenants: 2 new data keys, 1 key re-wrapped under KEK 0123456789abcdef, 1,234 rows re-sealed, 2 old keys retired in 3.2 s',
    );
  });

  it('names the tenant and table in progress lines', () => {
    assert.equal(
      formatRotateProgress({ tenantId: 'demo', phase: 'reseal', table: 'resource_history', resealed: 1 }),
      're-sealing demo resource_history: 1 row',
    );
  });
});
