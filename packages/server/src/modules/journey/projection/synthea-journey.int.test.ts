import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { Bundle, Reference } from '@medplum/fhirtypes';
import { createTestApp, type TestApp, type TestTenant } from '../../../test/create-test-app.ts';
import { SMART_SAMPLE_DIR } from '../../../test/synthea.ts';
import { FHIR, json } from '../../fhir/fhir-test-support.ts';
import { readTimeline, snapshotJourney, type EdgeSnapshot, type NodeSnapshot } from './journey-test-support.ts';

/** Two SMART sample patients: one small, one with many reason references. */
const FILES = [
  'Brett_Gottlieb_0d2177ba-f67b-4f29-addb-91040de55388.json.gz',
  'Tony_Beer_bb8cd3e5-8910-4eea-bbc6-3f64a4a655b8.json.gz',
];

/** Shared directory resources: never in a patient compartment. */
const NOT_IN_JOURNEYS = new Set(['Organization', 'Practitioner']);

type StoredResource = {
  resourceType: string;
  id: string;
  encounter?: Reference;
  result?: Reference[];
  reasonReference?: Reference[];
};

/** Posts a transaction bundle and returns the `Type/id`s the server stored its entries as. */
async function importBundle(tenant: TestTenant, file: string): Promise<string[]> {
  const bundle = JSON.parse(gunzipSync(readFileSync(path.join(SMART_SAMPLE_DIR, file))).toString('utf8')) as Bundle;
  const response = await tenant.request({ method: 'POST', url: FHIR, payload: bundle });
  assert.equal(response.statusCode, 200, response.body.slice(0, 500));
  return (json<Bundle>(response).entry ?? []).map((entry) => {
    const [type = '', id = ''] = (entry.response?.location ?? '').split('/');
    return `${type}/${id}`;
  });
}

describe('journeys of Synthea patients', () => {
  let testApp: TestApp;
  let tenant: TestTenant;
  const stored = new Map<string, string[]>();
  let nodes: NodeSnapshot[];
  let edges: EdgeSnapshot[];

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
    for (const file of FILES) {
      stored.set(file, await importBundle(tenant, file));
    }
    ({ nodes, edges } = await snapshotJourney(testApp.db, tenant.id));
  });

  after(() => testApp.close());

  /** The stored resources of one bundle, as the server holds them (references rewritten to server ids). */
  async function readStored(file: string): Promise<{ patientId: string; resources: StoredResource[] }> {
    const refs = stored.get(file) ?? [];
    const resources: StoredResource[] = [];
    for (const ref of refs) {
      const response = await tenant.request({ method: 'GET', url: `${FHIR}/${ref}` });
      assert.equal(response.statusCode, 200, response.body);
      resources.push(json<StoredResource>(response));
    }
    const patient = resources.find((resource) => resource.resourceType === 'Patient');
    assert.ok(patient);
    return { patientId: patient.id, resources };
  }

  for (const file of FILES) {
    it(`makes every compartment resource of ${file.split('_')[0] ?? file}'s record a node of the journey`, async () => {
      const { patientId, resources } = await readStored(file);
      const expected = resources
        .filter((resource) => !NOT_IN_JOURNEYS.has(resource.resourceType))
        .map((resource) => `${resource.resourceType}/${resource.id}`)
        .sort();

      const actual = nodes
        .filter((node) => node.patient_id === patientId)
        .map((node) => `${node.resource_type}/${node.resource_id}`)
        .sort();

      assert.ok(expected.length > 80);
      assert.deepEqual(actual, expected);
      // Every Synthea record is dated, except the Patient: the timeline threads all of them.
      const timeline = await readTimeline(testApp.db, tenant.id, patientId);
      assert.equal(timeline.length, expected.length - 1);
    });

    it(`links ${file.split('_')[0] ?? file}'s encounter, result and reason references with their relations`, async () => {
      const { patientId, resources } = await readStored(file);
      const ofPatient = new Set(
        edges.filter((edge) => edge.patient_id === patientId).map((edge) => `${edge.from} ${edge.relation} ${edge.to}`),
      );
      const expected: string[] = [];
      for (const resource of resources) {
        const from = `${resource.resourceType}/${resource.id}`;
        if (
          ['Observation', 'Condition', 'Procedure'].includes(resource.resourceType) &&
          resource.encounter?.reference
        ) {
          expected.push(`${from} during ${resource.encounter.reference}`);
        }
        if (resource.resourceType === 'DiagnosticReport') {
          for (const result of resource.result ?? []) {
            expected.push(`${from} has-result ${result.reference ?? ''}`);
          }
        }
        const reasonRelation = ['Procedure', 'MedicationRequest'].includes(resource.resourceType)
          ? 'treats'
          : 'indicated-by';
        for (const reason of resource.reasonReference ?? []) {
          expected.push(`${from} ${reasonRelation} ${reason.reference ?? ''}`);
        }
      }

      assert.ok(expected.some((edge) => edge.includes(' has-result ')));
      assert.ok(expected.some((edge) => edge.includes(' treats ') || edge.includes(' indicated-by ')));
      assert.deepEqual(
        expected.filter((edge) => !ofPatient.has(edge)),
        [],
      );
      // Synthea records reference nothing outside themselves: every edge ends at a node of the journey.
      const nodeRefs = new Set(
        nodes
          .filter((node) => node.patient_id === patientId)
          .map((node) => `${node.resource_type}/${node.resource_id}`),
      );
      assert.deepEqual(
        edges.filter((edge) => edge.patient_id === patientId && !nodeRefs.has(edge.to)),
        [],
      );
    });
  }
});
