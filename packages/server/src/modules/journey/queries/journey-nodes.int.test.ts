import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../../../platform/db/index.ts';
import { openTestDatabase } from '../../../test/test-database.ts';
import { readEdgesAmong, readNodes } from './journey-nodes.ts';

// Journey rows written directly (a chain Observation/0 → 1 → … with `derived-from`, plus `next`),
// to check the edge reads on answers of every size without writing thousands of resources.
describe('reading the edges among journey nodes', () => {
  let db: Database;
  const scope = { tenantId: `t-${randomBytes(6).toString('hex')}`, patientId: 'p1' };
  const NODES = 1500;

  before(async () => {
    db = await openTestDatabase();
    await db.query(
      `INSERT INTO journey_node (tenant_id, patient_id, resource_type, resource_id, start_time, label)
       SELECT $1, $2, 'Observation', i::text, timestamptz '2024-01-01' + i * interval '1 hour', 'Heart rate'
       FROM generate_series(0, $3 - 1) AS i`,
      [scope.tenantId, scope.patientId, NODES],
    );
    await db.query(
      `INSERT INTO journey_edge (tenant_id, patient_id, from_type, from_id, relation, to_type, to_id)
       SELECT $1, $2, 'Observation', (i + 1)::text, r.relation, 'Observation', i::text
       FROM generate_series(0, $3 - 2) AS i, (VALUES ('derived-from'), ('next')) AS r(relation)`,
      [scope.tenantId, scope.patientId, NODES],
    );
  });

  after(() => db.close());

  const refs = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, index) => `Observation/${from + index}`);

  for (const size of [10, 600, 1200]) {
    it(`keeps only the edges whose two ends are in an answer of ${size} nodes`, async () => {
      const answer = refs(100, 100 + size);

      const edges = await readEdgesAmong(db, scope, answer);
      const clinical = await readEdgesAmong(db, scope, answer, 'all-but-next');
      const onlyNext = await readEdgesAmong(db, scope, answer, ['next']);

      // The edge from the first node of the answer leads out of it; every other node's edge stays.
      assert.equal(edges.length, 2 * (size - 1));
      assert.equal(clinical.length, size - 1);
      assert.ok(clinical.every((edge) => edge.relation === 'derived-from'));
      assert.equal(onlyNext.length, size - 1);
      assert.deepEqual(
        clinical.find((edge) => edge.from === 'Observation/101'),
        { from: 'Observation/101', to: 'Observation/100', relation: 'derived-from' },
      );
    });
  }

  it('reads nodes in the order asked, leaving out references that are not nodes', async () => {
    const nodes = await readNodes(db, scope, ['Observation/7', 'Observation/missing', 'Observation/3']);

    assert.deepEqual(
      nodes.map((node) => [node.ref, node.time]),
      [
        ['Observation/7', '2024-01-01T07:00:00.000Z'],
        ['Observation/3', '2024-01-01T03:00:00.000Z'],
      ],
    );
  });
});
