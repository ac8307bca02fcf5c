import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../../platform/db/index.ts';
import { CVX_URL, loadCvx } from './loaders/cvx.ts';
import { ICD10CM_URL } from './loaders/icd10-codes.ts';
import { loadIcd10cm } from './loaders/icd10.ts';
import { loadIcd10cmHierarchy } from './loaders/icd10cm-hierarchy.ts';
import { FIXTURES, inRolledBackTransaction, lookup, openTestDatabase } from './loaders/loader-test-support.ts';
import { LOINC_URL } from './loaders/loinc.ts';
import { SHIPPED_TERMINOLOGY_DIR } from './loaders/shipped-data-dir.ts';
import { SNOMED_URL } from './loaders/snomed.ts';
import { HCPCS_URL } from './loaders/hcpcs.ts';
import { UCUM_URL } from './loaders/ucum.ts';
import { loadShippedTerminology, SHIPPED_PARTS } from './shipped.ts';
import { findRelease } from './store/index.ts';

describe('shipped terminology', () => {
  let db: Database;

  before(async () => {
    db = await openTestDatabase();
  });

  after(async () => {
    await db.close();
  });

  it('loads every part once; a second call reads nothing', async () => {
    const first = await loadShippedTerminology(db);
    assert.deepEqual(
      first.parts.map((part) => part.id),
      [...SHIPPED_PARTS],
    );

    const second = await loadShippedTerminology(db);

    assert.deepEqual(
      second.parts.map((part) => part.status),
      SHIPPED_PARTS.map(() => 'skipped'),
    );
  });

  it('resolves the codes the demo data and the issue name', async () => {
    await loadShippedTerminology(db);
    const display = async (url: string, code: string) => (await lookup(db, url, undefined, code))?.display;

    assert.equal(await display(LOINC_URL, '4548-4'), 'Hemoglobin A1c/Hemoglobin.total in Blood');
    assert.equal(await display(LOINC_URL, '8480-6'), 'Systolic blood pressure');
    assert.equal(await display(SNOMED_URL, '44054006'), 'Diabetes mellitus type 2');
    assert.equal(await display(CVX_URL, '208'), 'COVID-19, mRNA, LNP-S, PF, 30 mcg/0.3 mL dose');
    assert.equal(await display(UCUM_URL, 'mm[Hg]'), 'millimeter of mercury');
    assert.equal(await display(HCPCS_URL, 'G0008'), 'Administration of influenza virus vaccine');
    assert.equal(await display('http://hl7.org/fhir/administrative-gender', 'female'), 'Female');
    assert.equal(await display('http://terminology.hl7.org/CodeSystem/v3-ActCode', 'AMB'), 'ambulatory');
    const e11 = await lookup(db, ICD10CM_URL, undefined, 'E11');
    assert.equal(e11?.display, 'Type 2 diabetes mellitus');
    assert.deepEqual(e11?.parents, ['E08-E13']);
    const { rows: valueSets } = await db.query('SELECT 1 FROM term_value_set WHERE url = $1 AND is_current', [
      'http://terminology.hl7.org/ValueSet/snomed-intl-gps',
    ]);
    assert.equal(valueSets.length, 1);
    const { rows: maps } = await db.query(
      `SELECT target_code FROM term_map WHERE map_url = 'http://hl7.org/fhir/ConceptMap/cm-administrative-gender-v2'
       AND source_code = 'female'`,
    );
    assert.deepEqual(maps, [{ target_code: 'F' }]);
  });

  it('resolves every code of the demo patients in the current release of its system', async () => {
    await loadShippedTerminology(db);
    const [, ...lines] = readFileSync(path.join(SHIPPED_TERMINOLOGY_DIR, 'demo-codes', 'demo-codes.tsv'), 'utf8')
      .trim()
      .split('\n');
    assert.ok(lines.length > 200);
    const missing: string[] = [];
    for (const line of lines) {
      const [system = '', code = ''] = line.split('\t');
      if (!(await lookup(db, system, undefined, code))) {
        missing.push(`${system}|${code}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it('never makes a shipped release current over one a user loaded', async () => {
    await inRolledBackTransaction(db, [CVX_URL], async (tx) => {
      await loadCvx(tx, path.join(FIXTURES, 'cvx', 'cvx.txt'));

      const shipped = await loadCvx(tx, path.join(SHIPPED_TERMINOLOGY_DIR, 'cvx', 'cvx.tsv'), {
        version: 'shipped-test',
        makeCurrent: 'if-none',
      });

      assert.equal(shipped.codeSystems[0]?.isCurrent, false);
      assert.equal((await findRelease(tx, CVX_URL))?.version, '20240701');
    });
  });

  it('lets a complete release replace a shipped fragment whatever their versions', async () => {
    await inRolledBackTransaction(db, [ICD10CM_URL], async (tx) => {
      await loadIcd10cmHierarchy(tx, path.join(SHIPPED_TERMINOLOGY_DIR, 'icd10cm'), { version: '2099' });

      await loadIcd10cm(tx, path.join(FIXTURES, 'icd10cm', 'icd10cm_order_2025.txt'));

      assert.equal((await findRelease(tx, ICD10CM_URL))?.version, '2025');
    });
  });
});
