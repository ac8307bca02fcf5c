import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../../../platform/db/index.ts';
import { loadTerminology, TerminologyLoadError } from '../load-terminology.ts';
import { findRelease } from '../store/index.ts';
import { CPT_URL, loadCpt } from './cpt.ts';
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

// Made-up codes and descriptors in the shape of a CPT file: CareGraph ships no CPT content.
const CPT_FILE = path.join(FIXTURES, 'cpt', 'cpt-2025.csv');
const cptLines = () => readFileSync(CPT_FILE, 'utf8').split('\n').filter(Boolean);

describe('CPT loader', () => {
  let db: Database;
  const files = createTempDir('cpt-loader');

  before(async () => {
    db = await openTestDatabase();
  });

  after(async () => {
    await db.close();
    files.remove();
  });

  it('loads the code and descriptor columns, with the short descriptor as a designation and the year as version', async () => {
    await inRolledBackTransaction(db, [CPT_URL], async (tx) => {
      const summary = await loadCpt(tx, CPT_FILE);

      assert.equal(summary.version, '2025');
      assert.equal(summary.concepts, 5);
      const second = await lookup(tx, CPT_URL, '2025', 'X0002');
      assert.equal(second?.display, 'Made-up test procedure two, with a comma, in quotes');
      assert.deepEqual(second?.designations, [{ language: 'en', value: 'Made-up proc two' }]);
    });
  });

  it('reads a TSV whose columns are named by option', async () => {
    const tsv = writeFile(
      files.path,
      'licensed/descriptors.txt',
      'Concept Id\tCPT Code\tConsumer Descriptor\n1\tX0001\tMade-up consumer wording\n',
    );
    await inRolledBackTransaction(db, [CPT_URL], async (tx) => {
      await loadCpt(tx, tsv, { version: 'test', codeColumn: 'CPT Code', displayColumn: 'Consumer Descriptor' });

      assert.equal((await lookup(tx, CPT_URL, 'test', 'X0001'))?.display, 'Made-up consumer wording');
    });
    await assert.rejects(loadTerminology(db, { system: 'cpt', path: tsv, version: uniqueVersion('test') }), {
      message:
        'descriptors.txt line 1: no display column (looked for long_descriptor, long descriptor, descriptor, ' +
        'long_description, description, display); name it with --display-column',
    });
  });

  it('loads the same file twice without changing a row, and a newer year over it', async () => {
    const newer = writeFile(
      files.path,
      'cpt-2026.csv',
      cptLines()
        .filter((line) => !line.startsWith('X0003'))
        .join('\n'),
    );
    await inRolledBackTransaction(db, [CPT_URL], async (tx) => {
      const first = await loadCpt(tx, CPT_FILE);
      const before = await snapshotRelease(tx, CPT_URL, '2025');
      assert.deepEqual(await loadCpt(tx, CPT_FILE), first);
      assert.equal(await snapshotRelease(tx, CPT_URL, '2025'), before);

      await loadCpt(tx, newer);

      assert.equal((await findRelease(tx, CPT_URL))?.version, '2026');
      assert.equal((await lookup(tx, CPT_URL, undefined, 'X0003'))?.active, false);
      assert.equal((await lookup(tx, CPT_URL, '2025', 'X0003'))?.active, true);
    });
  });

  it('rejects a code that is not five characters, naming file, line and column, and keeps nothing', async () => {
    const lines = cptLines();
    lines[4] = lines[4]?.replace('X004F', 'X04F') ?? '';
    const broken = writeFile(files.path, 'broken/cpt-2025.csv', lines.join('\n'));
    const before = await systemState(db, CPT_URL);

    await assert.rejects(
      loadTerminology(db, { system: 'cpt', path: broken, version: uniqueVersion('broken'), batchSize: 2 }),
      (error: unknown) =>
        error instanceof TerminologyLoadError &&
        error.message === 'cpt-2025.csv line 5: column code is "X04F", expected a 5-character CPT code',
    );
    assert.equal(await systemState(db, CPT_URL), before);
  });
});
