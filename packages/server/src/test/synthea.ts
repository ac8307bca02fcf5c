import { copyFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** The shared Synthea test data: synthetic patients, never real PHI. `CAREGRAPH_SYNTHEA_DIR` overrides it. */
export const SYNTHEA_DIR = path.resolve(
  process.env.CAREGRAPH_SYNTHEA_DIR ?? path.join(import.meta.dirname, '../../../../../shared/data/synthea-dev'),
);

/** Patient bundles (one Patient each, plain `urn:uuid` references) from the SMART on FHIR sample data. */
export const SMART_SAMPLE_DIR = path.join(SYNTHEA_DIR, 'smart-on-fhir-generated-sample-data');

/**
 * fhir-data-pipes bundles: patient bundles whose conditional references (`Practitioner?identifier=…`)
 * point at resources in the hospitalInformation and practitionerInformation files.
 */
export const DATA_PIPES_DIR = path.join(SYNTHEA_DIR, 'google-fhir-data-pipes-synthea-hiv');

/** Whether a Synthea file holds a patient (rather than shared organisations or practitioners). */
export function isPatientBundle(file: string): boolean {
  return !/^(hospitalInformation|practitionerInformation)/.test(path.basename(file));
}

/** The `.json.gz` files of a Synthea directory, sorted, as absolute paths. */
export function listSyntheaFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json.gz'))
    .sort()
    .map((name) => path.join(dir, name));
}

/**
 * The smallest `count` SMART patient bundles (by compressed size, for fast tests), sorted by name.
 * @param skip - leave out the smallest `skip` bundles, to get ones other tests do not use
 */
export function smallestPatientBundles(count: number, skip = 0): string[] {
  return listSyntheaFiles(SMART_SAMPLE_DIR)
    .filter(isPatientBundle)
    .map((file) => ({ file, name: path.basename(file) }))
    .sort((a, b) => statSync(a.file).size - statSync(b.file).size || a.name.localeCompare(b.name))
    .slice(skip, skip + count)
    .map((item) => item.file)
    .sort();
}

/** Copies files into `dir`, keeping their names; returns the copies' paths. */
export function copyFilesTo(files: string[], dir: string): string[] {
  return files.map((file) => {
    const target = path.join(dir, path.basename(file));
    copyFileSync(file, target);
    return target;
  });
}
