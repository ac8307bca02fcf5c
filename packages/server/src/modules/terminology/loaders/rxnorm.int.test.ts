import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../../../platform/db/index.ts';
import { loadTerminology, TerminologyLoadError } from '../load-terminology.ts';
import { findRelease, subsumes } from '../store/index.ts';
import {
  createTempDir,
  FIXTURES,
  inRolledBackTransaction,
  lookup,
  openTestDatabase,
  snapshotRelease,
  systemState,
  uniqueVersion,
  writeZip,
} from './loader-test-support.ts';
import { loadRxnorm, RXNORM_URL } from './rxnorm.ts';

const RELEASE = path.join(FIXTURES, 'rxnorm', 'RxNorm_full_01062025');
const rrf = (name: string) => readFileSync(path.join(RELEASE, 'rrf', name), 'utf8');

describe('RxNorm RRF loader', () => {
  let db: Database;
  const files = createTempDir('rxnorm-loader');

  /** A copy of the fixture release under another name, with RXNCONSO.RRF changed by `edit`. */
  const editedRelease = (name: string, edit: (lines: string[]) => string[]) => {
    const copy = path.join(files.path, name);
    cpSync(RELEASE, copy, { recursive: true });
    writeFileSync(path.join(copy, 'rrf', 'RXNCONSO.RRF'), edit(rrf('RXNCONSO.RRF').split('\n')).join('\n'));
    return copy;
  };

  before(async () => {
    db = await openTestDatabase();
  });

  after(async () => {
    await db.close();
    files.remove();
  });

  it('loads RXNORM atoms as concepts named by their non-synonym atom, other names as designations', async () => {
    await inRolledBackTransaction(db, [RXNORM_URL], async (tx) => {
      const summary = await loadRxnorm(tx, RELEASE);

      assert.equal(summary.version, '01062025');
      assert.equal(summary.concepts, 8);
      const tablet = await lookup(tx, RXNORM_URL, '01062025', '313782');
      assert.equal(tablet?.display, 'acetaminophen 325 MG Oral Tablet');
      assert.deepEqual(tablet?.properties, { tty: 'SCD' });
      assert.deepEqual(
        tablet?.designations.map((designation) => `${designation.useCode}: ${designation.value}`),
        ['PSN: acetaminophen 325 MG Oral Tablet', 'SY: APAP 325 MG Oral Tablet'],
      );
      // Atoms of other sources (MSH) are not RxNorm names.
      assert.deepEqual(
        (await lookup(tx, RXNORM_URL, '01062025', '161'))?.designations.map((d) => d.value),
        ['APAP'],
      );
      // A suppressed (obsolete) naming atom makes the concept inactive.
      assert.equal((await lookup(tx, RXNORM_URL, '01062025', '999991'))?.active, false);
      assert.equal(summary.inactive, 1);
    });
  });

  it('builds the hierarchy from RXNREL: drugs below their components, ingredients and clinical drugs', async () => {
    await inRolledBackTransaction(db, [RXNORM_URL], async (tx) => {
      await loadRxnorm(tx, RELEASE);
      const release = await findRelease(tx, RXNORM_URL, '01062025');
      assert.ok(release);

      assert.deepEqual((await lookup(tx, RXNORM_URL, '01062025', '313782'))?.parents, ['315266']);
      assert.deepEqual((await lookup(tx, RXNORM_URL, '01062025', '161'))?.children, ['202433', '315266']);
      // Everything that contains acetaminophen is below it; may_treat and inverse rows add no edges.
      for (const drug of ['315266', '313782', '209387', '202433']) {
        assert.ok(await subsumes(tx, release.id, '161', drug), drug);
      }
      assert.equal(await subsumes(tx, release.id, '313782', '161'), false);
      assert.equal(await subsumes(tx, release.id, '6809', '313782'), false);
    });
  });

  it('loads the same release twice, from a zip, without changing a row', async () => {
    const zip = path.join(files.path, 'RxNorm_full_prescribe_01062025.zip');
    writeZip(zip, [
      { name: 'rrf/RXNCONSO.RRF', data: rrf('RXNCONSO.RRF') },
      { name: 'rrf/RXNREL.RRF', data: rrf('RXNREL.RRF') },
    ]);
    await inRolledBackTransaction(db, [RXNORM_URL], async (tx) => {
      const first = await loadRxnorm(tx, zip);
      const before = await snapshotRelease(tx, RXNORM_URL, '01062025');

      assert.deepEqual(await loadRxnorm(tx, RELEASE), first);
      assert.equal(await snapshotRelease(tx, RXNORM_URL, '01062025'), before);
    });
  });

  it('keeps January when February is loaded and marks the concept February dropped inactive', async () => {
    const newer = editedRelease('RxNorm_full_02032025', (lines) => lines.filter((line) => !line.startsWith('6809|')));
    await inRolledBackTransaction(db, [RXNORM_URL], async (tx) => {
      await loadRxnorm(tx, RELEASE);

      await loadRxnorm(tx, newer);

      assert.equal((await findRelease(tx, RXNORM_URL))?.version, '02032025');
      assert.equal((await lookup(tx, RXNORM_URL, undefined, '6809'))?.active, false);
      assert.equal((await lookup(tx, RXNORM_URL, '01062025', '6809'))?.active, true);
    });
  });

  it('rejects a row with a bad RXCUI naming file, line and field, and keeps nothing', async () => {
    const broken = editedRelease('RxNorm_full_03032025', (lines) =>
      lines.map((line, index) => (index === 6 ? line.replace(/^\d+/, '31x782') : line)),
    );
    const before = await systemState(db, RXNORM_URL);

    await assert.rejects(
      loadTerminology(db, { system: 'rxnorm', path: broken, version: uniqueVersion('broken') }),
      (error: unknown) =>
        error instanceof TerminologyLoadError &&
        error.message === 'rrf/RXNCONSO.RRF line 7: column RXCUI is "31x782", expected digits' &&
        error.field === 'RXCUI',
    );
    assert.equal(await systemState(db, RXNORM_URL), before);
  });
});
