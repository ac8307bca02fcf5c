import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../../../platform/db/index.ts';
import { loadTerminology, TerminologyLoadError } from '../load-terminology.ts';
import { loadShippedTerminology } from '../shipped.ts';
import { findRelease } from '../store/index.ts';
import { CVX_URL, loadCvx } from './cvx.ts';
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
} from './loader-test-support.ts';
import { SHIPPED_TERMINOLOGY_DIR } from './shipped-data-dir.ts';

const CDC_FILE = path.join(FIXTURES, 'cvx', 'cvx.txt');
const cdcLines = () => readFileSync(CDC_FILE, 'utf8').split('\n').filter(Boolean);

describe('CVX loader', () => {
  let db: Database;
  const files = createTempDir('cvx-loader');

  before(async () => {
    db = await openTestDatabase();
    await loadShippedTerminology(db, { only: ['cvx'] });
  });

  after(async () => {
    await db.close();
    files.remove();
  });

  it("reads the CDC's pipe-delimited cvx.txt, versioned by its latest update", async () => {
    await inRolledBackTransaction(db, [CVX_URL], async (tx) => {
      const summary = await loadCvx(tx, CDC_FILE);

      assert.equal(summary.version, '20240701');
      assert.equal(summary.concepts, 10);
      const covid = await lookup(tx, CVX_URL, '20240701', '208');
      assert.equal(covid?.display, 'COVID-19, mRNA, LNP-S, PF, 30 mcg/0.3 mL dose');
      // No longer given, but still the code for recording past doses.
      assert.equal(covid?.active, true);
      assert.equal(covid?.properties?.status, 'Inactive');
      assert.equal((await lookup(tx, CVX_URL, '20240701', '998'))?.properties?.nonvaccine, true);
    });
  });

  it('reads the shipped TSV, with vaccine groups as parents', async () => {
    await inRolledBackTransaction(db, [CVX_URL], async (tx) => {
      const summary = await loadCvx(tx, path.join(SHIPPED_TERMINOLOGY_DIR, 'cvx', 'cvx.tsv'), { version: 'tsv-test' });

      assert.equal(summary.concepts, 287);
      assert.deepEqual((await lookup(tx, CVX_URL, 'tsv-test', '208'))?.parents, ['213']);
      assert.equal(
        (await lookup(tx, CVX_URL, 'tsv-test', '213'))?.display,
        'SARS-COV-2 (COVID-19) vaccine, UNSPECIFIED',
      );
    });
  });

  it('loads the same file twice without changing a row, and a newer table over it', async () => {
    const newer = writeFile(
      files.path,
      'newer/cvx.txt',
      cdcLines()
        .filter((line) => !line.startsWith('999 '))
        .map((line) => line.replace('7/1/2024', '9/1/2025'))
        .join('\n'),
    );
    await inRolledBackTransaction(db, [CVX_URL], async (tx) => {
      const first = await loadCvx(tx, CDC_FILE);
      const before = await snapshotRelease(tx, CVX_URL, '20240701');
      assert.deepEqual(await loadCvx(tx, CDC_FILE), first);
      assert.equal(await snapshotRelease(tx, CVX_URL, '20240701'), before);

      await loadCvx(tx, newer);

      assert.equal((await findRelease(tx, CVX_URL))?.version, '20250901');
      assert.equal((await lookup(tx, CVX_URL, undefined, '999'))?.active, false);
    });
  });

  it('rejects a code that is not a CVX number, naming file, line and field, and keeps nothing', async () => {
    const lines = cdcLines();
    lines[3] = lines[3]?.replace(/^88 /, 'X88') ?? '';
    const broken = writeFile(files.path, 'broken/cvx.txt', lines.join('\n'));
    const before = await systemState(db, CVX_URL);

    await assert.rejects(
      loadTerminology(db, { system: 'cvx', path: broken, version: uniqueVersion('broken') }),
      (error: unknown) =>
        error instanceof TerminologyLoadError &&
        error.message === 'cvx.txt line 4: column cvx_code is "X88", expected one to three digits',
    );
    assert.equal(await systemState(db, CVX_URL), before);
  });
});
