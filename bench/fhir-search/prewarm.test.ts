import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pickBufferedRelations } from './prewarm.ts';

const relation = (name: string, table: string, isIndex: boolean, bytes: number) => ({
  oid: 0,
  name,
  table,
  isIndex,
  bytes,
});

describe('pickBufferedRelations', () => {
  const relations = [
    relation('search_token', 'search_token', false, 500),
    relation('search_token_value', 'search_token', true, 300),
    relation('resource_pkey', 'resource', true, 100),
    relation('resource', 'resource', false, 400),
    relation('pg_toast.pg_toast_1', 'resource', false, 50),
    relation('search_reference_target', 'search_reference', true, 350),
  ];

  it('takes the indexes smallest first, then the resource table and its TOAST, never other heaps', () => {
    const picked = pickBufferedRelations(relations, 10_000);
    assert.deepEqual(
      picked.buffered.map((r) => r.name),
      ['resource_pkey', 'search_token_value', 'search_reference_target', 'resource', 'pg_toast.pg_toast_1'],
    );
    assert.equal(picked.bytes, 1200);
    assert.deepEqual(picked.left, []);
  });

  it('leaves what does not fit the budget to the OS cache, and still fills the budget with what does', () => {
    const picked = pickBufferedRelations(relations, 800);
    assert.deepEqual(
      picked.buffered.map((r) => r.name),
      ['resource_pkey', 'search_token_value', 'search_reference_target', 'pg_toast.pg_toast_1'],
    );
    assert.equal(picked.bytes, 800);
    assert.deepEqual(
      picked.left.map((r) => r.name),
      ['resource'],
    );
  });
});
