import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENTRY_KEYS, encodeEntry, hashEntry, leafData, tryParseEntry, type AuditEntry } from './audit-entry.ts';
import { canonicalJson } from './canonical-json.ts';

const ENTRY: AuditEntry = {
  v: 1,
  id: '3f1c2a4e-0000-4000-8000-000000000001',
  tenant: 'clinic',
  recorded: '2024-03-01T10:00:00.000Z',
  type: 'rest',
  interaction: 'read',
  action: 'R',
  outcome: '0',
  agent: { kind: 'api-key', name: 'front-desk', roles: ['admin'], address: '127.0.0.1' },
  entities: ['Patient/p1'],
  patients: ['p1'],
};

describe('canonical JSON', () => {
  it('sorts keys by UTF-16 code units at every depth and writes no whitespace', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [true, null], c: 'x' }, B: 'é' }),
      '{"B":"é","a":{"c":"x","d":[true,null]},"b":1}',
    );
  });

  it('gives the same text whatever order the keys were written in', () => {
    const reordered = Object.fromEntries(Object.entries(ENTRY).reverse()) as AuditEntry;
    assert.equal(encodeEntry(reordered), encodeEntry(ENTRY));
    assert.equal(
      encodeEntry(ENTRY),
      '{"action":"R","agent":{"address":"127.0.0.1","kind":"api-key","name":"front-desk","roles":["admin"]},"entities":["Patient/p1"],"id":"3f1c2a4e-0000-4000-8000-000000000001","interaction":"read","outcome":"0","patients":["p1"],"recorded":"2024-03-01T10:00:00.000Z","tenant":"clinic","type":"rest","v":1}',
    );
  });

  it('writes every kind of entry exactly as canonicalJson does, whichever members it has', () => {
    const full: AuditEntry = {
      ...ENTRY,
      tenant: null,
      type: 'security',
      interaction: 'user.roles-changed',
      outcome: '4',
      agent: { kind: 'user', name: 'ü "quoted" \\ \n', roles: ['b', 'a'] },
      purpose: { code: 'BTG', reason: 'emergency: 🚑 \u2028' },
      query: ['_count', 'subject'],
      detail: '$everything',
      request: 'req-1',
      failure: '404 not-found',
      entities: [],
      patients: ['p1', 'p2'],
    };
    assert.deepEqual(Object.keys(full).sort(), [...ENTRY_KEYS].sort());
    const variants: AuditEntry[] = [
      ENTRY,
      full,
      { ...full, purpose: { code: 'TREAT' } },
      { ...ENTRY, agent: { kind: 'system', name: 'caregraph', roles: [] } },
    ];
    for (const entry of variants) {
      assert.equal(encodeEntry(entry), canonicalJson(entry));
    }
  });

  it('refuses values it could not write the RFC 8785 way', () => {
    assert.throws(() => canonicalJson(1.5), TypeError);
    assert.throws(() => canonicalJson({ a: undefined } as never), TypeError);
  });
});

describe('audit leaves', () => {
  it('hash the leaf index before the entry, so an entry moved to another index hashes differently', () => {
    const content = encodeEntry(ENTRY);
    assert.deepEqual(leafData(1, content).subarray(0, 8), Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]));
    assert.equal(leafData(1, content).subarray(8).toString('utf8'), content);
    assert.notDeepEqual(hashEntry(1, content), hashEntry(2, content));
  });

  it('parse back only what is shaped like an entry', () => {
    assert.deepEqual(tryParseEntry(encodeEntry(ENTRY)), ENTRY);
    assert.equal(tryParseEntry('{"v":1}'), undefined);
    assert.equal(tryParseEntry('not json'), undefined);
  });
});
