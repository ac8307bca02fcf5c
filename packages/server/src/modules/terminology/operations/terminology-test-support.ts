// Reference data for the terminology tests: real codes with their real displays and parents,
// written under system URLs unique to one test run. The term_* tables are shared by every tenant
// and test file, so tests never write under a real system URL (see the store's finishRelease).
import { randomBytes } from 'node:crypto';
import type { Database } from '../../../platform/db/index.ts';
import { beginRelease, finishRelease, writeConcepts, type ConceptInput } from '../store/index.ts';

/** The systems, map and shared value set one seeding wrote; each URL is unique to the run. */
export type TestTerminology = {
  /** The prefix of every URL below. */
  base: string;
  snomed: string;
  loinc: string;
  cvx: string;
  icd10cm: string;
  /** A SNOMED CT → ICD-10-CM map in the shared map table. */
  snomedToIcd: string;
  /** A shared value set (term_value_set): the diabetes codes of both systems. */
  diabetesValueSet: string;
};

const SNOMED: ConceptInput[] = [
  { code: '362969004', display: 'Disorder of endocrine system' },
  {
    code: '73211009',
    display: 'Diabetes mellitus',
    parents: ['362969004'],
    designations: [{ language: 'en', useCode: '900000000000003001', value: 'Diabetes mellitus (disorder)' }],
  },
  {
    code: '44054006',
    display: 'Diabetes mellitus type 2',
    parents: ['73211009'],
    designations: [
      { language: 'en', useCode: '900000000000003001', value: 'Diabetes mellitus type 2 (disorder)' },
      { language: 'en', useCode: '900000000000013009', value: 'Type 2 diabetes mellitus' },
      { language: 'en', useCode: '900000000000013009', value: 'Type II diabetes mellitus' },
    ],
  },
  { code: '46635009', display: 'Diabetes mellitus type 1', parents: ['73211009'] },
  // Marked inactive here (it is active in SNOMED CT) to exercise inactive concepts below an active parent.
  {
    code: '313436004',
    display: 'Type II diabetes mellitus without complication',
    parents: ['44054006'],
    active: false,
  },
  { code: '49601007', display: 'Disorder of cardiovascular system' },
  { code: '38341003', display: 'Hypertensive disorder, systemic arterial', parents: ['49601007'] },
];

const LOINC: ConceptInput[] = [
  {
    code: '4548-4',
    display: 'Hemoglobin A1c/Hemoglobin.total in Blood',
    properties: { CLASS: 'HEM/BC', COMMON_TEST_RANK: 81 },
    designations: [{ useCode: 'SHORTNAME', value: 'Hgb A1c MFr Bld' }],
  },
  {
    code: '17856-6',
    display: 'Hemoglobin A1c/Hemoglobin.total in Blood by HPLC',
    properties: { CLASS: 'HEM/BC', COMMON_TEST_RANK: 215 },
    designations: [{ useCode: 'SHORTNAME', value: 'Hgb A1c MFr Bld HPLC' }],
  },
  {
    code: '2345-7',
    display: 'Glucose [Mass/volume] in Serum or Plasma',
    properties: { CLASS: 'Chem', COMMON_TEST_RANK: 4 },
  },
  { code: '2339-0', display: 'Glucose [Mass/volume] in Blood', properties: { CLASS: 'Chem', COMMON_TEST_RANK: 13 } },
];

const CVX: ConceptInput[] = [
  { code: '213', display: 'SARS-COV-2 (COVID-19) vaccine, UNSPECIFIED', active: false },
  { code: '208', display: 'COVID-19, mRNA, LNP-S, PF, 30 mcg/0.3 mL dose', parents: ['213'], active: false },
  { code: '311', display: 'COVID-19, mRNA, LNP-S, PF, 25 mcg/0.25 mL', parents: ['213'] },
];

const ICD10CM: ConceptInput[] = [
  { code: 'E08-E13', display: 'Diabetes mellitus (E08-E13)' },
  { code: 'E10', display: 'Type 1 diabetes mellitus', parents: ['E08-E13'] },
  { code: 'E11', display: 'Type 2 diabetes mellitus', parents: ['E08-E13'] },
  { code: 'E11.9', display: 'Type 2 diabetes mellitus without complications', parents: ['E11'] },
];

async function writeSystem(db: Database, url: string, name: string, version: string, concepts: ConceptInput[]) {
  await db.transaction(async (tx) => {
    const release = await beginRelease(tx, { url, version, name, title: name });
    await writeConcepts(tx, release.id, concepts);
    await finishRelease(tx, release);
  });
}

/** Writes the test code systems, a map and a shared value set under URLs unique to this run. */
export async function seedTestTerminology(db: Database, label: string): Promise<TestTerminology> {
  const base = `urn:caregraph:test:${label}:${randomBytes(4).toString('hex')}`;
  const urls: TestTerminology = {
    base,
    snomed: `${base}:sct`,
    loinc: `${base}:loinc`,
    cvx: `${base}:cvx`,
    icd10cm: `${base}:icd-10-cm`,
    snomedToIcd: `${base}:map:sct-icd10cm`,
    diabetesValueSet: `${base}:vs:diabetes`,
  };
  await writeSystem(db, urls.snomed, 'SNOMED CT (test)', '20250301', SNOMED);
  await writeSystem(db, urls.loinc, 'LOINC (test)', '2.80', LOINC);
  await writeSystem(db, urls.cvx, 'CVX (test)', '2025-10-31', CVX);
  await writeSystem(db, urls.icd10cm, 'ICD-10-CM (test)', '2026', ICD10CM);
  await db.query(
    `INSERT INTO term_map (map_url, map_version, source_system, source_code, target_system, target_code, target_display, equivalence)
     VALUES ($1, '1', $2, '44054006', $3, 'E11.9', NULL, 'equivalent'),
            ($1, '1', $2, '46635009', $3, 'E10', 'Type 1 diabetes mellitus', 'wider'),
            ($1, '1', $2, '38341003', $3, NULL, NULL, 'unmatched')`,
    [urls.snomedToIcd, urls.snomed, urls.icd10cm],
  );
  const valueSet = {
    resourceType: 'ValueSet',
    url: urls.diabetesValueSet,
    version: '1',
    name: 'DiabetesTest',
    status: 'active',
    compose: {
      include: [
        { system: urls.snomed, filter: [{ property: 'concept', op: 'is-a', value: '73211009' }] },
        { system: urls.icd10cm, filter: [{ property: 'concept', op: 'descendent-of', value: 'E08-E13' }] },
      ],
    },
  };
  await db.query('INSERT INTO term_value_set (url, version, resource) VALUES ($1, $2, $3)', [
    urls.diabetesValueSet,
    '1',
    JSON.stringify(valueSet),
  ]);
  return urls;
}

/**
 * Removes what `seedTestTerminology` wrote, and any code system a test added under the same URL
 * prefix, so the shared PostgreSQL test database does not grow with every run.
 */
export async function removeTestTerminology(db: Database, terms: TestTerminology): Promise<void> {
  const prefix = `${terms.base}%`;
  // term_parent has no foreign key to concepts (edges may name codes of a later batch), so it goes explicitly.
  await db.query('DELETE FROM term_parent WHERE system_id IN (SELECT id FROM term_system WHERE url LIKE $1)', [prefix]);
  await db.query('DELETE FROM term_word WHERE system_id IN (SELECT id FROM term_system WHERE url LIKE $1)', [prefix]);
  await db.query('DELETE FROM term_system WHERE url LIKE $1', [prefix]);
  await db.query('DELETE FROM term_map WHERE map_url LIKE $1', [prefix]);
  await db.query('DELETE FROM term_value_set WHERE url LIKE $1', [prefix]);
}
