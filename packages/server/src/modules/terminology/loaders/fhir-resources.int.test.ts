import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { Database } from '../../../platform/db/index.ts';
import { loadTerminology, TerminologyLoadError } from '../load-terminology.ts';
import { findRelease } from '../store/index.ts';
import { loadFhirFiles } from './fhir-resources.ts';
import {
  createTempDir,
  FIXTURES,
  inRolledBackTransaction,
  lookup,
  openTestDatabase,
  snapshotRelease,
  systemState,
  writeFile,
} from './loader-test-support.ts';

const CODE_SYSTEM_FILE = path.join(FIXTURES, 'fhir', 'CodeSystem-caregraph-test-severity.json');
const BUNDLE_FILE = path.join(FIXTURES, 'fhir', 'Bundle-caregraph-test-terminology.json');
const SEVERITY = 'http://example.org/fhir/CodeSystem/caregraph-test-severity';
const VALUE_SET = 'http://example.org/fhir/ValueSet/caregraph-test-severity';
const CONCEPT_MAP = 'http://example.org/fhir/ConceptMap/caregraph-test-severity-to-grade';
const codeSystem = () => JSON.parse(readFileSync(CODE_SYSTEM_FILE, 'utf8')) as { version: string; concept: unknown[] };

describe('FHIR CodeSystem, ValueSet and ConceptMap loader', () => {
  let db: Database;
  const files = createTempDir('fhir-terminology-loader');

  before(async () => {
    db = await openTestDatabase();
  });

  after(async () => {
    await db.close();
    files.remove();
  });

  it('loads a CodeSystem: nesting and child properties as parents, properties, designations, retired concepts', async () => {
    await inRolledBackTransaction(db, [SEVERITY], async (tx) => {
      const summary = await loadFhirFiles(tx, CODE_SYSTEM_FILE);

      assert.equal(summary.url, SEVERITY);
      assert.equal(summary.version, '1.0.0');
      assert.equal(summary.concepts, 6);
      const mild = await lookup(tx, SEVERITY, '1.0.0', 'mild');
      assert.equal(mild?.definition, 'Little effect on daily life.');
      assert.deepEqual(mild?.parents, ['any']);
      assert.deepEqual(mild?.properties, { weight: 1 });
      assert.deepEqual(mild?.designations, [
        { language: 'fr', value: 'Léger' },
        { useSystem: 'http://snomed.info/sct', useCode: '900000000000013009', value: 'Slight' },
      ]);
      // `child` names a concept below this one.
      assert.deepEqual((await lookup(tx, SEVERITY, '1.0.0', 'life-threatening'))?.parents, ['severe']);
      assert.equal((await lookup(tx, SEVERITY, '1.0.0', 'old-grade'))?.active, false);
      assert.equal((await findRelease(tx, SEVERITY))?.publisher, 'CareGraph tests');
    });
  });

  it('stores ValueSets and ConceptMap elements from a gzipped Bundle, ignoring other resources', async () => {
    const gzipped = writeFile(files.path, 'bundle/terminology.json.gz', gzipSync(readFileSync(BUNDLE_FILE)));
    await inRolledBackTransaction(db, [SEVERITY], async (tx) => {
      const summary = await loadFhirFiles(tx, gzipped);

      assert.equal(summary.valueSets, 1);
      assert.equal(summary.mapElements, 4);
      const { rows: valueSets } = await tx.query<{ version: string; is_current: boolean }>(
        'SELECT version, is_current FROM term_value_set WHERE url = $1',
        [VALUE_SET],
      );
      assert.deepEqual(valueSets, [{ version: '1.0.0', is_current: true }]);
      const { rows: elements } = await tx.query(
        `SELECT source_code, target_code, equivalence, comment FROM term_map WHERE map_url = $1
         ORDER BY source_code, target_code NULLS FIRST`,
        [CONCEPT_MAP],
      );
      assert.deepEqual(elements, [
        { source_code: 'mild', target_code: '1', equivalence: 'equivalent', comment: null },
        { source_code: 'moderate', target_code: null, equivalence: 'unmatched', comment: null },
        { source_code: 'severe', target_code: '3', equivalence: 'wider', comment: null },
        { source_code: 'severe', target_code: '4', equivalence: 'narrower', comment: 'when life-threatening' },
      ]);
    });
  });

  it('loads the same files twice without changing a row', async () => {
    await inRolledBackTransaction(db, [SEVERITY], async (tx) => {
      const first = await loadFhirFiles(tx, path.join(FIXTURES, 'fhir'));
      const before = await snapshotRelease(tx, SEVERITY, '1.0.0');
      const count = async () =>
        (await tx.query('SELECT 1 FROM term_map WHERE map_url = $1', [CONCEPT_MAP])).rows.length;

      assert.deepEqual(await loadFhirFiles(tx, path.join(FIXTURES, 'fhir')), first);
      assert.equal(await snapshotRelease(tx, SEVERITY, '1.0.0'), before);
      assert.equal(await count(), 4);
    });
  });

  it('keeps version 1.0.0 when 2.0.0 is loaded and marks the concept 2.0.0 dropped inactive', async () => {
    const resource = codeSystem();
    resource.version = '2.0.0';
    resource.concept = resource.concept.slice(0, 2);
    const newer = writeFile(files.path, 'newer/CodeSystem.json', JSON.stringify(resource));
    await inRolledBackTransaction(db, [SEVERITY], async (tx) => {
      await loadFhirFiles(tx, CODE_SYSTEM_FILE);

      await loadFhirFiles(tx, newer);

      assert.equal((await findRelease(tx, SEVERITY))?.version, '2.0.0');
      assert.equal((await lookup(tx, SEVERITY, undefined, 'old-grade'))?.active, false);
      assert.equal((await lookup(tx, SEVERITY, '1.0.0', 'mild'))?.active, true);
    });
  });

  it('loads two versions of a CodeSystem in one Bundle, the later one current', async () => {
    const older = codeSystem();
    const newer = { ...codeSystem(), version: '2.0.0', concept: codeSystem().concept.slice(1) };
    const bundle = writeFile(
      files.path,
      'versions/Bundle.json',
      JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: older }, { resource: newer }] }),
    );
    await inRolledBackTransaction(db, [SEVERITY], async (tx) => {
      const summary = await loadFhirFiles(tx, bundle);

      assert.deepEqual(
        summary.codeSystems.map((release) => [release.version, release.isCurrent]),
        [
          ['1.0.0', true],
          ['2.0.0', true],
        ],
      );
      assert.equal((await findRelease(tx, SEVERITY))?.version, '2.0.0');
      assert.equal((await findRelease(tx, SEVERITY, '1.0.0'))?.isCurrent, false);
      // 1.0.0's codes that 2.0.0 lacks are carried over as inactive.
      assert.equal((await lookup(tx, SEVERITY, undefined, 'mild'))?.active, false);
    });
  });

  it('rejects a concept without a code with its FHIRPath, and keeps nothing', async () => {
    const resource = codeSystem();
    (resource.concept[0] as { concept: Array<{ code?: string }> }).concept[1] = { code: undefined };
    const broken = writeFile(files.path, 'broken/CodeSystem.json', JSON.stringify(resource));
    const before = await systemState(db, SEVERITY);

    await assert.rejects(
      loadTerminology(db, { system: 'fhir', path: broken }),
      (error: unknown) =>
        error instanceof TerminologyLoadError &&
        error.message === `CodeSystem.json: CodeSystem ${SEVERITY}: CodeSystem.concept[0].concept[1] has no code` &&
        error.field === 'CodeSystem.concept[0].concept[1].code',
    );
    assert.equal(await systemState(db, SEVERITY), before);
  });

  it('names the file that is not valid JSON', async () => {
    const broken = writeFile(
      files.path,
      'syntax/CodeSystem.json',
      '{\n  "resourceType": "CodeSystem",\n  "url": \n}\n',
    );

    await assert.rejects(loadTerminology(db, { system: 'fhir', path: broken }), {
      name: 'TerminologyLoadError',
      message: /^CodeSystem\.json: not valid JSON: /,
    });
  });
});
