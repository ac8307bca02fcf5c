import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { Database } from '../../../platform/db/index.ts';
import { loadTerminology, TerminologyLoadError } from '../load-terminology.ts';
import { loadShippedTerminology } from '../shipped.ts';
import { findRelease } from '../store/index.ts';
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
import { loadLoinc, LOINC_URL } from './loinc.ts';
import { SHIPPED_TERMINOLOGY_DIR } from './shipped-data-dir.ts';

const RELEASE_DIR = path.join(FIXTURES, 'loinc', 'Loinc_2.80');
const LOINC_TABLE = path.join(RELEASE_DIR, 'LoincTable', 'Loinc.csv');
const tableLines = () => readFileSync(LOINC_TABLE, 'utf8').split('\r\n').filter(Boolean);

describe('LOINC loader', () => {
  let db: Database;
  const files = createTempDir('loinc-loader');

  before(async () => {
    db = await openTestDatabase();
    await loadShippedTerminology(db, { only: ['loinc'] });
  });

  after(async () => {
    await db.close();
    files.remove();
  });

  it('loads Loinc.csv from a release zip, with the version from the zip name', async () => {
    const zip = path.join(files.path, 'Loinc_2.80.zip');
    writeZip(zip, [
      { name: 'LoincTable/Loinc.csv', data: readFileSync(LOINC_TABLE) },
      { name: 'AccessoryFiles/PartFile/Part.csv', data: '"PartNumber","PartTypeName"\r\n"LP14635-4","COMPONENT"\r\n' },
    ]);
    await inRolledBackTransaction(db, [LOINC_URL], async (tx) => {
      const summary = await loadLoinc(tx, zip);

      assert.equal(summary.version, '2.80');
      assert.equal(summary.concepts, 14);
      const a1c = await lookup(tx, LOINC_URL, '2.80', '4548-4');
      assert.equal(a1c?.display, 'Hemoglobin A1c/Hemoglobin.total in Blood');
      assert.equal(a1c?.active, true);
      assert.deepEqual(a1c?.properties, {
        COMPONENT: 'Hemoglobin A1c/Hemoglobin.total',
        PROPERTY: 'MFr',
        TIME_ASPCT: 'Pt',
        SYSTEM: 'Bld',
        SCALE_TYP: 'Qn',
        CLASS: 'CHEM',
        CLASSTYPE: '1',
        STATUS: 'ACTIVE',
        ORDER_OBS: 'Both',
      });
      assert.deepEqual(a1c?.designations, [
        { language: 'en-US', useSystem: LOINC_URL, useCode: 'SHORTNAME', value: 'Hgb A1c MFr Bld' },
      ]);
      // DISCOURAGED (and DEPRECATED) terms are inactive.
      assert.equal((await lookup(tx, LOINC_URL, '2.80', '33914-3'))?.active, false);
      assert.equal(summary.inactive, 1);
    });
  });

  it('reads the Top 2000 CSVs and the vital-signs TSV, the first row of a code winning', async () => {
    await inRolledBackTransaction(db, [LOINC_URL], async (tx) => {
      const summary = await loadLoinc(tx, path.join(SHIPPED_TERMINOLOGY_DIR, 'loinc'), { version: 'top-test' });

      // 2,188 SI and 2,177 US codes overlap; with the 14 vital-sign codes, 2,387 distinct codes.
      assert.equal(summary.concepts, 2387);
      const a1c = await lookup(tx, LOINC_URL, 'top-test', '4548-4');
      assert.equal(a1c?.display, 'Hemoglobin A1c/Hemoglobin.total in Blood');
      assert.equal((await lookup(tx, LOINC_URL, 'top-test', '85354-9'))?.properties?.fhirVitalSignsProfile, 'bp');
    });
  });

  it('loads the same release twice without changing a row', async () => {
    await inRolledBackTransaction(db, [LOINC_URL], async (tx) => {
      const first = await loadLoinc(tx, RELEASE_DIR);
      const before = await snapshotRelease(tx, LOINC_URL, '2.80');

      assert.deepEqual(await loadLoinc(tx, RELEASE_DIR), first);
      assert.equal(await snapshotRelease(tx, LOINC_URL, '2.80'), before);
    });
  });

  it('keeps 2.80 when 2.81 is loaded over it and marks the term 2.81 lacks inactive', async () => {
    const newer = path.join(files.path, 'Loinc_2.81');
    writeFile(
      newer,
      'LoincTable/Loinc.csv.gz',
      gzipSync(
        tableLines()
          .filter((line) => !line.startsWith('"2571-8"'))
          .join('\r\n'),
      ),
    );
    await inRolledBackTransaction(db, [LOINC_URL], async (tx) => {
      await loadLoinc(tx, RELEASE_DIR);

      const summary = await loadLoinc(tx, newer);

      assert.equal(summary.version, '2.81');
      assert.equal((await findRelease(tx, LOINC_URL))?.version, '2.81');
      assert.equal((await lookup(tx, LOINC_URL, '2.81', '2571-8'))?.active, false);
      assert.equal((await lookup(tx, LOINC_URL, '2.80', '2571-8'))?.active, true);
      assert.equal((await findRelease(tx, LOINC_URL, '2.80'))?.conceptCount, 14);
    });
  });

  it('rejects a row without a code as "Loinc.csv line N: column LOINC_NUM is empty" and keeps nothing', async () => {
    const lines = tableLines();
    lines[12] = lines[12]?.replace(/^"[^"]+"/, '""') ?? '';
    const broken = writeFile(files.path, 'broken/Loinc.csv', lines.join('\r\n'));
    const before = await systemState(db, LOINC_URL);

    await assert.rejects(
      loadTerminology(db, { system: 'loinc', path: broken, version: uniqueVersion('broken'), batchSize: 4 }),
      (error: unknown) =>
        error instanceof TerminologyLoadError &&
        error.message === 'Loinc.csv line 13: column LOINC_NUM is empty' &&
        error.field === 'LOINC_NUM',
    );
    assert.equal(await systemState(db, LOINC_URL), before);
  });

  it('asks for a version when no file name carries one', async () => {
    const unnamed = writeFile(files.path, 'unnamed/Loinc.csv', readFileSync(LOINC_TABLE));

    await assert.rejects(loadTerminology(db, { system: 'loinc', path: unnamed }), {
      name: 'TerminologyLoadError',
      message: 'Loinc.csv: cannot tell the release version (no version in a name like Loinc_2.80.zip); pass --version',
    });
  });
});
