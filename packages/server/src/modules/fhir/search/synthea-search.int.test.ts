import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { Bundle, Condition, Encounter, Observation, Patient, Resource } from '@medplum/fhirtypes';
import { createTestApp, type TestApp, type TestTenant } from '../../../test/create-test-app.ts';
import { DATA_PIPES_DIR, SMART_SAMPLE_DIR } from '../../../test/synthea.ts';
import { FHIR, json } from '../fhir-test-support.ts';

const LOINC_HBA1C = '4548-4';
const SNOMED = 'http://snomed.info/sct';

function readBundle(file: string): Bundle {
  return JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as Bundle;
}

function resourcesOf<T extends Resource>(bundle: Bundle, type: T['resourceType']): T[] {
  return (bundle.entry ?? []).flatMap((entry) => (entry.resource?.resourceType === type ? [entry.resource as T] : []));
}

/** The `file`'s Bundle (a transaction) posted to the server; every entry must succeed. */
async function importBundle(tenant: TestTenant, file: string): Promise<Bundle> {
  const bundle = readBundle(file);
  const response = await tenant.request({ method: 'POST', url: FHIR, payload: bundle });
  assert.equal(response.statusCode, 200, `${path.basename(file)}: ${response.body.slice(0, 500)}`);
  return bundle;
}

/** Realistic clinical queries over imported Synthea records, checked against the source files. */
describe('FHIR search over Synthea records', () => {
  let testApp: TestApp;
  let tenant: TestTenant;
  /** A SMART sample patient with ten HbA1c results. */
  let diabetic: Bundle;
  let diabeticId: string;
  /** A fhir-data-pipes patient whose encounters name practitioners by conditional reference. */
  let hivPatient: Bundle;
  let hivPatientId: string;

  async function serverIdOf(bundle: Bundle): Promise<string> {
    const [patient] = resourcesOf<Patient>(bundle, 'Patient');
    const identifier = patient?.identifier?.find((item) => item.system?.includes('synthea'));
    assert.ok(identifier?.value, 'the Synthea patient has its identifier');
    const response = await tenant.request({
      method: 'GET',
      url: `${FHIR}/Patient?identifier=${encodeURIComponent(`${identifier.system ?? ''}|${identifier.value}`)}`,
    });
    const ids = (json<Bundle>(response).entry ?? []).map((entry) => entry.resource?.id ?? '');
    assert.equal(ids.length, 1, 'exactly one patient per Synthea identifier');
    return ids[0] ?? '';
  }

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
    diabetic = await importBundle(
      tenant,
      path.join(SMART_SAMPLE_DIR, 'Leonor_Trujillo_5542148c-67d6-4d91-be71-29973234a33b.json.gz'),
    );
    diabeticId = await serverIdOf(diabetic);
    await importBundle(tenant, path.join(DATA_PIPES_DIR, 'practitionerInformation1633536936158.json.gz'));
    await importBundle(tenant, path.join(DATA_PIPES_DIR, 'hospitalInformation1633536936158.json.gz'));
    hivPatient = await importBundle(
      tenant,
      path.join(DATA_PIPES_DIR, 'Cecelia952_Romaguera67_f1731e33-dc55-4ee8-72d7-cece2e49bedd.json.gz'),
    );
    hivPatientId = await serverIdOf(hivPatient);
  });

  after(() => testApp.close());

  it("finds a patient's HbA1c results of the last three years of care, newest first", async () => {
    const results = resourcesOf<Observation>(diabetic, 'Observation').filter((observation) =>
      observation.code.coding?.some((coding) => coding.code === LOINC_HBA1C),
    );
    const dates = results.map((observation) => observation.effectiveDateTime ?? '').sort();
    const latest = new Date(dates.at(-1) ?? '');
    const windowStart = new Date(latest.getTime() - 3 * 365 * 24 * 3600 * 1000).toISOString().slice(0, 10);
    const expected = dates
      .filter((date) => date.slice(0, 10) >= windowStart)
      .sort()
      .reverse();
    assert.ok(expected.length >= 2, 'the window holds several results');
    const response = await tenant.request({
      method: 'GET',
      url: `${FHIR}/Observation?subject=Patient/${diabeticId}&code=http://loinc.org|${LOINC_HBA1C}&date=ge${windowStart}&_sort=-date`,
    });
    const found = (json<Bundle<Observation>>(response).entry ?? []).map((entry) => entry.resource?.effectiveDateTime);
    assert.deepEqual(
      found.map((date) => new Date(date ?? '').getTime()),
      expected.map((date) => new Date(date).getTime()),
    );
  });

  it('lists the active conditions coded in SNOMED CT, for one patient and across the tenant', async () => {
    const active = (bundle: Bundle) =>
      resourcesOf<Condition>(bundle, 'Condition').filter(
        (condition) =>
          condition.clinicalStatus?.coding?.some((coding) => coding.code === 'active') &&
          condition.code?.coding?.some((coding) => coding.system === SNOMED),
      );
    const codesOf = (conditions: Condition[]) =>
      conditions.map((condition) => condition.code?.coding?.[0]?.code ?? '').sort();
    const forPatient = await tenant.request({
      method: 'GET',
      url: `${FHIR}/Condition?patient=${diabeticId}&clinical-status=active&code=${encodeURIComponent(`${SNOMED}|`)}&_count=100`,
    });
    const found = (json<Bundle<Condition>>(forPatient).entry ?? []).flatMap((entry) =>
      entry.resource ? [entry.resource] : [],
    );
    assert.ok(found.length > 0);
    assert.deepEqual(codesOf(found), codesOf(active(diabetic)));
    const all = await tenant.request({
      method: 'GET',
      url: `${FHIR}/Condition?clinical-status=active&code=${encodeURIComponent(`${SNOMED}|`)}&_total=accurate&_count=0`,
    });
    assert.equal(json<Bundle>(all).total, active(diabetic).length + active(hivPatient).length);
  });

  it("returns a patient's encounters with their practitioners through _include", async () => {
    const encounters = resourcesOf<Encounter>(hivPatient, 'Encounter');
    const npis = new Set(
      encounters.flatMap((encounter) =>
        (encounter.participant ?? []).map((participant) => participant.individual?.reference?.split('|')[1] ?? ''),
      ),
    );
    const response = await tenant.request({
      method: 'GET',
      url: `${FHIR}/Encounter?subject=Patient/${hivPatientId}&_include=Encounter:participant:Practitioner&_count=1000`,
    });
    const bundle = json<Bundle>(response);
    const matches = (bundle.entry ?? []).filter((entry) => entry.search?.mode === 'match');
    const included = (bundle.entry ?? []).filter((entry) => entry.search?.mode === 'include');
    assert.equal(matches.length, encounters.length);
    const includedNpis = included.map((entry) => {
      assert.equal(entry.resource?.resourceType, 'Practitioner');
      const practitioner = entry.resource as { identifier?: Array<{ value?: string }> };
      return practitioner.identifier?.[0]?.value ?? '';
    });
    assert.deepEqual(includedNpis.sort(), [...npis].sort());
    // Every participant reference of every encounter resolves to an included practitioner.
    const includedIds = new Set(included.map((entry) => `Practitioner/${entry.resource?.id ?? ''}`));
    for (const entry of matches) {
      for (const participant of (entry.resource as Encounter).participant ?? []) {
        assert.ok(includedIds.has(participant.individual?.reference ?? ''), participant.individual?.reference);
      }
    }
  });

  it("answers $everything with the patient's whole record", async () => {
    const response = await tenant.request({
      method: 'GET',
      url: `${FHIR}/Patient/${diabeticId}/$everything?_count=1000`,
    });
    assert.equal(response.statusCode, 200, response.body.slice(0, 300));
    const bundle = json<Bundle>(response);
    const types = new Set((bundle.entry ?? []).map((entry) => entry.resource?.resourceType));
    for (const type of ['Patient', 'Encounter', 'Observation', 'Condition', 'Immunization']) {
      assert.ok(types.has(type as Resource['resourceType']), `$everything has ${type}`);
    }
    const observations = (bundle.entry ?? []).filter((entry) => entry.resource?.resourceType === 'Observation');
    assert.equal(observations.length, resourcesOf<Observation>(diabetic, 'Observation').length);
  });
});
