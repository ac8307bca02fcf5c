import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export { copyFilesTo, SMART_SAMPLE_DIR, smallestPatientBundles as patientBundlesBySize } from '@caregraph/server/test';

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
