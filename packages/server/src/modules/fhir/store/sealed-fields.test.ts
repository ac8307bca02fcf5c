import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Patient, Resource } from '@medplum/fhirtypes';
import { isEnvelope, openValue, withFieldEncryption, type DataKey, type Keyring } from '../../encryption/index.ts';
import type { Database } from '../../../platform/db/index.ts';
import { extractIndexRows } from '../search/extract-index.ts';
import { toStoredForm } from './sealed-fields.ts';

const SSN = 'http://hl7.org/fhir/sid/us-ssn';
const dataKey: DataKey = { keyId: 'AAAAAAAAAAAAAAAA', key: randomBytes(32) };
const blindKey: DataKey = { keyId: 'BBBBBBBBBBBBBBBB', key: randomBytes(32) };

/** A database that answers nothing: the keyring below never asks it. */
const database: Database = {
  mode: 'embedded',
  hasVector: false,
  query: () => Promise.resolve({ rows: [], rowCount: 0 }),
  exec: () => Promise.resolve(),
  transaction: (work) => work(database),
  genericPlans: (work) => work(database),
  listen: () => Promise.resolve(() => Promise.resolve()),
  close: () => Promise.resolve(),
};

const keyring: Keyring = {
  keks: [],
  currentKeys: () => Promise.resolve({ data: dataKey, blindIndex: blindKey }),
  tryBlindIndexKey: () => Promise.resolve(blindKey),
  dataKeys: () => Promise.resolve(new Map([[dataKey.keyId, dataKey]])),
  unwrap: () => dataKey.key,
  wrap: () => {
    throw new Error('not used');
  },
};

function sealedDatabase(policy: { sealsNotes: boolean }): Database {
  return withFieldEncryption(database, {
    keyring,
    policy: { identifierSystems: new Set([SSN]), sealsAttachments: true, ...policy },
  });
}

async function store(resource: Resource, sealsNotes = false) {
  const ctx = { tenantId: 't1', tx: sealedDatabase({ sealsNotes }) };
  const form = await toStoredForm(ctx, resource, extractIndexRows(resource));
  return { ...form, stored: JSON.parse(form.json) as Record<string, unknown> };
}

describe('sealing a version for storage', () => {
  it('seals identifiers of sealed systems only, anywhere in the resource, under the resource as context', async () => {
    const patient: Patient = {
      resourceType: 'Patient',
      id: 'p1',
      identifier: [
        { system: 'urn:mrn', value: 'MRN-1' },
        { system: SSN, value: '123-45-6789' },
      ],
      generalPractitioner: [{ identifier: { system: SSN, value: '987-65-4321' } }],
    };
    const { stored } = await store(patient);
    const [mrn, ssn] = stored.identifier as Array<{ value: string }>;
    assert.equal(mrn?.value, 'MRN-1');
    assert.ok(isEnvelope(ssn?.value ?? ''));
    assert.equal(openValue(dataKey, ssn?.value ?? '', 'Patient/p1'), '123-45-6789');
    const [practitioner] = stored.generalPractitioner as Array<{ identifier: { value: string } }>;
    assert.equal(openValue(dataKey, practitioner?.identifier.value ?? '', 'Patient/p1'), '987-65-4321');
    // The caller's resource keeps its plaintext.
    assert.equal(patient.identifier?.[1]?.value, '123-45-6789');
  });

  it('puts blind tokens in the token index and leaves the sealed values out of the full-text index', async () => {
    const { rows } = await store({
      resourceType: 'Patient',
      id: 'p2',
      identifier: [
        {
          system: SSN,
          value: '123-45-6789',
          type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'SS' }] },
        },
      ],
    });
    const values = rows.token.filter((row) => row.code.startsWith('identifier')).map((row) => row.value);
    assert.equal(values.length, 2);
    assert.match(values[0] ?? '', /^cgbi:/);
    assert.match(values[1] ?? '', /^SS\|cgbi:/);
    assert.ok(!rows.text?.content.includes('123'));
  });

  it('seals attachment data in nested and contained resources, and notes only when configured', async () => {
    const resource = {
      resourceType: 'Observation',
      id: 'o1',
      status: 'final',
      code: { text: 'x' },
      note: [{ text: 'private remark' }],
      contained: [{ resourceType: 'Binary', id: 'b', contentType: 'text/plain', data: 'aGk=' }],
    } as Resource;
    const plain = await store(resource);
    assert.equal((plain.stored.note as Array<{ text: string }>)[0]?.text, 'private remark');
    assert.ok(isEnvelope((plain.stored.contained as Array<{ data: string }>)[0]?.data ?? ''));
    const sealed = await store(resource, true);
    assert.ok(isEnvelope((sealed.stored.note as Array<{ text: string }>)[0]?.text ?? ''));
  });

  it('stores a resource with nothing to seal exactly as given', async () => {
    const patient: Patient = { resourceType: 'Patient', id: 'p3', identifier: [{ system: 'urn:mrn', value: 'M' }] };
    const { json } = await store(patient);
    assert.equal(json, JSON.stringify(patient));
  });
});
