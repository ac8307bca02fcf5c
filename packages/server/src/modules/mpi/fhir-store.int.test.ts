import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Person } from '@medplum/fhirtypes';
import { createTestApp, type TestApp } from '../../test/create-test-app.ts';
import { buildPatient } from '../fhir/fhir-test-support.ts';
import { createPendingWrites, flushWrites, holdWrite, readLiveLocked, type StoreContext } from './fhir-store.ts';

describe('writes held for the batch writer', () => {
  let testApp: TestApp;
  before(async () => {
    testApp = await createTestApp();
  });
  after(async () => {
    await testApp.close();
  });

  async function versionsOf(tenantId: string): Promise<string[]> {
    const { rows } = await testApp.db.query<{ key: string }>(
      `SELECT resource_type || '/' || id || '/' || version_id || (CASE WHEN deleted THEN ' deleted' ELSE '' END) AS key
       FROM resource_history WHERE tenant_id = $1 ORDER BY 1`,
      [tenantId],
    );
    return rows.map((row) => row.key);
  }

  it('reads its own held writes, stores only what changed, once per resource', async () => {
    const tenantId = (await testApp.createTestTenant()).id;
    const patient = { ...buildPatient(), id: 'p-1' };
    const golden = (family: string): Person & { id: string } => ({
      resourceType: 'Person',
      id: 'g-1',
      name: [{ family }],
      link: [{ target: { reference: 'Patient/p-1' } }],
    });
    await testApp.db.transaction(async (tx) => {
      const ctx: StoreContext = { tenantId, tx, now: () => new Date('2025-03-01T12:00:00Z') };
      const pending = createPendingWrites();
      // 1. A Patient stored, then read back through the held writes: live, version 1.
      holdWrite(pending, 'Patient', 'p-1', patient);
      await flushWrites(ctx, pending);
      const keys = [
        { resourceType: 'Patient', id: 'p-1' },
        { resourceType: 'Person', id: 'g-1' },
      ];
      const stored = await readLiveLocked(ctx, pending, keys);
      assert.equal(stored.get('Patient/p-1')?.versionId, 1);
      assert.equal(stored.get('Person/g-1'), undefined);

      // 2. A Person held twice and the Patient held unchanged: reads see the latest held Person.
      holdWrite(pending, 'Person', 'g-1', golden('First'));
      holdWrite(pending, 'Person', 'g-1', golden('Second'));
      holdWrite(pending, 'Patient', 'p-1', patient);
      const held = await readLiveLocked(ctx, pending, keys);
      assert.deepEqual((held.get('Person/g-1')?.content as Person).name, [{ family: 'Second' }]);
      assert.equal(held.get('Person/g-1')?.versionId, 1);
      await flushWrites(ctx, pending);

      // 3. The Person deleted; deleting it again (now absent) stores nothing.
      holdWrite(pending, 'Person', 'g-1', undefined);
      await flushWrites(ctx, pending);
      holdWrite(pending, 'Person', 'g-1', undefined);
      await flushWrites(ctx, pending);
    });
    assert.deepEqual(await versionsOf(tenantId), ['Patient/p-1/1', 'Person/g-1/1', 'Person/g-1/2 deleted']);
    const person = await testApp.db.query<{ family: string }>(
      `SELECT content #>> '{name,0,family}' AS family FROM resource_history
       WHERE tenant_id = $1 AND resource_type = 'Person' AND version_id = 1`,
      [tenantId],
    );
    assert.equal(person.rows[0]?.family, 'Second');
  });
});
