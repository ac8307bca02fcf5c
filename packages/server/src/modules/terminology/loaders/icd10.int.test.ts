import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../../../platform/db/index.ts';
import { loadTerminology, TerminologyLoadError } from '../load-terminology.ts';
import { loadShippedTerminology } from '../shipped.ts';
import { findRelease } from '../store/index.ts';
import { ICD10CM_URL, ICD10PCS_URL } from './icd10-codes.ts';
import { loadIcd10cm, loadIcd10pcs } from './icd10.ts';
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

const ORDER_FILE = path.join(FIXTURES, 'icd10cm', 'icd10cm_order_2025.txt');
const TABULAR_XML = path.join(FIXTURES, 'icd10cm', 'icd10cm_tabular_2025.xml');
const PCS_ORDER_FILE = path.join(FIXTURES, 'icd10pcs', 'icd10pcs_order_2025.txt');
const orderLines = () => readFileSync(ORDER_FILE, 'utf8').split('\r\n').filter(Boolean);

describe('ICD-10-CM and ICD-10-PCS loaders', () => {
  let db: Database;
  const files = createTempDir('icd10-loader');

  before(async () => {
    db = await openTestDatabase();
    // Other test files load the shipped release too; loading it first keeps this system's state still.
    await loadShippedTerminology(db, { only: ['icd10cm'] });
  });

  after(async () => {
    await db.close();
    files.remove();
  });

  it('loads the order file alone: dotted codes, long descriptions, short ones as designations, parents by prefix', async () => {
    await inRolledBackTransaction(db, [ICD10CM_URL], async (tx) => {
      const summary = await loadIcd10cm(tx, ORDER_FILE);

      assert.equal(summary.url, ICD10CM_URL);
      assert.equal(summary.version, '2025');
      const e119 = await lookup(tx, ICD10CM_URL, '2025', 'E11.9');
      assert.equal(e119?.display, 'Type 2 diabetes mellitus without complications');
      assert.deepEqual(e119?.parents, ['E11']);
      assert.deepEqual(e119?.properties, { billable: true });
      const e1100 = await lookup(tx, ICD10CM_URL, '2025', 'E11.00');
      assert.deepEqual(e1100?.parents, ['E11.0']);
      assert.deepEqual(
        e1100?.designations.map((designation) => designation.value),
        ['Type 2 diab w hyprosm w/o nonket hyprgly-hypros coma (NKHHC)'],
      );
      // A 7th-character code skips the placeholder: S00.00X is no code.
      assert.deepEqual((await lookup(tx, ICD10CM_URL, '2025', 'S00.00XA'))?.parents, ['S00.00']);
      // Without the XML, a category's section and chapter come from the shipped table.
      const e11 = await lookup(tx, ICD10CM_URL, '2025', 'E11');
      assert.deepEqual(e11?.parents, ['E08-E13']);
      assert.deepEqual(e11?.properties, { billable: false, kind: 'category' });
      assert.deepEqual((await lookup(tx, ICD10CM_URL, '2025', 'E08-E13'))?.parents, ['E00-E89']);
      assert.equal(
        (await lookup(tx, ICD10CM_URL, '2025', 'E00-E89'))?.display,
        'Endocrine, nutritional and metabolic diseases',
      );
      assert.equal(summary.concepts - summary.inactive, 30 + 22 + 297);
    });
  });

  it('reads the tabular XML alone, with the codes its 7th characters make', async () => {
    await inRolledBackTransaction(db, [ICD10CM_URL], async (tx) => {
      const summary = await loadIcd10cm(tx, TABULAR_XML);

      assert.equal(summary.version, '2025');
      assert.deepEqual((await lookup(tx, ICD10CM_URL, '2025', 'A00'))?.parents, ['A00-A09']);
      assert.deepEqual((await lookup(tx, ICD10CM_URL, '2025', 'A00-A09'))?.parents, ['A00-B99']);
      const extended = await lookup(tx, ICD10CM_URL, '2025', 'S00.00XD');
      assert.equal(extended?.display, 'Unspecified superficial injury of scalp, subsequent encounter');
      assert.deepEqual(extended?.parents, ['S00.00']);
      assert.deepEqual((await lookup(tx, ICD10CM_URL, '2025', 'S00.00'))?.properties, { billable: false });
      // 3 chapters, 3 sections, 15 diag elements, 3 codes from 7th characters.
      assert.equal(summary.concepts, 24);
    });
  });

  it('takes chapters and sections from the XML when a zip holds both files', async () => {
    const zip = path.join(files.path, 'icd10cm-2025.zip');
    writeZip(zip, [
      { name: 'icd10cm-Code Descriptions-2025/icd10cm_order_2025.txt', data: readFileSync(ORDER_FILE) },
      { name: 'icd10cm-Table and Index-2025/icd10cm_tabular_2025.xml', data: readFileSync(TABULAR_XML) },
    ]);
    await inRolledBackTransaction(db, [ICD10CM_URL], async (tx) => {
      const summary = await loadIcd10cm(tx, zip);

      // The order file's 30 codes, and only the XML's 3 chapters and 3 sections.
      assert.equal(summary.concepts, 36);
      assert.deepEqual((await lookup(tx, ICD10CM_URL, '2025', 'E11'))?.parents, ['E08-E13']);
      assert.equal(
        (await lookup(tx, ICD10CM_URL, '2025', 'E11.9'))?.display,
        'Type 2 diabetes mellitus without complications',
      );
      // Categories the XML extract does not list get no section.
      assert.deepEqual((await lookup(tx, ICD10CM_URL, '2025', 'I10'))?.parents, []);
    });
  });

  it('loads the same release twice without changing a row', async () => {
    await inRolledBackTransaction(db, [ICD10CM_URL], async (tx) => {
      const first = await loadIcd10cm(tx, ORDER_FILE);
      const before = await snapshotRelease(tx, ICD10CM_URL, '2025');

      const second = await loadIcd10cm(tx, ORDER_FILE);

      assert.deepEqual(second, first);
      assert.equal(await snapshotRelease(tx, ICD10CM_URL, '2025'), before);
    });
  });

  it('keeps the older release when a newer one is loaded and marks the code it retired inactive', async () => {
    // 1. The 2026 file drops E11.69 and renames E11.9.
    const newer = writeFile(
      files.path,
      'newer/icd10cm_order_2026.txt',
      orderLines()
        .filter((line) => !line.includes(' E1169 '))
        .map((line) => line.replace(/without complications$/, 'without complication'))
        .join('\n'),
    );
    await inRolledBackTransaction(db, [ICD10CM_URL], async (tx) => {
      await loadIcd10cm(tx, ORDER_FILE);

      // 2. Load it over 2025.
      const summary = await loadIcd10cm(tx, newer);

      // 3. Both releases are kept; 2026 is current, with E11.69 carried over as inactive.
      assert.equal(summary.version, '2026');
      assert.equal((await findRelease(tx, ICD10CM_URL))?.version, '2026');
      assert.equal((await findRelease(tx, ICD10CM_URL, '2025'))?.isCurrent, false);
      assert.equal((await lookup(tx, ICD10CM_URL, undefined, 'E11.69'))?.active, false);
      assert.equal((await lookup(tx, ICD10CM_URL, '2025', 'E11.69'))?.active, true);
      assert.equal(
        (await lookup(tx, ICD10CM_URL, undefined, 'E11.9'))?.display,
        'Type 2 diabetes mellitus without complication',
      );
      assert.equal(summary.inactive, 1);

      // 4. Loading 2025 again afterwards keeps it as history: 2026 stays current.
      const older = await loadIcd10cm(tx, ORDER_FILE);
      assert.equal(older.codeSystems[0]?.isCurrent, false);
      assert.equal((await findRelease(tx, ICD10CM_URL))?.version, '2026');
    });
  });

  it('rejects a malformed line naming file, line and field, and keeps nothing of the release', async () => {
    const lines = orderLines();
    lines[24] = lines[24]?.replace(/^(.{14})./, '$1x') ?? '';
    const broken = writeFile(files.path, 'broken/icd10cm_order_2025.txt', lines.join('\n'));
    const version = uniqueVersion('broken');
    const before = await systemState(db, ICD10CM_URL);

    await assert.rejects(
      loadTerminology(db, { system: 'icd10cm', path: broken, version, batchSize: 5 }),
      (error: unknown) =>
        error instanceof TerminologyLoadError &&
        error.message === 'icd10cm_order_2025.txt line 25: column header flag is "x", expected 0 or 1' &&
        error.line === 25 &&
        error.field === 'header flag',
    );
    assert.equal(await systemState(db, ICD10CM_URL), before);
  });

  it('loads ICD-10-PCS codes below their 3-character tables', async () => {
    await inRolledBackTransaction(db, [ICD10PCS_URL], async (tx) => {
      const summary = await loadIcd10pcs(tx, PCS_ORDER_FILE);

      assert.equal(summary.url, ICD10PCS_URL);
      assert.equal(summary.version, '2025');
      assert.equal(summary.concepts, 9);
      const appendectomy = await lookup(tx, ICD10PCS_URL, '2025', '0DTJ4ZZ');
      assert.equal(appendectomy?.display, 'Resection of Appendix, Percutaneous Endoscopic Approach');
      assert.deepEqual(appendectomy?.parents, ['0DT']);
      assert.deepEqual((await lookup(tx, ICD10PCS_URL, '2025', '0DT'))?.children, ['0DTJ0ZZ', '0DTJ4ZZ', '0DTJ8ZZ']);
    });
  });
});
