import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase, type Database } from '@caregraph/server';
import { createTempDir, freshTenantId, runCli, testDatabaseMode } from '../test/cli-harness.ts';
import { copyFilesTo, patientBundlesBySize } from '../test/synthea.ts';

/** A database of its own: the audit log is global to a database, and this test tampers with it. */
type IsolatedDatabase = { env: Record<string, string>; open: () => Promise<Database>; remove: () => Promise<void> };

async function createIsolatedDatabase(dir: string): Promise<IsolatedDatabase> {
  const dataDir = path.join(dir, 'data');
  if (testDatabaseMode() === 'embedded') {
    return {
      env: { CAREGRAPH_DATA_DIR: dataDir },
      open: () => openDatabase({ databaseUrl: undefined, dataDir, databasePoolSize: 1 }),
      remove: async () => {},
    };
  }
  const url = new URL(process.env.TEST_DATABASE_URL ?? '');
  const name = `caregraph_audit_${freshTenantId('db').replace(/-/g, '_')}`;
  const admin = await openDatabase({ databaseUrl: url.href, dataDir, databasePoolSize: 1 });
  await admin.query(`CREATE DATABASE ${name}`);
  const target = new URL(url.href);
  target.pathname = `/${name}`;
  return {
    env: { CAREGRAPH_DATA_DIR: dataDir, DATABASE_URL: target.href },
    open: () => openDatabase({ databaseUrl: target.href, dataDir, databasePoolSize: 1 }),
    async remove() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.close();
    },
  };
}

describe('caregraph audit', () => {
  const dir = createTempDir('audit-cli');
  let database: IsolatedDatabase;
  const exportFile = path.join(dir.path, 'audit.ndjson');

  /** Runs SQL on the database while no CLI process has it open, append-only triggers off. */
  async function tamper(sql: string, params: unknown[]): Promise<void> {
    const db: Database = await database.open();
    try {
      await db.transaction(async (tx) => {
        await tx.query('ALTER TABLE audit_entry DISABLE TRIGGER USER');
        await tx.query(sql, params);
        await tx.query('ALTER TABLE audit_entry ENABLE TRIGGER USER');
      });
    } finally {
      await db.close();
    }
  }

  before(async () => {
    database = await createIsolatedDatabase(dir.path);
    // 1. An import writes resources, each recorded; publishing signs a tree head over them.
    const filesDir = path.join(dir.path, 'files');
    mkdirSync(filesDir);
    const bundles = copyFilesTo(patientBundlesBySize(1), filesDir);
    const imported = await runCli(
      ['import', '--tenant', freshTenantId('audit'), '--no-progress', ...bundles],
      database.env,
    );
    assert.equal(imported.code, 0, imported.stderr);
    const published = await runCli(['audit', 'publish'], database.env);
    assert.equal(published.code, 0, published.stderr);
    assert.match(published.stdout, /^integrated \d[\d,]* entries; tree size \d/);
  });

  after(async () => {
    await database.remove();
    dir.remove();
  });

  it('verifies an intact log from the database and from an export, exiting 0', async () => {
    const fromDatabase = await runCli(['audit', 'verify'], database.env);
    assert.equal(fromDatabase.code, 0, fromDatabase.stdout + fromDatabase.stderr);
    assert.match(fromDatabase.stdout, /^intact: [\d,]+ entries and 1 signed tree head verified/);

    const exported = await runCli(['audit', 'export', exportFile, '--no-progress'], database.env);
    assert.equal(exported.code, 0, exported.stderr);
    const fromFile = await runCli(['audit', 'verify', exportFile, '--json'], database.env);
    assert.equal(fromFile.code, 0);
    const report = JSON.parse(fromFile.stdout) as { isValid: boolean; entries: number; treeSize: number };
    assert.equal(report.isValid, true);
    assert.equal(report.entries, report.treeSize);
  });

  it('prints inclusion and consistency proofs it has checked', async () => {
    const inclusion = await runCli(['audit', 'proof', 'inclusion', '--leaf', '3'], database.env);
    assert.equal(inclusion.code, 0, inclusion.stderr);
    const proof = JSON.parse(inclusion.stdout) as { isValid: boolean; leafIndex: number; proof: string[] };
    assert.equal(proof.isValid, true);
    assert.equal(proof.leafIndex, 3);
    assert.ok(proof.proof.length > 0);
    const size = (JSON.parse(inclusion.stdout) as { treeHead: { treeSize: number } }).treeHead.treeSize;
    const consistency = await runCli(['audit', 'proof', 'consistency', String(size)], database.env);
    assert.equal(consistency.code, 0, consistency.stderr);
    assert.equal((JSON.parse(consistency.stdout) as { isValid: boolean }).isValid, true);
  });

  it('exits 1 naming the first tampered entry of an export', async () => {
    const lines = readFileSync(exportFile, 'utf8').trimEnd().split('\n');
    const firstLeaf = lines.findIndex((line) => line.startsWith('{"leaf":'));
    const shortened = path.join(dir.path, 'shortened.ndjson');
    writeFileSync(shortened, `${lines.filter((_, index) => index !== firstLeaf + 4).join('\n')}\n`);
    const result = await runCli(['audit', 'verify', shortened], database.env);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^TAMPERED \(first bad entry: leaf 4\): leaf 4 is missing/);
  });

  it('exits 1 naming an entry edited in the database', async () => {
    const db = await database.open();
    const { rows } = await db.query<{ id: string; content: string; txid: string; seq: number }>(
      `SELECT l.entry_id::text AS id, e.content, e.txid::text AS txid, e.seq
       FROM audit_leaf l JOIN audit_entry e ON e.txid = l.entry_txid AND e.seq = l.entry_seq WHERE l.leaf_index = 2`,
    );
    await db.close();
    const entry = rows[0];
    assert.ok(entry);
    await tamper('UPDATE audit_entry SET content = $1 WHERE txid = $2::xid8 AND seq = $3', [
      entry.content.replace('"action":"C"', '"action":"R"'),
      entry.txid,
      entry.seq,
    ]);
    const result = await runCli(['audit', 'verify', '--json'], database.env);
    assert.equal(result.code, 1);
    const report = JSON.parse(result.stdout) as {
      isValid: boolean;
      problem: { kind: string; leafIndex: number; entryId: string };
    };
    assert.deepEqual(report.problem.kind, 'edited-entry');
    assert.equal(report.problem.leafIndex, 2);
    assert.equal(report.problem.entryId, entry.id);
  });
});
