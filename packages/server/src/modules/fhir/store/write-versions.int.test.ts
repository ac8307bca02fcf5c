import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Resource } from '@medplum/fhirtypes';
import { createTestApp, type TestApp } from '../../../test/create-test-app.ts';
import { testDatabaseMode } from '../../../test/test-database.ts';
import { snapshotJourney } from '../../journey/projection/journey-test-support.ts';
import { buildObservation, buildPatient } from '../fhir-test-support.ts';
import type { StoreContext } from './context.ts';
import { ConcurrentWriteError, tryReadCurrent, writeVersion, type WriteMethod } from './resource-rows.ts';
import { readCurrentVersions, writeVersions } from './write-versions.ts';

type Change = { resource: Resource & { id: string } } | { deleted: { resourceType: string; id: string } };

const withId = (resource: Resource, id: string): Resource & { id: string } => ({ ...resource, id });

const person = (links: string[]): Resource & { id: string } => ({
  resourceType: 'Person',
  id: 'g-1',
  active: true,
  link: links.map((id) => ({ target: { reference: `Patient/${id}` } })),
});

// 1. Two people, a dated Observation (on the timeline), one undated (off it) and a Person linking both.
const FIRST: Change[] = [
  { resource: withId(buildPatient({ name: [{ family: 'Arden', given: ['Ruth'] }], birthDate: '1961-02-03' }), 'p-1') },
  { resource: withId(buildPatient({ name: [{ family: 'Quist', given: ['Tomas'] }], birthDate: '1999-10-12' }), 'p-2') },
  { resource: withId(buildObservation('p-1', { effectiveDateTime: '2024-01-05T10:00:00Z' }), 'o-1') },
  { resource: withId(buildObservation('p-2', { effectiveDateTime: undefined }), 'o-2') },
  { resource: person(['p-1', 'p-2']) },
];
// 2. The Person loses a member, the dated Observation moves to the other patient, the other is deleted.
const SECOND: Change[] = [
  { resource: person(['p-1']) },
  { resource: withId(buildObservation('p-2', { effectiveDateTime: '2024-02-05T10:00:00Z' }), 'o-1') },
  { deleted: { resourceType: 'Observation', id: 'o-2' } },
];

const keyOf = (change: Change) =>
  'resource' in change
    ? { resourceType: change.resource.resourceType, id: change.resource.id }
    : { resourceType: change.deleted.resourceType, id: change.deleted.id };
const methodOf = (change: Change, isNew: boolean): WriteMethod =>
  'deleted' in change ? 'DELETE' : isNew ? 'POST' : 'PUT';

/** Everything a tenant's writes left behind, without what differs by clock or tenant. */
async function snapshotTenant(testApp: TestApp, tenantId: string) {
  const current = await testApp.db.query<{ key: string; version_id: number; deleted: boolean; content: unknown }>(
    `SELECT resource_type || '/' || id AS key, version_id, deleted, content #- '{meta,lastUpdated}' AS content
     FROM resource WHERE tenant_id = $1 ORDER BY 1`,
    [tenantId],
  );
  const history = await testApp.db.query<{ key: string }>(
    `SELECT resource_type || '/' || id || '/' || version_id || ' ' || method || ' ' || deleted AS key
     FROM resource_history WHERE tenant_id = $1 ORDER BY 1`,
    [tenantId],
  );
  const index = await testApp.db.query<{ key: string }>(
    `SELECT row FROM (
       SELECT 'token ' || resource_type || '/' || resource_id || ' ' || code || ' ' || coalesce(system, '') || '|' || coalesce(value, '') AS row
       FROM search_token WHERE tenant_id = $1
       UNION ALL
       SELECT 'reference ' || resource_type || '/' || resource_id || ' ' || code || ' ' || target FROM search_reference WHERE tenant_id = $1
       UNION ALL
       SELECT 'string ' || resource_type || '/' || resource_id || ' ' || code || ' ' || value FROM search_string WHERE tenant_id = $1
       UNION ALL
       SELECT 'date ' || resource_type || '/' || resource_id || ' ' || code || ' ' || low::text FROM search_date WHERE tenant_id = $1
     ) rows ORDER BY 1`,
    [tenantId],
  );
  const audit = await testApp.db.query<{ content: string }>('SELECT content FROM audit_entry ORDER BY seq');
  const entries = audit.rows
    .map(
      (row) =>
        JSON.parse(row.content) as { tenant: string; interaction: string; entities: string[]; patients: string[] },
    )
    // The tenant's resource writes (setting it up wrote other entries: a client, a token).
    .filter((entry) => entry.tenant === tenantId && ['create', 'update', 'delete'].includes(entry.interaction))
    .map((entry) => `${entry.interaction} ${entry.entities.join(',')} patients ${entry.patients.join(',')}`)
    .sort();
  return {
    current: current.rows,
    history: history.rows,
    index: index.rows,
    audit: entries,
    journey: await snapshotJourney(testApp.db, tenantId),
  };
}

describe('writing many versions at once', () => {
  let testApp: TestApp;
  before(async () => {
    testApp = await createTestApp();
  });
  after(async () => {
    await testApp.close();
  });

  const contextOf = (tenantId: string, tx: StoreContext['tx']): StoreContext => ({
    tenantId,
    tx,
    now: () => new Date('2025-03-01T12:00:00Z'),
  });

  it('stores exactly what writing each version on its own stores: rows, history, index, audit and journeys', async () => {
    const one = (await testApp.createTestTenant()).id;
    const many = (await testApp.createTestTenant()).id;
    for (const round of [FIRST, SECOND]) {
      // 1. One tenant: each version through writeVersion, one after another.
      await testApp.db.transaction(async (tx) => {
        const ctx = contextOf(one, tx);
        for (const change of round) {
          const { resourceType, id } = keyOf(change);
          const previous = await tryReadCurrent(ctx, resourceType, id, true);
          const resource = 'resource' in change ? change.resource : undefined;
          await writeVersion(ctx, { resourceType, id, resource, previous, method: methodOf(change, !previous) });
        }
      });
      // 2. The other: the same versions through writeVersions, in one call.
      await testApp.db.transaction(async (tx) => {
        const ctx = contextOf(many, tx);
        const keys = round.map(keyOf);
        const previous = await readCurrentVersions(ctx, keys, true);
        await writeVersions(
          ctx,
          round.map((change) => {
            const { resourceType, id } = keyOf(change);
            const before = previous.get(`${resourceType}/${id}`);
            const resource = 'resource' in change ? change.resource : undefined;
            return { resourceType, id, resource, previous: before, method: methodOf(change, !before) };
          }),
        );
      });
    }
    const expected = await snapshotTenant(testApp, one);
    const actual = await snapshotTenant(testApp, many);
    assert.equal(expected.audit.length, 8);
    assert.ok(expected.journey.nodes.length > 0 && expected.index.length > 0);
    assert.deepEqual(actual, expected);
  });

  it('refuses the whole batch, storing nothing, when a resource changed since its version was read', async () => {
    const tenantId = (await testApp.createTestTenant()).id;
    const patient = withId(buildPatient({ name: [{ family: 'Arden', given: ['Ruth'] }] }), 'p-1');
    await testApp.db.transaction((tx) =>
      writeVersions(contextOf(tenantId, tx), [
        { resourceType: 'Patient', id: 'p-1', resource: patient, previous: undefined, method: 'POST' },
      ]),
    );
    await assert.rejects(
      testApp.db.transaction((tx) =>
        writeVersions(contextOf(tenantId, tx), [
          { resourceType: 'Person', id: 'g-1', resource: person(['p-1']), previous: undefined, method: 'POST' },
          {
            resourceType: 'Patient',
            id: 'p-1',
            resource: { ...patient, resourceType: 'Patient', active: false } as Resource,
            previous: undefined,
            method: 'POST',
          },
        ]),
      ),
      ConcurrentWriteError,
    );
    const stored = await testApp.db.query<{ key: string }>(
      `SELECT resource_type || '/' || id || '/' || version_id AS key FROM resource WHERE tenant_id = $1`,
      [tenantId],
    );
    assert.deepEqual(
      stored.rows.map((row) => row.key),
      ['Patient/p-1/1'],
    );
  });

  it(
    "runs a few resources' statements with their generic plan, and plans a large batch for its size",
    { skip: testDatabaseMode() !== 'postgres' && 'PostgreSQL only: PGlite does not prepare statements' },
    async () => {
      const tenantId = (await testApp.createTestTenant()).id;
      const plans = async (tx: StoreContext['tx']) => {
        const { rows } = await tx.query<{ generic_plans: string; custom_plans: string }>(
          "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'fhir-write-versions'",
        );
        return { generic: Number(rows[0]?.generic_plans ?? 0), custom: Number(rows[0]?.custom_plans ?? 0) };
      };
      const create = (ids: string[]) =>
        ids.map((id) => ({
          resourceType: 'Patient',
          id,
          resource: withId(buildPatient({ name: [{ family: 'Arden', given: ['Ruth'] }] }), id),
          previous: undefined,
          method: 'POST' as const,
        }));
      const counted = await testApp.db.transaction(async (tx) => {
        const ctx = contextOf(tenantId, tx);
        const before = await plans(tx);
        await writeVersions(ctx, create(['few-1', 'few-2']));
        const afterFew = await plans(tx);
        await writeVersions(ctx, create(Array.from({ length: 300 }, (_, index) => `many-${index}`)));
        return { before, afterFew, afterMany: await plans(tx) };
      });
      // Prepared statements live as long as the pooled connection: count what these two writes added.
      assert.deepEqual(
        {
          few: {
            generic: counted.afterFew.generic - counted.before.generic,
            custom: counted.afterFew.custom - counted.before.custom,
          },
          many: {
            generic: counted.afterMany.generic - counted.afterFew.generic,
            custom: counted.afterMany.custom - counted.afterFew.custom,
          },
        },
        { few: { generic: 1, custom: 0 }, many: { generic: 0, custom: 1 } },
      );
      const stored = await testApp.db.query<{ count: number }>(
        'SELECT count(*)::int AS count FROM resource WHERE tenant_id = $1',
        [tenantId],
      );
      assert.equal(stored.rows[0]?.count, 302);
    },
  );
});
