import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Queryable } from '../../platform/db/index.ts';
import { openSealedRows } from './encrypted-database.ts';
import { newKeyId, sealValue, type DataKey } from './envelope.ts';
import { KeyUnavailableError, type Keyring } from './keyring.ts';

const key: DataKey = { keyId: newKeyId(), key: randomBytes(32) };

/** A keyring that knows one data key and counts how often it is asked. */
function keyringWithOneKey(): Keyring & { lookups: number } {
  const unused = () => {
    throw new Error('not used by openSealedRows');
  };
  const keyring = {
    lookups: 0,
    keks: [],
    currentKeys: unused,
    tryBlindIndexKey: unused,
    unwrap: unused,
    wrap: unused,
    dataKeys: async (_q: Queryable, keyIds: ReadonlySet<string>) => {
      keyring.lookups += 1;
      for (const keyId of keyIds) {
        if (keyId !== key.keyId) {
          throw new KeyUnavailableError(`data key ${keyId} is not stored`);
        }
      }
      return new Map([[key.keyId, key]]);
    },
  };
  return keyring;
}

const q: Queryable = {
  query: () => Promise.reject(new Error('no queries expected')),
  exec: () => Promise.reject(new Error('no queries expected')),
};

describe('opening sealed rows', () => {
  it('opens envelopes in JSON text columns and in parsed jsonb columns, with one key lookup', async () => {
    const patient = {
      resourceType: 'Patient',
      id: 'p1',
      identifier: [{ system: 'http://hl7.org/fhir/sid/us-ssn', value: sealValue(key, '123-45-6789', 'Patient/p1') }],
      contained: [{ resourceType: 'Binary', id: 'b', data: sealValue(key, 'aGVsbG8=', 'Patient/p1') }],
    };
    const binary = { resourceType: 'Binary', id: 'b2', data: sealValue(key, 'd29ybGQ=', 'Binary/b2') };
    const rows: Record<string, unknown>[] = [{ id: 'p1', text: JSON.stringify(patient) }, { content: binary }];
    const keyring = keyringWithOneKey();
    await openSealedRows(q, keyring, rows);
    const opened = JSON.parse(String(rows[0]?.text)) as typeof patient;
    assert.equal(opened.identifier[0]?.value, '123-45-6789');
    assert.equal(opened.contained[0]?.data, 'aGVsbG8=');
    assert.equal(binary.data, 'd29ybGQ=');
    assert.equal(keyring.lookups, 1);
  });

  it('leaves rows without envelopes as they are, without asking for keys', async () => {
    const text = JSON.stringify({ resourceType: 'Patient', id: 'p2', name: [{ text: 'cgenc: not an envelope' }] });
    const rows: Record<string, unknown>[] = [{ text }, { count: 3 }];
    const keyring = keyringWithOneKey();
    await openSealedRows(q, keyring, rows);
    assert.equal(rows[0]?.text, text);
    assert.equal(keyring.lookups, 0);
  });

  it('fails on a value sealed for another resource rather than returning it', async () => {
    const moved = { resourceType: 'Patient', id: 'p3', identifier: [{ value: sealValue(key, 'x', 'Patient/other') }] };
    await assert.rejects(openSealedRows(q, keyringWithOneKey(), [{ content: moved }]), /does not authenticate/);
  });
});
