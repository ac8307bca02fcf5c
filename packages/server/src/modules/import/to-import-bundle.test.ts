import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Bundle, BundleEntry, Patient } from '@caregraph/core/fhir';
import { toEntry, toIdempotentEntry, toImportBundle } from './to-import-bundle.ts';

const patient = (id?: string): Patient => ({ resourceType: 'Patient', ...(id ? { id } : {}), gender: 'female' });

describe('toIdempotentEntry', () => {
  it('turns a create of a resource with an id into an update of that id', () => {
    const entry: BundleEntry = {
      fullUrl: 'urn:uuid:1',
      resource: patient('p-1'),
      request: { method: 'POST', url: 'Patient' },
    };

    assert.deepEqual(toIdempotentEntry(entry), {
      fullUrl: 'urn:uuid:1',
      resource: patient('p-1'),
      request: { method: 'PUT', url: 'Patient/p-1' },
    });
  });

  it('leaves a conditional create alone, since ifNoneExist already makes it idempotent', () => {
    const entry: BundleEntry = {
      resource: patient('p-1'),
      request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=urn:x|1' },
    };

    assert.equal(toIdempotentEntry(entry), entry);
  });

  it('leaves updates, deletes and reads as they are', () => {
    for (const method of ['PUT', 'DELETE', 'GET', 'PATCH'] as const) {
      const entry: BundleEntry = { resource: patient('p-1'), request: { method, url: 'Patient/other' } };
      assert.equal(toIdempotentEntry(entry), entry, method);
    }
  });

  it('leaves a create without an id as a create, for the server to assign one', () => {
    const entry: BundleEntry = { resource: patient(), request: { method: 'POST', url: 'Patient' } };

    assert.equal(toIdempotentEntry(entry), entry);
  });

  it('keeps a create when the id is not a valid FHIR id and so cannot be a PUT target', () => {
    for (const id of ['has space', 'under_score', 'x'.repeat(65), 'slash/inside']) {
      const entry: BundleEntry = { resource: patient(id), request: { method: 'POST', url: 'Patient' } };
      assert.equal(toIdempotentEntry(entry), entry, id);
    }
  });

  it('gives an entry without a request an update by id', () => {
    assert.deepEqual(toIdempotentEntry({ resource: patient('p-2') }).request, { method: 'PUT', url: 'Patient/p-2' });
  });
});

describe('toEntry', () => {
  it('makes an update by id of a resource that has one, and a create of one that has none', () => {
    assert.deepEqual(toEntry(patient('p-3')).request, { method: 'PUT', url: 'Patient/p-3' });
    assert.deepEqual(toEntry(patient()).request, { method: 'POST', url: 'Patient' });
  });
});

describe('toImportBundle', () => {
  it('keeps a transaction a transaction, entry for entry, so it stays all-or-nothing and errors keep their index', () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:a', resource: patient('a'), request: { method: 'POST', url: 'Patient' } },
        { request: { method: 'DELETE', url: 'Patient/gone' } },
        { resource: patient(), request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=x|1' } },
      ],
    };

    const result = toImportBundle(bundle);

    assert.equal(result.type, 'transaction');
    assert.deepEqual(
      result.entry?.map((entry) => entry.request),
      [
        { method: 'PUT', url: 'Patient/a' },
        { method: 'DELETE', url: 'Patient/gone' },
        { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=x|1' },
      ],
    );
    assert.equal(result.entry?.[0]?.fullUrl, 'urn:uuid:a');
  });

  it('keeps a batch a batch, so its entries succeed or fail one by one', () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [{ resource: patient('b'), request: { method: 'POST', url: 'Patient' } }],
    };

    const result = toImportBundle(bundle);

    assert.equal(result.type, 'batch');
    assert.deepEqual(result.entry?.[0]?.request, { method: 'PUT', url: 'Patient/b' });
  });

  it('imports a collection Bundle as a transaction of its resources, keeping their fullUrls for references', () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { fullUrl: 'urn:uuid:c', resource: patient('c') },
        { resource: patient() },
        { fullUrl: 'urn:uuid:empty' },
      ],
    };

    const result = toImportBundle(bundle);

    assert.equal(result.type, 'transaction');
    assert.deepEqual(result.entry, [
      { fullUrl: 'urn:uuid:c', resource: patient('c'), request: { method: 'PUT', url: 'Patient/c' } },
      { resource: patient(), request: { method: 'POST', url: 'Patient' } },
    ]);
  });

  it('imports a single resource as a one-entry transaction', () => {
    assert.deepEqual(toImportBundle(patient('solo')), {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: patient('solo'), request: { method: 'PUT', url: 'Patient/solo' } }],
    });
  });

  it('imports a Bundle with no entries as an empty transaction', () => {
    assert.deepEqual(toImportBundle({ resourceType: 'Bundle', type: 'transaction' }).entry, []);
    assert.deepEqual(toImportBundle({ resourceType: 'Bundle', type: 'searchset' }).entry, []);
  });
});
