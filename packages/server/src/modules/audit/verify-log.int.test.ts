import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildPatient, FHIR, json } from '../fhir/fhir-test-support.ts';
import { createTempDir, type TempDir } from '../../test/temp-dir.ts';
import { hashEntry } from './audit-entry.ts';
import { createAuditTestApp, type AuditTestApp } from './audit-test-support.ts';
import { integrateAll } from './integrate.ts';
import { exportLog, findOrphanEntry, readLogFromDatabase, readLogFromExport } from './log-export.ts';
import { loadSigningKey } from './signing-key.ts';
import { verifyLog, type VerifyReport } from './verify-log.ts';

type LeafRow = { leaf_index: number; entry_id: string; leaf_hash: string; content: string; txid: string; seq: number };

describe('verifying the audit log', () => {
  let testApp: AuditTestApp;
  let files: TempDir;

  /** Runs `change` with the append-only triggers off, as someone with database access could. */
  async function tamper(change: string, params: unknown[] = []): Promise<void> {
    await testApp.db.transaction(async (tx) => {
      await tx.query('ALTER TABLE audit_entry DISABLE TRIGGER USER');
      await tx.query('ALTER TABLE audit_leaf DISABLE TRIGGER USER');
      await tx.query(change, params);
      await tx.query('ALTER TABLE audit_entry ENABLE TRIGGER USER');
      await tx.query('ALTER TABLE audit_leaf ENABLE TRIGGER USER');
    });
  }

  async function readLeaf(leafIndex: number): Promise<LeafRow> {
    const { rows } = await testApp.db.query<LeafRow>(
      `SELECT l.leaf_index, l.entry_id::text AS entry_id, encode(l.leaf_hash, 'hex') AS leaf_hash, e.content,
              e.txid::text AS txid, e.seq
       FROM audit_leaf l JOIN audit_entry e ON e.txid = l.entry_txid AND e.seq = l.entry_seq WHERE l.leaf_index = $1`,
      [leafIndex],
    );
    assert.ok(rows[0], `leaf ${leafIndex} exists`);
    return rows[0];
  }

  const verifyDatabase = async (): Promise<VerifyReport> => verifyLog(await readLogFromDatabase(testApp.db));

  before(async () => {
    testApp = await createAuditTestApp();
    files = createTempDir('audit-verify');
    const tenant = await testApp.createTenant({ clerk: ['admin'] });
    const clerk = tenant.as('clerk');
    // 1. Some activity, integrated in several heads so verification crosses head boundaries.
    for (let round = 0; round < 3; round++) {
      for (let index = 0; index < 4; index++) {
        const created = await clerk.request({ method: 'POST', url: `${FHIR}/Patient`, payload: buildPatient() });
        assert.equal(created.statusCode, 201);
        await clerk.request({ method: 'GET', url: `${FHIR}/Patient/${json<{ id: string }>(created).id}` });
      }
      await testApp.app.audit.integrate();
    }
  });

  after(async () => {
    await testApp.close();
    files.remove();
  });

  it('finds an intact log valid, from the database and from an export', async () => {
    const fromDatabase = await verifyDatabase();
    assert.equal(fromDatabase.isValid, true, fromDatabase.problem?.message);
    assert.ok(fromDatabase.entries >= 24);
    assert.ok(fromDatabase.treeHeads >= 3);
    assert.equal(fromDatabase.entries, fromDatabase.treeSize);

    const file = path.join(files.path, 'intact.ndjson');
    const exported = await exportLog(testApp.db, file);
    assert.equal(exported.entries, fromDatabase.entries);
    const fromFile = await verifyLog(await readLogFromExport(file));
    assert.deepEqual(fromFile, fromDatabase);
    assert.equal(await findOrphanEntry(testApp.db), undefined);
  });

  it('refuses changes to the audit tables while their triggers are on', async () => {
    await assert.rejects(testApp.db.query('DELETE FROM audit_entry'), /append-only/);
    await assert.rejects(testApp.db.query("UPDATE audit_leaf SET leaf_hash = '\\x00'"), /append-only/);
  });

  it('names the first edited entry', async () => {
    const leaf = await readLeaf(7);
    const edited = leaf.content.replace(/"action":"[CRUDE]"/, '"action":"D"');
    await tamper('UPDATE audit_entry SET content = $1 WHERE txid = $2::xid8 AND seq = $3', [
      edited,
      leaf.txid,
      leaf.seq,
    ]);
    const report = await verifyDatabase();
    assert.equal(report.isValid, false);
    assert.equal(report.problem?.kind, 'edited-entry');
    assert.equal(report.problem?.leafIndex, 7);
    assert.equal(report.problem?.entryId, leaf.entry_id);
    await tamper('UPDATE audit_entry SET content = $1 WHERE txid = $2::xid8 AND seq = $3', [
      leaf.content,
      leaf.txid,
      leaf.seq,
    ]);
    assert.equal((await verifyDatabase()).isValid, true);
  });

  it('names an entry whose search columns were edited to hide it', async () => {
    const leaf = await readLeaf(4);
    await tamper("UPDATE audit_leaf SET agent = 'someone-else' WHERE leaf_index = 4");
    const report = await verifyDatabase();
    assert.equal(report.problem?.kind, 'columns-differ');
    assert.equal(report.problem?.leafIndex, 4);
    await tamper('UPDATE audit_leaf SET agent = $1 WHERE leaf_index = 4', [
      (JSON.parse(leaf.content) as { agent: { name: string } }).agent.name,
    ]);
    assert.equal((await verifyDatabase()).isValid, true);
  });

  it('names the first deleted entry, and an entry whose leaf alone was deleted', async () => {
    // 1. The leaf and its entry deleted: the gap is named.
    const leaf = await readLeaf(5);
    const saved = await testApp.db.query<{ leaf: string; entry: string }>(
      `SELECT row_to_json(l)::text AS leaf, row_to_json(e)::text AS entry
       FROM audit_leaf l JOIN audit_entry e ON e.txid = l.entry_txid AND e.seq = l.entry_seq WHERE l.leaf_index = 5`,
    );
    await tamper('DELETE FROM audit_leaf WHERE leaf_index = 5');
    assert.equal(await findOrphanEntry(testApp.db), leaf.entry_id);
    await tamper('DELETE FROM audit_entry WHERE txid = $1::xid8 AND seq = $2', [leaf.txid, leaf.seq]);
    const report = await verifyDatabase();
    assert.equal(report.problem?.kind, 'missing-entry');
    assert.equal(report.problem?.leafIndex, 5);
    // 2. Restored, the log is whole again.
    const row = saved.rows[0];
    assert.ok(row);
    await tamper(
      'INSERT INTO audit_entry OVERRIDING SYSTEM VALUE SELECT * FROM json_populate_record(NULL::audit_entry, $1::json)',
      [row.entry],
    );
    await tamper('INSERT INTO audit_leaf SELECT * FROM json_populate_record(NULL::audit_leaf, $1::json)', [row.leaf]);
    assert.equal((await verifyDatabase()).isValid, true);
    assert.equal(await findOrphanEntry(testApp.db), undefined);
  });

  it('names the first of two reordered entries', async () => {
    const swap = async (a: number, b: number) => {
      // Through a free index: the primary key is checked row by row.
      const free = 1_000_000_000;
      await tamper('UPDATE audit_leaf SET leaf_index = $2 WHERE leaf_index = $1', [a, free]);
      await tamper('UPDATE audit_leaf SET leaf_index = $2 WHERE leaf_index = $1', [b, a]);
      await tamper('UPDATE audit_leaf SET leaf_index = $2 WHERE leaf_index = $1', [free, b]);
    };
    await swap(9, 11);
    const report = await verifyDatabase();
    assert.equal(report.problem?.kind, 'edited-entry');
    assert.equal(report.problem?.leafIndex, 9);
    await swap(9, 11);
    assert.equal((await verifyDatabase()).isValid, true);
  });

  it('finds an entry edited together with its leaf hash by the signed tree head that covers it', async () => {
    const leaf = await readLeaf(2);
    const edited = leaf.content.replace(/"action":"[CRUDE]"/, '"action":"D"');
    await tamper('UPDATE audit_entry SET content = $1 WHERE txid = $2::xid8 AND seq = $3', [
      edited,
      leaf.txid,
      leaf.seq,
    ]);
    await tamper("UPDATE audit_leaf SET leaf_hash = decode($1, 'hex'), action = 'D' WHERE leaf_index = 2", [
      hashEntry(2, edited).toString('hex'),
    ]);
    const report = await verifyDatabase();
    assert.equal(report.problem?.kind, 'root-mismatch');
    assert.ok((report.problem?.leafIndex ?? 99) <= 2);
    const action = (JSON.parse(leaf.content) as { action: string }).action;
    await tamper('UPDATE audit_entry SET content = $1 WHERE txid = $2::xid8 AND seq = $3', [
      leaf.content,
      leaf.txid,
      leaf.seq,
    ]);
    await tamper("UPDATE audit_leaf SET leaf_hash = decode($1, 'hex'), action = $2 WHERE leaf_index = 2", [
      leaf.leaf_hash,
      action,
    ]);
    assert.equal((await verifyDatabase()).isValid, true);
  });

  it('names the first bad line of an edited, shortened or reordered export', async () => {
    const file = path.join(files.path, 'export.ndjson');
    await exportLog(testApp.db, file);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const firstLeaf = lines.findIndex((line) => line.startsWith('{"leaf":'));
    const check = async (changed: string[], leafIndex: number, kind: string) => {
      const tampered = path.join(files.path, `tampered-${kind}.ndjson`);
      writeFileSync(tampered, `${changed.join('\n')}\n`);
      const report = await verifyLog(await readLogFromExport(tampered));
      assert.equal(report.problem?.kind, kind);
      assert.equal(report.problem?.leafIndex, leafIndex);
    };
    const edited = [...lines];
    edited[firstLeaf + 3] = (edited[firstLeaf + 3] ?? '').replace('"outcome":"0"', '"outcome":"4"');
    await check(edited, 3, 'edited-entry');
    await check(
      lines.filter((_, index) => index !== firstLeaf + 6),
      6,
      'missing-entry',
    );
    const reordered = [...lines];
    [reordered[firstLeaf + 1], reordered[firstLeaf + 2]] = [
      reordered[firstLeaf + 2] ?? '',
      reordered[firstLeaf + 1] ?? '',
    ];
    await check(reordered, 1, 'missing-entry');
  });

  it('checks every head against a pinned key, and catches a head signed by another', async () => {
    const pinned = loadSigningKey({ keyFile: testApp.keyFile, dataDir: files.path }).publicKeyPem;
    assert.equal((await verifyLog(await readLogFromDatabase(testApp.db), { trustedKeys: [pinned] })).isValid, true);
    const other = loadSigningKey({ keyFile: undefined, dataDir: files.path });
    const report = await verifyLog(await readLogFromDatabase(testApp.db), { trustedKeys: [other.publicKeyPem] });
    assert.equal(report.problem?.kind, 'bad-signature');
  });

  it('integrates from several integrators at once into one dense sequence', async () => {
    const key = () => loadSigningKey({ keyFile: testApp.keyFile, dataDir: files.path });
    const tenant = await testApp.createTenant({ clerk: ['admin'] });
    await Promise.all(
      Array.from({ length: 6 }, () =>
        tenant.as('clerk').request({ method: 'POST', url: `${FHIR}/Patient`, payload: buildPatient() }),
      ),
    );
    await Promise.all([
      integrateAll(testApp.db, { getKey: key }),
      integrateAll(testApp.db, { getKey: key, wait: true }),
    ]);
    const report = await verifyDatabase();
    assert.equal(report.isValid, true, report.problem?.message);
    const { rows } = await testApp.db.query<{ pending: number }>(
      `SELECT count(*)::int AS pending FROM audit_entry e
       WHERE NOT EXISTS (SELECT 1 FROM audit_leaf l WHERE l.entry_txid = e.txid AND l.entry_seq = e.seq)`,
    );
    assert.equal(rows[0]?.pending, 0);
  });

  it('stops between batches when the server is shutting down, and the next run integrates the rest', async () => {
    const key = () => loadSigningKey({ keyFile: testApp.keyFile, dataDir: files.path });
    await integrateAll(testApp.db, { getKey: key, wait: true });
    const tenant = await testApp.createTenant({ clerk: ['admin'] });
    for (let index = 0; index < 5; index++) {
      await tenant.as('clerk').request({ method: 'POST', url: `${FHIR}/Patient`, payload: buildPatient() });
    }
    const pending = async () => {
      const { rows } = await testApp.db.query<{ pending: number }>(
        `SELECT count(*)::int AS pending FROM audit_entry e
         WHERE NOT EXISTS (SELECT 1 FROM audit_leaf l WHERE l.entry_txid = e.txid AND l.entry_seq = e.seq)`,
      );
      return rows[0]?.pending ?? -1;
    };
    const before = await pending();
    assert.ok(before >= 5, `${before} entries pending`);
    const stopping = await integrateAll(testApp.db, { getKey: key, wait: true, batchSize: 2, isStopping: () => true });
    assert.equal(stopping.integrated, 2);
    assert.equal(await pending(), before - 2);
    const rest = await integrateAll(testApp.db, { getKey: key, wait: true, batchSize: 2 });
    assert.equal(rest.integrated, before - 2);
    assert.equal(await pending(), 0);
    const report = await verifyDatabase();
    assert.equal(report.isValid, true, report.problem?.message);
  });
});
