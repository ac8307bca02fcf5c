import type { Database, Queryable } from '../../platform/db/index.ts';
import { loadCpt } from './loaders/cpt.ts';
import { loadCvx } from './loaders/cvx.ts';
import { loadFhirFiles } from './loaders/fhir-resources.ts';
import { loadHcpcs } from './loaders/hcpcs.ts';
import { loadIcd10cm, loadIcd10pcs } from './loaders/icd10.ts';
import { loadLoinc } from './loaders/loinc.ts';
import { loadRxnorm } from './loaders/rxnorm.ts';
import { loadSnomed } from './loaders/snomed.ts';
import { loadUcum } from './loaders/ucum.ts';
import type { LoadSummary, LoaderOptions } from './loaders/write-release.ts';
import { refreshTermStatistics } from './store/index.ts';

export { TerminologyLoadError } from './loaders/load-error.ts';
export type { LoadProgress, LoadSummary, ReleaseSummary } from './loaders/write-release.ts';

/** The code systems `loadTerminology` reads, by the name the CLI takes. */
export const TERMINOLOGY_SYSTEMS = [
  'icd10cm',
  'icd10pcs',
  'loinc',
  'snomed',
  'rxnorm',
  'cpt',
  'hcpcs',
  'cvx',
  'ucum',
  'fhir',
] as const;

export type TerminologySystem = (typeof TERMINOLOGY_SYSTEMS)[number];

export type LoadTerminologyOptions = LoaderOptions & {
  system: TerminologySystem;
  /** A release file, zip or directory. */
  path: string;
  /** CPT only: the header of the code column, when not `code`, `cpt_code`, …. */
  codeColumn?: string;
  /** CPT only: the header of the descriptor column, when not `descriptor`, `description`, …. */
  displayColumn?: string;
};

/** Whether `name` is a system `loadTerminology` reads. */
export function isTerminologySystem(name: string): name is TerminologySystem {
  return (TERMINOLOGY_SYSTEMS as readonly string[]).includes(name);
}

function loaderFor(
  system: TerminologySystem,
): (tx: Queryable, path: string, options: Omit<LoadTerminologyOptions, 'system' | 'path'>) => Promise<LoadSummary> {
  switch (system) {
    case 'icd10cm':
      return loadIcd10cm;
    case 'icd10pcs':
      return loadIcd10pcs;
    case 'loinc':
      return loadLoinc;
    case 'snomed':
      return loadSnomed;
    case 'rxnorm':
      return loadRxnorm;
    case 'cpt':
      return loadCpt;
    case 'hcpcs':
      return loadHcpcs;
    case 'cvx':
      return loadCvx;
    case 'ucum':
      return loadUcum;
    case 'fhir':
      return loadFhirFiles;
  }
}

/** Key of the advisory lock that keeps two loads (or a load and the shipped data) from interleaving. */
export const TERMINOLOGY_LOCK_KEY = 7_246_310;

/**
 * Loads a code system release (or FHIR terminology resources) from a file, zip or directory in one
 * transaction: a malformed file changes nothing and fails with a `TerminologyLoadError` naming the
 * file, line and field. Loading the same release again changes nothing; a newer release becomes
 * current and keeps the older one, whose codes missing from the new one stay as inactive. The term
 * tables are analyzed afterwards, so the next searches are planned on the loaded data.
 */
export async function loadTerminology(db: Database, options: LoadTerminologyOptions): Promise<LoadSummary> {
  const { system, path, ...loaderOptions } = options;
  const load = loaderFor(system);
  const summary = await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [TERMINOLOGY_LOCK_KEY]);
    return load(tx, path, loaderOptions);
  });
  await refreshTermStatistics(db);
  return summary;
}
