import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { Bundle } from '@medplum/fhirtypes';
import { extractIndexRows } from '../../fhir/search/extract-index.ts';
import { SMART_SAMPLE_DIR } from '../../../test/synthea.ts';
import { journeyParamCodes } from './derive-node.ts';
import { extractJourneyRows } from './journey-rows.ts';

const sortRows = (rows: readonly object[]) => rows.map((row) => JSON.stringify(row)).sort();

describe('extractJourneyRows', () => {
  it('gives exactly the reference and date rows extractIndexRows gives for the journey parameters', () => {
    const file = path.join(SMART_SAMPLE_DIR, 'Tony_Beer_bb8cd3e5-8910-4eea-bbc6-3f64a4a655b8.json.gz');
    const bundle = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as Bundle;
    const resources = (bundle.entry ?? []).flatMap((entry) => (entry.resource ? [entry.resource] : []));
    assert.ok(resources.length > 100);
    let compared = 0;
    for (const resource of resources) {
      const codes = new Set(journeyParamCodes(resource.resourceType));
      const full = extractIndexRows(resource);
      const journey = extractJourneyRows(resource);

      const label = `${resource.resourceType}/${resource.id ?? ''}`;
      assert.deepEqual(
        sortRows(journey.reference),
        sortRows(full.reference.filter((row) => codes.has(row.code))),
        label,
      );
      assert.deepEqual(sortRows(journey.date), sortRows(full.date.filter((row) => codes.has(row.code))), label);
      compared += journey.reference.length + journey.date.length;
    }
    assert.ok(compared > 200, 'the bundle exercises the journey parameters');
  });
});
