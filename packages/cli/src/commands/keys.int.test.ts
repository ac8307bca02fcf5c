import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureTenant, importFiles, loadConfig, migrate, withConfiguredEncryption } from '@caregraph/server';
import {
  createCliTestDatabase,
  createTempDir,
  freshTenantId,
  runCli,
  type CliTestDatabase,
} from '../test/cli-harness.ts';

const kek = randomBytes(32).toString('base64');
const SSN = 'http://hl7.org/fhir/sid/us-ssn';

describe('caregraph keys rotate', () => {
  let database: CliTestDatabase;
  let files: ReturnType<typeof createTempDir>;
  const tenant = freshTenantId('keys');

  /** The key ids the tenant's stored Patient rows are sealed under. */
  async function sealingKeyIds(): Promise<string[]> {
    const db = await database.open();
    try {
      const { rows } = await db.query<{ text: string }>(
        `SELECT content::text AS text FROM resource WHERE tenant_id = $1 AND resource_type = 'Patient'`,
        [tenant],
      );
      return rows.map((row) => /"cgenc:1:([A-Za-z0-9_-]{16}):/.exec(row.text)?.[1] ?? '(plain)');
    } finally {
      await db.close();
    }
  }

  before(async () => {
    database = createCliTestDatabase('keys');
    files = createTempDir('keys-files');
    const file = path.join(files.path, 'patient.json');
    writeFileSync(
      file,
      JSON.stringify({
        resourceType: 'Bundle',
        type: 'collection',
        entry: [
          { resource: { resourceType: 'Patient', id: 'p1', identifier: [{ system: SSN, value: '900-11-2233' }] } },
        ],
      }),
    );
    // 1. Import through a database with field encryption, as the server writes.
    const raw = await database.open();
    try {
      await migrate(raw);
      await ensureTenant(raw, { id: tenant, name: tenant });
      const db = withConfiguredEncryption(raw, loadConfig({ CAREGRAPH_KEK: kek }).encryption);
      await importFiles({
        repo: { db, tenantId: tenant, baseUrl: 'http://caregraph.test/fhir/R4', now: () => new Date() },
        paths: [file],
      });
    } finally {
      await raw.close();
    }
  });

  after(() => {
    database.remove();
    files.remove();
  });

  it('adds a data key, re-seals the stored values under it and reports what it did as JSON', async () => {
    const [before] = await sealingKeyIds();
    assert.notEqual(before, '(plain)');
    const result = await runCli(['keys', 'rotate', '--tenant', tenant, '--json'], {
      ...database.env,
      CAREGRAPH_KEK: kek,
    });
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as Record<string, number>;
    assert.equal(report.tenants, 1);
    assert.equal(report.newDataKeys, 1);
    assert.equal(report.resealedRows, 2, 'the current row and its history row');
    assert.equal(report.retiredKeys, 1);
    const [afterRotation] = await sealingKeyIds();
    assert.notEqual(afterRotation, before);
    assert.notEqual(afterRotation, '(plain)');
  });

  it('fails, naming the missing KEK, when the configured one did not wrap the keys', async () => {
    const result = await runCli(['keys', 'rotate', '--tenant', tenant], {
      ...database.env,
      CAREGRAPH_KEK: randomBytes(32).toString('base64'),
    });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /wrapped by KEK [0-9a-f]{16}, which is not configured/);
  });

  it('fails without any key-encryption key', async () => {
    const result = await runCli(['keys', 'rotate'], database.env);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /no key-encryption key/);
  });
});
