import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../../../platform/db/index.ts';
import { loadTerminology, TerminologyLoadError } from '../load-terminology.ts';
import { loadShippedTerminology } from '../shipped.ts';
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
import { loadSnomed, SNOMED_URL } from './snomed.ts';

const RELEASE = path.join(FIXTURES, 'snomed', 'SnomedCT_TestRF2_PRODUCTION_20250101T120000Z');
const TERMINOLOGY = path.join(RELEASE, 'Snapshot', 'Terminology');
const VERSION = `${SNOMED_URL}/900000000000207008/version/20250101`;

describe('SNOMED CT RF2 loader', () => {
  let db: Database;
  const files = createTempDir('snomed-loader');

  /** A copy of the fixture release, with each file's lines changed by `edit`, dated `effectiveTime`. */
  const editedRelease = (name: string, effectiveTime: string, edit: (file: string, lines: string[]) => string[]) => {
    const copy = path.join(files.path, name);
    cpSync(RELEASE, copy, { recursive: true });
    for (const folder of ['Terminology', 'Refset/Language']) {
      const dir = path.join(copy, 'Snapshot', folder);
      for (const file of readdirFiles(dir)) {
        const lines = readFileSync(path.join(dir, file), 'utf8').split('\r\n');
        rmSync(path.join(dir, file));
        writeFileSync(path.join(dir, file.replace('20250101', effectiveTime)), edit(file, lines).join('\r\n'));
      }
    }
    return copy;
  };

  before(async () => {
    db = await openTestDatabase();
    await loadShippedTerminology(db, { only: ['snomed-gps'] });
  });

  after(async () => {
    await db.close();
    files.remove();
  });

  it('loads a snapshot: preferred terms as displays, FSNs and synonyms as designations, is-a rows as parents', async () => {
    await inRolledBackTransaction(db, [SNOMED_URL], async (tx) => {
      const summary = await loadSnomed(tx, RELEASE);

      assert.equal(summary.version, VERSION);
      assert.equal(summary.concepts, 15);
      const diabetes = await lookup(tx, SNOMED_URL, VERSION, '44054006');
      // The US English preferred term, not the FSN.
      assert.equal(diabetes?.display, 'Type 2 diabetes mellitus');
      assert.deepEqual(
        diabetes?.designations.map((designation) => `${designation.useCode}: ${designation.value}`).sort(),
        [
          '900000000000003001: Diabetes mellitus type 2 (disorder)',
          '900000000000013009: Diabetes mellitus type 2',
          '900000000000013009: Type 2 diabetes mellitus',
        ],
      );
      // Only the active |is a| row; the attribute and the inactive is-a rows are not parents.
      assert.deepEqual(diabetes?.parents, ['73211009']);
      assert.deepEqual(diabetes?.children, ['237599002']);
      assert.deepEqual(diabetes?.properties, {
        moduleId: '900000000000207008',
        effectiveTime: '20250101',
        sufficientlyDefined: false,
      });
      assert.deepEqual((await lookup(tx, SNOMED_URL, VERSION, '195967001'))?.parents, ['64572001']);
      const release = await findRelease(tx, SNOMED_URL, VERSION);
      assert.ok(release && (await subsumes(tx, release.id, '64572001', '237599002')));
    });
  });

  it('shows the FSN without its semantic tag when there is no language reference set', async () => {
    const withoutLanguage = path.join(files.path, 'no-language');
    cpSync(path.join(TERMINOLOGY), withoutLanguage, { recursive: true });
    await inRolledBackTransaction(db, [SNOMED_URL], async (tx) => {
      await loadSnomed(tx, withoutLanguage);

      assert.equal((await lookup(tx, SNOMED_URL, VERSION, '44054006'))?.display, 'Diabetes mellitus type 2');
    });
  });

  it('loads the same release twice, as a zip, without changing a row', async () => {
    const zip = path.join(files.path, 'SnomedCT_TestRF2_PRODUCTION_20250101T120000Z.zip');
    writeZip(
      zip,
      [
        'Terminology/sct2_Concept_Snapshot_INT_20250101.txt',
        'Terminology/sct2_Description_Snapshot-en_INT_20250101.txt',
        'Terminology/sct2_Relationship_Snapshot_INT_20250101.txt',
        'Refset/Language/der2_cRefset_LanguageSnapshot-en_INT_20250101.txt',
      ].map((name) => ({
        name: `SnomedCT_TestRF2_PRODUCTION_20250101T120000Z/Snapshot/${name}`,
        data: readFileSync(path.join(RELEASE, 'Snapshot', name)),
      })),
    );
    await inRolledBackTransaction(db, [SNOMED_URL], async (tx) => {
      const first = await loadSnomed(tx, zip);
      const before = await snapshotRelease(tx, SNOMED_URL, VERSION);

      assert.deepEqual(await loadSnomed(tx, RELEASE), first);
      assert.equal(await snapshotRelease(tx, SNOMED_URL, VERSION), before);
    });
  });

  it('keeps the older edition when a newer one is loaded, with retired concepts inactive', async () => {
    // 1. The July release inactivates Obesity (414916001) and drops Pneumonia (233604007) entirely.
    const newer = editedRelease('july', '20250701', (file, lines) =>
      lines
        .filter((line) => !line.includes('\t233604007\t') && !line.startsWith('233604007\t'))
        .map((line) =>
          file.startsWith('sct2_Concept') && line.startsWith('414916001\t') ? line.replace('\t1\t', '\t0\t') : line,
        ),
    );
    const newerVersion = `${SNOMED_URL}/900000000000207008/version/20250701`;
    await inRolledBackTransaction(db, [SNOMED_URL], async (tx) => {
      await loadSnomed(tx, RELEASE);

      // 2. Load July over January.
      const summary = await loadSnomed(tx, newer);

      // 3. July is current; both concepts resolve as inactive there and active in January.
      assert.equal(summary.version, newerVersion);
      assert.equal((await findRelease(tx, SNOMED_URL))?.version, newerVersion);
      assert.equal((await lookup(tx, SNOMED_URL, undefined, '414916001'))?.active, false);
      assert.equal((await lookup(tx, SNOMED_URL, undefined, '233604007'))?.active, false);
      assert.equal((await lookup(tx, SNOMED_URL, VERSION, '233604007'))?.active, true);
      assert.equal(summary.inactive, 2);
    });
  });

  it('rejects a bad active flag naming file, line and field, and keeps nothing', async () => {
    const broken = editedRelease('broken', '20250101', (file, lines) =>
      file.startsWith('sct2_Concept')
        ? lines.map((line, index) => (index === 9 ? line.replace('\t1\t', '\tyes\t') : line))
        : lines,
    );
    const before = await systemState(db, SNOMED_URL);

    await assert.rejects(
      loadTerminology(db, { system: 'snomed', path: broken, version: uniqueVersion('broken'), batchSize: 4 }),
      (error: unknown) =>
        error instanceof TerminologyLoadError &&
        error.message ===
          'Snapshot/Terminology/sct2_Concept_Snapshot_INT_20250101.txt line 10: column active is "yes", expected 0 or 1' &&
        error.field === 'active',
    );
    assert.equal(await systemState(db, SNOMED_URL), before);
  });
});

function readdirFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name);
}
