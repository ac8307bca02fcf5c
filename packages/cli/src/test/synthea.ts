import { copyFileSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { SYNTHEA_DIR } from './cli-harness.ts';

/** SMART on FHIR sample patient bundles: one Patient each, references by `urn:uuid`. */
export const SMART_SAMPLE_DIR = path.join(SYNTHEA_DIR, 'smart-on-fhir-generated-sample-data');

function isPatientBundle(file: string): boolean {
  return !/^(hospitalInformation|practitionerInformation)/.test(path.basename(file));
}

/** Patient bundles ordered by compressed size; `skip` and `count` pick a slice of them. */
export function patientBundlesBySize(count: number, skip = 0): string[] {
  return readdirSync(SMART_SAMPLE_DIR)
    .filter((name) => name.endsWith('.json.gz'))
    .map((name) => path.join(SMART_SAMPLE_DIR, name))
    .filter(isPatientBundle)
    .sort((a, b) => statSync(a).size - statSync(b).size || a.localeCompare(b))
    .slice(skip, skip + count);
}

/** Copies files into `dir`, keeping their names; returns the copies' paths. */
export function copyFilesTo(files: string[], dir: string): string[] {
  return files.map((file) => {
    const target = path.join(dir, path.basename(file));
    copyFileSync(file, target);
    return target;
  });
}

/** Distinct `Type/id`s in gzipped bundles: what importing them must store, no more. */
export function distinctResources(files: string[]): Set<string> {
  const keys = new Set<string>();
  for (const file of files) {
    const bundle = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as {
      entry?: Array<{ resource?: { resourceType: string; id?: string } }>;
    };
    for (const entry of bundle.entry ?? []) {
      keys.add(`${entry.resource?.resourceType}/${entry.resource?.id}`);
    }
  }
  return keys;
}
