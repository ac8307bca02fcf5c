import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createCliTestDatabase,
  createTempDir,
  freshTenantId,
  runCli,
  type CliTestDatabase,
} from '../test/cli-harness.ts';
import { copyFilesTo, patientBundlesBySize } from '../test/synthea.ts';

type Counts = { patients: number; nodes: number; edges: number };

describe('caregraph journey rebuild', () => {
  let database: CliTestDatabase;
  let files: ReturnType<typeof createTempDir>;
  const tenant = freshTenantId('journey');

  /** What the tenant's journey tables hold, read once the CLI has finished. */
  async function countJourney(): Promise<Counts> {
    const db = await database.open();
    try {
      const { rows } = await db.query<{ patients: string; nodes: string; edges: string }>(
        `SELECT (SELECT count(DISTINCT patient_id) FROM journey_node WHERE tenant_id = $1) AS patients,
                (SELECT count(*) FROM journey_node WHERE tenant_id = $1) AS nodes,
                (SELECT count(*) FROM journey_edge WHERE tenant_id = $1) AS edges`,
        [tenant],
      );
      const row = rows[0];
      return { patients: Number(row?.patients), nodes: Number(row?.nodes), edges: Number(row?.edges) };
    } finally {
      await db.close();
    }
  }

  before(async () => {
    database = createCliTestDatabase('journey');
    files = createTempDir('journey-files');
    const bundles = copyFilesTo(patientBundlesBySize(2), files.path);
    const imported = await runCli(['import', '--tenant', tenant, '--no-progress', ...bundles], database.env);
    assert.equal(imported.code, 0, imported.stderr);
  });

  after(() => {
    database.remove();
    files.remove();
  });

  it('recomputes a tenant: the same graph the imports maintained, with a summary line and progress on stderr', async () => {
    const maintained = await countJourney();
    assert.equal(maintained.patients, 2);

    const result = await runCli(['journey', 'rebuild', '--tenant', tenant], database.env);

    assert.equal(result.code, 0, result.stderr);
    // Not a terminal: one line as the tenant starts.
    assert.match(result.stderr, new RegExp(`^rebuilding ${tenant}: \\d+ resources\\n$`));
    assert.match(
      result.stdout,
      new RegExp(
        `^rebuilt the journeys of 2 patients: ${maintained.nodes.toLocaleString('en-US')} nodes, ${maintained.edges.toLocaleString('en-US')} edges in \\d+\\.\\d s\\n$`,
      ),
    );
    assert.deepEqual(await countJourney(), maintained);
  });

  it('restores a lost graph and reports it as JSON', async () => {
    const maintained = await countJourney();
    const db = await database.open();
    try {
      await db.query('DELETE FROM journey_edge WHERE tenant_id = $1', [tenant]);
      await db.query('DELETE FROM journey_node WHERE tenant_id = $1', [tenant]);
    } finally {
      await db.close();
    }

    const result = await runCli(['journey', 'rebuild', '--tenant', tenant, '--json'], database.env);

    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const report = JSON.parse(result.stdout) as Counts & { seconds: number };
    assert.deepEqual({ patients: report.patients, nodes: report.nodes, edges: report.edges }, maintained);
    assert.equal(typeof report.seconds, 'number');
    assert.deepEqual(await countJourney(), maintained);
  });

  it('exits 1 for a tenant that does not exist or is not a tenant id', async () => {
    const missing = await runCli(['journey', 'rebuild', '--tenant', 'no-such-tenant'], database.env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no tenant "no-such-tenant"/);

    const invalid = await runCli(['journey', 'rebuild', '--tenant', 'Not_A_Tenant'], database.env);
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /invalid tenant id "Not_A_Tenant"/);
  });
});
