import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../../../platform/db/index.ts';
import { loadTerminology, TerminologyLoadError } from '../load-terminology.ts';
import { loadShippedTerminology } from '../shipped.ts';
import { findRelease } from '../store/index.ts';
import { HCPCS_URL, loadHcpcs } from './hcpcs.ts';
import {
  createTempDir,
  FIXTURES,
  inRolledBackTransaction,
  lookup,
  openTestDatabase,
  snapshotRelease,
  systemState,
  uniqueVersion,
  writeFile,
  writeZip,
} from './loader-test-support.ts';
import { SHIPPED_TERMINOLOGY_DIR } from './shipped-data-dir.ts';

const ANWEB = path.join(FIXTURES, 'hcpcs', 'HCPC2025_JAN_ANWEB.txt');
const records = () => readFileSync(ANWEB, 'utf8').split('\n').filter(Boolean);

describe('HCPCS Level II loader', () => {
  let db: Database;
  const files = createTempDir('hcpcs-loader');

  before(async () => {
    db = await openTestDatabase();
    await loadShippedTerminology(db, { only: ['hcpcs'] });
  });

  after(async () => {
    await db.close();
    files.remove();
  });

  it('reads the fixed-width file from the quarterly zip, joining continuation records', async () => {
    const zip = path.join(files.path, 'january-2025-alpha-numeric-hcpcs-file.zip');
    writeZip(zip, [
      { name: 'HCPC2025_JAN_ANWEB.txt', data: readFileSync(ANWEB) },
      { name: 'HCPC2025_JAN_Transaction Report_ANWEB.txt', data: 'not the code file\n' },
    ]);
    await inRolledBackTransaction(db, [HCPCS_URL], async (tx) => {
      const summary = await loadHcpcs(tx, zip);

      assert.equal(summary.version, '2025-01');
      assert.equal(summary.concepts, 11);
      const crutches = await lookup(tx, HCPCS_URL, '2025-01', 'E0114');
      assert.equal(
        crutches?.display,
        'Crutches underarm, other than wood, adjustable or fixed, pair, with pads, tips and handgrips',
      );
      assert.deepEqual(crutches?.designations, [{ language: 'en', value: 'Crutch underarm pair no wood' }]);
      assert.deepEqual(crutches?.properties, {
        kind: 'procedure',
        addDate: '2000-01-01',
        actionEffectiveDate: '2000-01-01',
        actionCode: 'N',
      });
      assert.equal((await lookup(tx, HCPCS_URL, '2025-01', 'LT'))?.properties?.kind, 'modifier');
      // Terminated at the end of 2023, before this release's quarter.
      assert.equal((await lookup(tx, HCPCS_URL, '2025-01', 'G9999'))?.active, false);
      assert.equal(summary.inactive, 1);
    });
  });

  it('loads the same file twice without changing a row, and a newer quarter over it', async () => {
    const newer = writeFile(
      files.path,
      'HCPC2025_APR_ANWEB.txt',
      records()
        .filter((line) => !line.startsWith('J0696'))
        .join('\n'),
    );
    await inRolledBackTransaction(db, [HCPCS_URL], async (tx) => {
      const first = await loadHcpcs(tx, ANWEB);
      const before = await snapshotRelease(tx, HCPCS_URL, '2025-01');
      assert.deepEqual(await loadHcpcs(tx, ANWEB), first);
      assert.equal(await snapshotRelease(tx, HCPCS_URL, '2025-01'), before);

      await loadHcpcs(tx, newer);

      assert.equal((await findRelease(tx, HCPCS_URL))?.version, '2025-04');
      assert.equal((await lookup(tx, HCPCS_URL, undefined, 'J0696'))?.active, false);
      assert.equal((await lookup(tx, HCPCS_URL, '2025-01', 'J0696'))?.active, true);
    });
  });

  it('reads the shipped TSV', async () => {
    await inRolledBackTransaction(db, [HCPCS_URL], async (tx) => {
      const summary = await loadHcpcs(tx, path.join(SHIPPED_TERMINOLOGY_DIR, 'hcpcs'));

      assert.equal(summary.version, '2025-10');
      assert.equal(summary.concepts, 8846);
      assert.equal(
        (await lookup(tx, HCPCS_URL, '2025-10', 'G0008'))?.display,
        'Administration of influenza virus vaccine',
      );
    });
  });

  it('rejects an unknown record id naming file, line and field, and keeps nothing', async () => {
    const lines = records();
    lines[7] = `${lines[7]?.slice(0, 10) ?? ''}5${lines[7]?.slice(11) ?? ''}`;
    const broken = writeFile(files.path, 'broken/HCPC2025_JAN_ANWEB.txt', lines.join('\n'));
    const before = await systemState(db, HCPCS_URL);

    await assert.rejects(
      loadTerminology(db, { system: 'hcpcs', path: broken, version: uniqueVersion('broken'), batchSize: 2 }),
      (error: unknown) =>
        error instanceof TerminologyLoadError &&
        error.message ===
          'HCPC2025_JAN_ANWEB.txt line 8: column record identification code is "5", expected 3, 4, 7 or 8',
    );
    assert.equal(await systemState(db, HCPCS_URL), before);
  });
});
