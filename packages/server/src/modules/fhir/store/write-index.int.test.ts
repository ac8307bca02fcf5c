import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Resource } from '@medplum/fhirtypes';
import { createTestApp, type TestApp } from '../../../test/create-test-app.ts';
import { buildObservation, buildPatient } from '../fhir-test-support.ts';
import { extractIndexRows } from '../search/extract-index.ts';
import { syncIndexRows } from './write-index.ts';

const TENANT = 'write-index-test';

type IndexRow = { row: string; at: string };

/**
 * Every index row of one resource with its physical location (`ctid`): a row rewritten moves, a row left
 * alone keeps its place.
 */
async function indexRowsOf(testApp: TestApp, resourceType: string, id: string): Promise<IndexRow[]> {
  const { rows } = await testApp.db.query<IndexRow>(
    `SELECT row, at FROM (
       SELECT 'token ' || code || ' ' || coalesce(system, '') || '|' || coalesce(value, '') AS row, ctid::text AS at
       FROM search_token WHERE tenant_id = $1 AND resource_type = $2 AND resource_id = $3
       UNION ALL
       SELECT 'reference ' || code || ' ' || target, ctid::text FROM search_reference
       WHERE tenant_id = $1 AND resource_type = $2 AND resource_id = $3
       UNION ALL
       SELECT 'string ' || code || ' ' || value, ctid::text FROM search_string
       WHERE tenant_id = $1 AND resource_type = $2 AND resource_id = $3
       UNION ALL
       SELECT 'date ' || code || ' ' || low::text || ' ' || high::text, ctid::text FROM search_date
       WHERE tenant_id = $1 AND resource_type = $2 AND resource_id = $3
       UNION ALL
       SELECT 'quantity ' || code || ' ' || value::text || ' ' || coalesce(unit, ''), ctid::text FROM search_number
       WHERE tenant_id = $1 AND resource_type = $2 AND resource_id = $3
       UNION ALL
       SELECT 'text ' || content::text, ctid::text FROM search_text
       WHERE tenant_id = $1 AND resource_type = $2 AND resource_id = $3
     ) rows ORDER BY row`,
    [TENANT, resourceType, id],
  );
  return rows;
}

/** Syncs `resource` (or a deletion) the way the store does, inside a transaction. */
async function store(testApp: TestApp, key: { resourceType: string; id: string }, resource: Resource | undefined) {
  const hadVersion = (await indexRowsOf(testApp, key.resourceType, key.id)).length > 0;
  await testApp.db.transaction((tx) =>
    syncIndexRows(tx, TENANT, [
      { ...key, rows: resource ? extractIndexRows({ ...resource, id: key.id }) : undefined, hadVersion },
    ]),
  );
}

/** The rows a fresh index of `resource` holds: what every sync must end with. */
async function freshRows(testApp: TestApp, resource: Resource & { id: string }): Promise<string[]> {
  const probe = { resourceType: resource.resourceType, id: `${resource.id}-fresh` };
  await store(testApp, probe, resource);
  const rows = (await indexRowsOf(testApp, probe.resourceType, probe.id)).map((row) => row.row);
  await store(testApp, probe, undefined);
  return rows;
}

describe('syncing a resource version into the search index', () => {
  let testApp: TestApp;

  before(async () => {
    testApp = await createTestApp();
  });

  after(async () => {
    await testApp.close();
  });

  it('rewrites only the rows an update changed, leaving the others where they are', async () => {
    const key = { resourceType: 'Patient', id: 'sync-1' };
    const first = { ...buildPatient({ birthDate: '1961-02-03' }), id: key.id };
    await store(testApp, key, first);
    const before = await indexRowsOf(testApp, key.resourceType, key.id);
    const updated = { ...first, link: [{ other: { reference: 'Patient/sync-2' }, type: 'seealso' as const }] };
    await store(testApp, key, updated);
    const after = await indexRowsOf(testApp, key.resourceType, key.id);

    assert.deepEqual(
      after.map((row) => row.row),
      await freshRows(testApp, updated),
    );
    const placeBefore = new Map(before.map((row) => [row.row, row.at]));
    const moved = after.filter((row) => placeBefore.get(row.row) !== row.at).map((row) => row.row);
    // The new link's reference row, and the full-text row, whose words include the link.
    assert.deepEqual(
      moved.filter((row) => !row.startsWith('text ')),
      ['reference link Patient/sync-2'],
    );
    assert.ok(before.length > 10, `a patient has many index rows (${before.length})`);
  });

  it('removes rows that no longer follow from the resource, whoever wrote them', async () => {
    const key = { resourceType: 'Observation', id: 'sync-obs' };
    const observation = { ...buildObservation('sync-1'), id: key.id };
    await store(testApp, key, observation);
    // A row a former version of the extraction wrote, which the current one does not yield.
    await testApp.db.query(
      `INSERT INTO search_token (tenant_id, resource_type, resource_id, code, system, value)
       VALUES ($1, 'Observation', $2, 'retired-parameter', 'http://example.org', 'x')`,
      [TENANT, key.id],
    );
    await store(testApp, key, { ...observation, status: 'amended' });

    const rows = (await indexRowsOf(testApp, key.resourceType, key.id)).map((row) => row.row);
    assert.deepEqual(rows, await freshRows(testApp, { ...observation, status: 'amended' }));
    assert.ok(!rows.some((row) => row.includes('retired-parameter')));
    assert.ok(rows.includes('token status |amended'));
  });

  it('replaces a quantity whose value changed', async () => {
    const key = { resourceType: 'Observation', id: 'sync-quantity' };
    const observation = { ...buildObservation('sync-1'), id: key.id };
    const at = (value: number) => ({ ...observation, valueQuantity: { ...observation.valueQuantity, value } });
    await store(testApp, key, at(72.5));
    await store(testApp, key, at(72.25));
    const rows = (await indexRowsOf(testApp, key.resourceType, key.id)).map((row) => row.row);
    assert.deepEqual(rows, await freshRows(testApp, { ...at(72.25), id: 'sync-quantity' }));
    assert.ok(
      rows.some((row) => row.startsWith('quantity value-quantity 72.25 ')),
      rows.join('\n'),
    );
    assert.ok(!rows.some((row) => row.startsWith('quantity value-quantity 72.5 ')), rows.join('\n'));
  });

  it('removes every row, full text included, when the resource is deleted', async () => {
    const key = { resourceType: 'Patient', id: 'sync-deleted' };
    await store(testApp, key, { ...buildPatient(), id: key.id });
    assert.ok((await indexRowsOf(testApp, key.resourceType, key.id)).some((row) => row.row.startsWith('text ')));
    await store(testApp, key, undefined);
    assert.deepEqual(await indexRowsOf(testApp, key.resourceType, key.id), []);
  });

  it('syncs several resources in one statement, each to its own rows', async () => {
    const patient = { ...buildPatient({ birthDate: '1970-01-01' }), id: 'sync-many-p' };
    const observation = { ...buildObservation(patient.id), id: 'sync-many-o' };
    const person = {
      resourceType: 'Person' as const,
      id: 'sync-many-g',
      link: [{ target: { reference: `Patient/${patient.id}` } }],
    };
    await testApp.db.transaction((tx) =>
      syncIndexRows(
        tx,
        TENANT,
        [patient, observation, person].map((resource) => ({
          resourceType: resource.resourceType,
          id: resource.id,
          rows: extractIndexRows(resource as Resource),
          hadVersion: false,
        })),
      ),
    );
    const movedObservation = { ...observation, subject: { reference: 'Patient/sync-1' } };
    await testApp.db.transaction((tx) =>
      syncIndexRows(tx, TENANT, [
        { resourceType: 'Patient', id: patient.id, rows: undefined, hadVersion: true },
        {
          resourceType: 'Observation',
          id: observation.id,
          rows: extractIndexRows(movedObservation as Resource),
          hadVersion: true,
        },
        { resourceType: 'Person', id: person.id, rows: extractIndexRows(person as Resource), hadVersion: true },
      ]),
    );
    assert.deepEqual(await indexRowsOf(testApp, 'Patient', patient.id), []);
    assert.deepEqual(
      (await indexRowsOf(testApp, 'Observation', observation.id)).map((row) => row.row),
      await freshRows(testApp, movedObservation),
    );
    assert.deepEqual(
      (await indexRowsOf(testApp, 'Person', person.id)).map((row) => row.row),
      await freshRows(testApp, person),
    );
  });
});
