import assert from 'node:assert/strict';
import { globSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { Bundle } from '@medplum/fhirtypes';
import { createTestApp, type TestApp, type TestTenant } from '../../../test/create-test-app.ts';
import { testDatabaseMode } from '../../../test/test-database.ts';
import { countResources, FHIR, json } from '../fhir-test-support.ts';

const SYNTHEA_DIR = '/work/shared/data/synthea-dev';

/**
 * The Synthea bundles in import order: within each source, its organisations and practitioners
 * first, since the fhir-data-pipes patient bundles refer to them by conditional references.
 * Sources are imported one after the other: the smart-on-fhir hospital bundle creates (with plain
 * POSTs) 54 Organizations whose identifiers fhir-data-pipes Organizations also carry, and once
 * both exist a conditional reference to either rightly fails as ambiguous (R4 §3.1.0.11.2).
 */
function bundleFilesInImportOrder(): string[] {
  const isShared = (file: string) => /^(hospitalInformation|practitionerInformation)/.test(path.basename(file));
  const sources = globSync(`${SYNTHEA_DIR}/*/`).sort();
  return sources.flatMap((source) => {
    const files = globSync(`${source}/*.json.gz`).sort();
    return [...files.filter(isShared), ...files.filter((file) => !isShared(file))];
  });
}

/** Every entry of a transaction or batch response that did not succeed, described for the failure message. */
function failedEntries(result: Bundle): string[] {
  return (result.entry ?? []).flatMap((entry, index) => {
    const status = entry.response?.status ?? '';
    if (/^2\d\d/.test(status)) {
      return [];
    }
    const outcome = entry.response?.outcome;
    return [`entry ${index}: ${status} ${outcome?.issue?.map((issue) => issue.details?.text).join('; ') ?? ''}`];
  });
}

describe('Synthea import through the REST API', () => {
  let testApp: TestApp;
  let tenant: TestTenant;

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
  });

  after(() => testApp.close());

  it(
    'imports every Synthea bundle as one batch or transaction with no errors, yielding 40 Patients',
    { timeout: 15 * 60_000 },
    async (t) => {
      const files = bundleFilesInImportOrder();
      assert.equal(files.length, 44);
      const started = performance.now();
      let resources = 0;
      for (const file of files) {
        const text = gunzipSync(readFileSync(file)).toString('utf8');
        const bundle = JSON.parse(text) as Bundle;
        // 1. POST the bundle exactly as Synthea wrote it.
        const response = await tenant.request({
          method: 'POST',
          url: FHIR,
          headers: { 'content-type': 'application/fhir+json' },
          payload: text,
        });
        const name = path.relative(SYNTHEA_DIR, file);
        assert.equal(response.statusCode, 200, `${name}: ${response.body.slice(0, 2000)}`);
        // 2. Every entry succeeded.
        const result = json<Bundle>(response);
        assert.equal(result.type, `${bundle.type}-response`, name);
        assert.equal(result.entry?.length, bundle.entry?.length, name);
        assert.deepEqual(failedEntries(result).slice(0, 10), [], name);
        resources += bundle.entry?.length ?? 0;
      }
      const seconds = (performance.now() - started) / 1000;
      t.diagnostic(
        `${testDatabaseMode()}: imported ${files.length} bundles, ${resources} entries in ${seconds.toFixed(1)} s`,
      );
      // 3. Each patient bundle holds one Patient.
      assert.equal(await countResources(tenant, 'Patient'), 40);
      const accurate = await tenant.request({ method: 'GET', url: `${FHIR}/Patient?_total=accurate&_count=1` });
      assert.equal(json<Bundle>(accurate).total, 40);
    },
  );
});
