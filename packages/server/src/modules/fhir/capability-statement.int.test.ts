import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type {
  Bundle,
  CapabilityStatement,
  CapabilityStatementRestResource,
  OperationOutcome,
  Resource,
} from '@medplum/fhirtypes';
import { createTestApp, type TestApp, type TestTenant } from '../../test/create-test-app.ts';
import { SUPPORTED_INTERACTIONS, TYPE_OPERATIONS } from './interactions/router.ts';
import { tryGetSearchParam } from './search/definitions.ts';
import { listResourceTypes } from './validation/index.ts';
import { buildObservation, buildPatient, expectOutcome, FHIR, json } from './fhir-test-support.ts';

/** Minimal valid resources of a sample of types, each with a string element to change on update. */
const SAMPLES: Array<{ resource: Resource; change: Record<string, unknown> }> = [
  { resource: buildPatient(), change: { gender: 'female' } },
  { resource: buildObservation('p1'), change: { status: 'amended' } },
  { resource: { resourceType: 'Practitioner', name: [{ family: 'Doe' }] }, change: { gender: 'male' } },
  { resource: { resourceType: 'Organization', name: 'Clinic' }, change: { name: 'Clinic Two' } },
  {
    resource: { resourceType: 'Condition', subject: { reference: 'Patient/p1' } },
    change: { recordedDate: '2024-01-01' },
  },
  {
    resource: { resourceType: 'Encounter', status: 'finished', class: { code: 'AMB' } },
    change: { status: 'cancelled' },
  },
  { resource: { resourceType: 'ValueSet', status: 'draft' }, change: { status: 'active' } },
  { resource: { resourceType: 'Basic', code: { text: 'note' } }, change: { created: '2024-01-01' } },
];

/** A plausible value for a search parameter of each type, so the search is well-formed. */
const SAMPLE_VALUES: Record<string, string> = {
  token: 'x',
  string: 'x',
  reference: 'Patient/x',
  date: 'ge2020-01-01',
  number: '1',
  quantity: 'lt1',
  uri: 'http://example.org/x',
};

/** Listed parameters that select but cannot order, nor be asked about with `:missing`. */
const FILTER_ONLY = new Set(['_text', '_content', '_list']);

/** A well-formed value for a listed parameter: composites join one value per component with `$`. */
function sampleValue(resourceType: string, name: string, type: string): string {
  const components = tryGetSearchParam(resourceType, name)?.components ?? [];
  if (type === 'composite') {
    return components.map((component) => SAMPLE_VALUES[component.type] ?? 'x').join('$');
  }
  return SAMPLE_VALUES[type] ?? 'x';
}

describe('FHIR CapabilityStatement', () => {
  let testApp: TestApp;
  let tenant: TestTenant;
  let statement: CapabilityStatement;

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
    statement = json<CapabilityStatement>(await testApp.app.inject({ method: 'GET', url: `${FHIR}/metadata` }));
  });

  after(() => testApp.close());

  const resourceEntry = (type: string): CapabilityStatementRestResource => {
    const entry = statement.rest?.[0]?.resource?.find((item) => item.type === type);
    assert.ok(entry, `${type} is listed`);
    return entry;
  };

  it('describes an R4 JSON server', () => {
    assert.equal(statement.resourceType, 'CapabilityStatement');
    assert.equal(statement.fhirVersion, '4.0.1');
    assert.equal(statement.kind, 'instance');
    assert.ok(statement.format?.includes('application/fhir+json'));
    assert.deepEqual(statement.patchFormat, ['application/json-patch+json']);
    assert.equal(statement.implementation?.url, 'http://caregraph.test/fhir/R4');
  });

  it('lists every R4 resource type once, each with the interactions the router implements', () => {
    const resources = statement.rest?.[0]?.resource ?? [];
    assert.deepEqual(
      resources.map((resource) => resource.type),
      listResourceTypes(),
    );
    assert.equal(resources.length, 146);
    for (const resource of resources) {
      assert.deepEqual(
        resource.interaction?.map((interaction) => interaction.code),
        [...SUPPORTED_INTERACTIONS.type],
        resource.type,
      );
      assert.equal(resource.updateCreate, true);
      assert.equal(resource.conditionalDelete, 'single');
    }
    assert.deepEqual(
      statement.rest?.[0]?.interaction?.map((interaction) => interaction.code),
      [...SUPPORTED_INTERACTIONS.system],
    );
  });

  for (const { resource, change } of SAMPLES) {
    it(`lets every listed interaction on ${resource.resourceType} work through HTTP`, async () => {
      const type = resource.resourceType;
      const listed = new Set(resourceEntry(type).interaction?.map((interaction) => interaction.code));
      const exercised = new Set<string>();
      const base = `${FHIR}/${type}`;
      // 1. create
      const created = await tenant.request({ method: 'POST', url: base, payload: resource });
      assert.equal(created.statusCode, 201, created.body);
      const id = json<Resource>(created).id ?? '';
      exercised.add('create');
      // 2. read and vread
      assert.equal((await tenant.request({ method: 'GET', url: `${base}/${id}` })).statusCode, 200);
      exercised.add('read');
      assert.equal((await tenant.request({ method: 'GET', url: `${base}/${id}/_history/1` })).statusCode, 200);
      exercised.add('vread');
      // 3. update
      const updated = await tenant.request({
        method: 'PUT',
        url: `${base}/${id}`,
        payload: { ...json<Resource>(created), ...change },
      });
      assert.equal(updated.statusCode, 200, updated.body);
      exercised.add('update');
      // 4. patch
      const patched = await tenant.request({
        method: 'PATCH',
        url: `${base}/${id}`,
        headers: { 'content-type': 'application/json-patch+json' },
        payload: JSON.stringify([{ op: 'add', path: '/language', value: 'en' }]),
      });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.equal(json<Resource>(patched).language, 'en');
      exercised.add('patch');
      // 5. history at instance and type level
      const instanceHistory = json<Bundle>(await tenant.request({ method: 'GET', url: `${base}/${id}/_history` }));
      assert.equal(instanceHistory.entry?.length, 3);
      exercised.add('history-instance');
      const typeHistory = json<Bundle>(await tenant.request({ method: 'GET', url: `${base}/_history` }));
      assert.ok((typeHistory.entry?.length ?? 0) >= 3);
      exercised.add('history-type');
      // 6. search
      const found = json<Bundle>(await tenant.request({ method: 'GET', url: `${base}?_id=${id}&_lastUpdated=ge2000` }));
      assert.deepEqual(
        found.entry?.map((entry) => entry.resource?.id),
        [id],
      );
      exercised.add('search-type');
      // 7. delete
      assert.equal((await tenant.request({ method: 'DELETE', url: `${base}/${id}` })).statusCode, 204);
      expectOutcome(await tenant.request({ method: 'GET', url: `${base}/${id}` }), 410);
      exercised.add('delete');
      assert.deepEqual([...exercised].sort(), [...listed].sort());
    });
  }

  it('lets the listed $validate operation work on the sample types', async () => {
    for (const { resource } of SAMPLES) {
      const valid = await tenant.request({
        method: 'POST',
        url: `${FHIR}/${resource.resourceType}/$validate`,
        payload: resource,
      });
      assert.equal(valid.statusCode, 200, valid.body);
      assert.equal(json<OperationOutcome>(valid).resourceType, 'OperationOutcome');
    }
  });

  it('lists exactly the operations the router answers, per type, and each works', async () => {
    for (const type of listResourceTypes()) {
      const expected = TYPE_OPERATIONS.filter(
        (operation) => operation.types === 'all' || operation.types.includes(type),
      );
      assert.deepEqual(
        resourceEntry(type).operation?.map((operation) => operation.name),
        expected.map((operation) => operation.name),
      );
    }
    const patient = await tenant.request({ method: 'POST', url: `${FHIR}/Patient`, payload: buildPatient() });
    const patientId = json<Resource>(patient).id ?? '';
    const everything = await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${patientId}/$everything` });
    assert.equal(everything.statusCode, 200, everything.body);
    assert.equal(json<Bundle>(everything).entry?.[0]?.resource?.id, patientId);
    const encounter = await tenant.request({
      method: 'POST',
      url: `${FHIR}/Encounter`,
      payload: { resourceType: 'Encounter', status: 'finished', class: { code: 'AMB' } },
    });
    const encounterId = json<Resource>(encounter).id ?? '';
    const encounterEverything = await tenant.request({
      method: 'GET',
      url: `${FHIR}/Encounter/${encounterId}/$everything`,
    });
    assert.equal(encounterEverything.statusCode, 200, encounterEverything.body);
  });

  it('accepts every _include and _revinclude it lists for Encounter and Patient', async () => {
    for (const type of ['Encounter', 'Patient']) {
      const entry = resourceEntry(type);
      assert.ok((entry.searchInclude ?? []).includes('*'));
      assert.ok((entry.searchRevInclude ?? []).length > 10, `${type} lists revincludes`);
      const queries = [
        ...(entry.searchInclude ?? []).map((value) => `_include=${value}`),
        ...(entry.searchRevInclude ?? []).map((value) => `_revinclude=${value}`),
      ];
      for (const query of queries) {
        const response = await tenant.request({ method: 'GET', url: `${FHIR}/${type}?${query}` });
        assert.equal(response.statusCode, 200, `${type}?${query}: ${response.body}`);
      }
    }
  });

  it('lists system-level search and answers it', async () => {
    assert.ok(statement.rest?.[0]?.interaction?.some((interaction) => interaction.code === 'search-system'));
    const response = await tenant.request({ method: 'GET', url: `${FHIR}?_type=Patient,Observation&_count=1` });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(json<Bundle>(response).type, 'searchset');
  });

  it('lets the listed system interactions work: batch, transaction and system history', async () => {
    for (const type of ['batch', 'transaction']) {
      const response = await tenant.request({
        method: 'POST',
        url: FHIR,
        payload: {
          resourceType: 'Bundle',
          type,
          entry: [{ resource: buildPatient(), request: { method: 'POST', url: 'Patient' } }],
        },
      });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(json<Bundle>(response).type, `${type}-response`);
    }
    const history = await tenant.request({ method: 'GET', url: `${FHIR}/_history` });
    assert.equal(json<Bundle>(history).type, 'history');
  });

  for (const type of ['Patient', 'Observation']) {
    it(`accepts every search parameter it lists for ${type}, with a value and with :missing`, async () => {
      const parameters = resourceEntry(type).searchParam ?? [];
      assert.ok(parameters.length > 20, `${type} lists ${parameters.length} parameters`);
      for (const parameter of parameters) {
        assert.ok(parameter.type, `${parameter.name} has a listed type`);
        const value = sampleValue(type, parameter.name, parameter.type);
        const queries = [`${parameter.name}=${encodeURIComponent(value)}`];
        const filterOnly = FILTER_ONLY.has(parameter.name) || parameter.type === 'composite';
        if (!filterOnly) {
          queries.push(`_sort=${parameter.name}`);
        }
        if (!filterOnly && parameter.name !== '_id' && parameter.name !== '_lastUpdated') {
          queries.push(`${parameter.name}:missing=true`);
        }
        for (const query of queries) {
          const response = await tenant.request({ method: 'GET', url: `${FHIR}/${type}?${query}` });
          assert.equal(response.statusCode, 200, `${type}?${query}: ${response.body}`);
        }
      }
    });
  }

  it('accepts every search parameter it lists for every type without a server error', async () => {
    for (const resource of statement.rest?.[0]?.resource ?? []) {
      for (const parameter of resource.searchParam ?? []) {
        const value = sampleValue(resource.type, parameter.name, parameter.type ?? '');
        const query = `${parameter.name}=${encodeURIComponent(value)}`;
        const response = await tenant.request({ method: 'GET', url: `${FHIR}/${resource.type}?${query}` });
        assert.equal(response.statusCode, 200, `${resource.type}?${query}: ${response.body}`);
      }
    }
  });
});
