import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Bundle, Condition, Observation, OperationOutcome } from '@medplum/fhirtypes';
import { createTestApp, type TestApp, type TestTenant } from '../../../test/create-test-app.ts';
import {
  buildPatient,
  countResources,
  createResource,
  expectOutcome,
  FHIR,
  json,
} from '../../fhir/fhir-test-support.ts';
import { beginRelease, finishRelease, writeConcepts, type ConceptInput } from '../store/index.ts';
import { insertSharedValueSet, putBindings, seedTerminology, type SeededTerminology } from './bindings-test-support.ts';

describe('required terminology bindings on FHIR writes', () => {
  let testApp: TestApp;
  let terms: SeededTerminology;
  /** Requires Condition.code from the shared ICD-10-CM + SNOMED value set. */
  let bound: TestTenant;
  let unbound: TestTenant;

  function condition(codings: NonNullable<Condition['code']>['coding'], overrides: Partial<Condition> = {}): Condition {
    return { resourceType: 'Condition', subject: { reference: 'Patient/p1' }, code: { coding: codings }, ...overrides };
  }

  /** The error issues of a 400 answer. */
  function errorIssues(response: Awaited<ReturnType<TestTenant['request']>>) {
    expectOutcome(response, 400);
    return (json<OperationOutcome>(response).issue ?? []).filter((issue) => issue.severity === 'error');
  }

  before(async () => {
    testApp = await createTestApp();
    terms = await seedTerminology(testApp.db, 'check-bindings');
    bound = await testApp.createTestTenant();
    unbound = await testApp.createTestTenant();
    await putBindings(bound, [{ resourceType: 'Condition', path: 'Condition.code', valueSet: terms.conditionCodes }]);
  });

  after(async () => {
    await testApp.close();
  });

  it('stores a Condition whose SNOMED code is in the value set and fills in the missing display', async () => {
    const created = await createResource(bound, condition([{ system: terms.snomed, code: '44054006' }]));
    assert.deepEqual(created.code?.coding, [
      { system: terms.snomed, code: '44054006', display: 'Diabetes mellitus type 2' },
    ]);
    const read = json<Condition>(await bound.request({ method: 'GET', url: `${FHIR}/Condition/${created.id}` }));
    assert.equal(read.code?.coding?.[0]?.display, 'Diabetes mellitus type 2');
  });

  it('keeps a display the client sent', async () => {
    const created = await createResource(
      bound,
      condition([{ system: terms.icd10cm, code: 'E11.9', display: 'T2DM without complications' }]),
    );
    assert.equal(created.code?.coding?.[0]?.display, 'T2DM without complications');
  });

  it('rejects a made-up code with a 400 naming the code, its system and the FHIRPath, and stores nothing', async () => {
    const before = await countResources(bound, 'Condition');
    const response = await bound.request({
      method: 'POST',
      url: `${FHIR}/Condition`,
      payload: condition([{ system: terms.snomed, code: '999999999999', display: 'Made up' }]),
    });
    const [issue, ...others] = errorIssues(response);
    assert.equal(others.length, 0);
    assert.equal(issue?.code, 'code-invalid');
    assert.deepEqual(issue?.expression, ['Condition.code.coding[0]']);
    assert.match(issue?.details?.text ?? '', /code "999999999999" of system urn:caregraph:test:check-bindings:\w+:sct/);
    assert.match(issue?.details?.text ?? '', /unknown code/);
    assert.ok(issue?.details?.text?.includes(terms.conditionCodes), 'names the value set');
    assert.equal(await countResources(bound, 'Condition'), before);
  });

  it('rejects a code the current release marks inactive, and a code of a system outside the value set', async () => {
    const inactive = errorIssues(
      await bound.request({
        method: 'POST',
        url: `${FHIR}/Condition`,
        payload: condition([{ system: terms.snomed, code: '111552007' }]),
      }),
    );
    assert.match(inactive[0]?.details?.text ?? '', /code "111552007" .*\(inactive code\)/);
    const elsewhere = errorIssues(
      await bound.request({
        method: 'POST',
        url: `${FHIR}/Condition`,
        payload: condition([{ system: 'http://example.org/local-problems', code: 'P-1' }]),
      }),
    );
    assert.match(
      elsewhere[0]?.details?.text ?? '',
      /system http:\/\/example.org\/local-problems \(code system not loaded\)/,
    );
  });

  it('accepts a CodeableConcept when one of its codings is in the value set and fills only that display', async () => {
    const created = await createResource(
      bound,
      condition([
        { system: 'http://example.org/local-problems', code: 'DM2' },
        { system: terms.icd10cm, code: 'E11' },
      ]),
    );
    assert.deepEqual(created.code?.coding, [
      { system: 'http://example.org/local-problems', code: 'DM2' },
      { system: terms.icd10cm, code: 'E11', display: 'Type 2 diabetes mellitus' },
    ]);
  });

  it('lists every failing coding of a CodeableConcept in one issue', async () => {
    const [issue, ...others] = errorIssues(
      await bound.request({
        method: 'POST',
        url: `${FHIR}/Condition`,
        payload: condition([{ system: terms.snomed, code: 'nope' }, { code: 'E11' }]),
      }),
    );
    assert.equal(others.length, 0);
    assert.deepEqual(issue?.expression, ['Condition.code.coding[0]', 'Condition.code.coding[1]']);
    assert.match(issue?.details?.text ?? '', /code "nope" of system .*unknown code.*; code "E11" without a system/);
  });

  it('rejects a CodeableConcept with text but no coding', async () => {
    const [issue] = errorIssues(
      await bound.request({
        method: 'POST',
        url: `${FHIR}/Condition`,
        payload: condition(undefined, { code: { text: 'sugar problems' } }),
      }),
    );
    assert.deepEqual(issue?.expression, ['Condition.code']);
    assert.match(issue?.details?.text ?? '', /Condition.code has no coding/);
  });

  it('lets a tenant without bindings store any code, even with the same codes another tenant refuses', async () => {
    const created = await createResource(unbound, condition([{ system: terms.snomed, code: '999999999999' }]));
    assert.equal(created.code?.coding?.[0]?.display, undefined, 'no binding, no display filled');
  });

  it('checks updates: a made-up code leaves the stored version as it was; update-as-create is checked too', async () => {
    const created = await createResource(bound, condition([{ system: terms.snomed, code: '38341003' }]));
    const bad = { ...created, code: { coding: [{ system: terms.snomed, code: '12345' }] } };
    const refused = await bound.request({ method: 'PUT', url: `${FHIR}/Condition/${created.id}`, payload: bad });
    assert.deepEqual(errorIssues(refused)[0]?.expression, ['Condition.code.coding[0]']);
    const read = json<Condition>(await bound.request({ method: 'GET', url: `${FHIR}/Condition/${created.id}` }));
    assert.equal(read.meta?.versionId, '1');

    const updated = await bound.request({
      method: 'PUT',
      url: `${FHIR}/Condition/${created.id}`,
      payload: { ...created, code: { coding: [{ system: terms.icd10cm, code: 'I10' }] } },
    });
    assert.equal(updated.statusCode, 200, updated.body);
    assert.equal(json<Condition>(updated).code?.coding?.[0]?.display, 'Essential (primary) hypertension');

    const fresh = condition([{ system: terms.snomed, code: 'not-a-code' }], { id: `new-${created.id}` });
    const refusedCreate = await bound.request({ method: 'PUT', url: `${FHIR}/Condition/${fresh.id}`, payload: fresh });
    errorIssues(refusedCreate);
    const missing = await bound.request({ method: 'GET', url: `${FHIR}/Condition/${fresh.id}` });
    assert.equal(missing.statusCode, 404);
  });

  it('stores no new version when an update differs only by the display the server fills in', async () => {
    const created = await createResource(bound, condition([{ system: terms.snomed, code: '195967001' }]));
    const resent = { ...created, code: { coding: [{ system: terms.snomed, code: '195967001' }] } };
    const response = await bound.request({ method: 'PUT', url: `${FHIR}/Condition/${created.id}`, payload: resent });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(json<Condition>(response).meta?.versionId, '1');
  });

  it('checks patches', async () => {
    const created = await createResource(bound, condition([{ system: terms.snomed, code: '44054006' }]));
    const patch = (code: string) =>
      bound.request({
        method: 'PATCH',
        url: `${FHIR}/Condition/${created.id}`,
        payload: JSON.stringify([
          { op: 'replace', path: '/code', value: { coding: [{ system: terms.snomed, code }] } },
        ]),
        headers: { 'content-type': 'application/json-patch+json' },
      });
    assert.deepEqual(errorIssues(await patch('00000'))[0]?.expression, ['Condition.code.coding[0]']);
    const patched = await patch('46635009');
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal(json<Condition>(patched).code?.coding?.[0]?.display, 'Diabetes mellitus type 1');
  });

  it('checks transaction entries: one unknown code rolls back the whole Bundle and names the entry', async () => {
    const before = await countResources(bound, 'Condition');
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          request: { method: 'POST', url: 'Condition' },
          resource: condition([{ system: terms.snomed, code: '44054006' }]),
        },
        {
          request: { method: 'POST', url: 'Condition' },
          resource: condition([{ system: terms.icd10cm, code: 'Z99.999' }]),
        },
      ],
    };
    const response = await bound.request({ method: 'POST', url: FHIR, payload: bundle });
    const issue = expectOutcome(response, 400);
    assert.equal(issue.code, 'code-invalid');
    assert.ok(
      issue.expression?.some((expression) => expression.startsWith('Bundle.entry[1]')),
      `names entry 1: ${JSON.stringify(issue.expression)}`,
    );
    assert.match(issue.details?.text ?? '', /code "Z99.999"/);
    assert.equal(await countResources(bound, 'Condition'), before);
  });

  it('reads bindings, value set and codes once per transaction, however many resources a Bundle writes', async () => {
    const queries = async () =>
      (await testApp.metrics.dbQueryDuration.get()).values.find(
        (value) => value.metricName === 'caregraph_db_query_duration_seconds_count' && value.labels.outcome === 'ok',
      )?.value ?? 0;
    const bundle = (): Bundle => ({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: Array.from({ length: 10 }, () => ({
        request: { method: 'POST', url: 'Condition' },
        resource: condition([{ system: terms.snomed, code: '44054006' }]),
      })),
    });
    const countQueries = async (tenant: TestTenant) => {
      const start = await queries();
      const response = await tenant.request({
        method: 'POST',
        url: FHIR,
        payload: bundle(),
        headers: { prefer: 'return=representation' },
      });
      assert.equal(response.statusCode, 200, response.body);
      const entries = json<Bundle>(response).entry ?? [];
      return {
        queries: (await queries()) - start,
        displays: entries.map((entry) => (entry.resource as Condition).code?.coding?.[0]?.display),
      };
    };
    // A first request of each key looks the key up; later ones find it cached.
    await bound.request({ method: 'GET', url: `${FHIR}/Condition?_count=1` });
    await unbound.request({ method: 'GET', url: `${FHIR}/Condition?_count=1` });
    const withBinding = await countQueries(bound);
    const without = await countQueries(unbound);
    // The tenant's bindings are read in both; only the bound tenant resolves its value set and looks up the code, once.
    assert.equal(withBinding.queries - without.queries, 2);
    assert.deepEqual(withBinding.displays, Array(10).fill('Diabetes mellitus type 2'));
    assert.deepEqual(without.displays, Array(10).fill(undefined));
  });

  it('checks batch entries one by one, filling displays in the ones that pass', async () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { request: { method: 'POST', url: 'Condition' }, resource: condition([{ system: terms.snomed, code: 'bad' }]) },
        {
          request: { method: 'POST', url: 'Condition' },
          resource: condition([{ system: terms.icd10cm, code: 'J45' }]),
        },
      ],
    };
    const response = await bound.request({
      method: 'POST',
      url: FHIR,
      payload: bundle,
      headers: { prefer: 'return=representation' },
    });
    assert.equal(response.statusCode, 200, response.body);
    const [failed, stored] = json<Bundle>(response).entry ?? [];
    assert.match(failed?.response?.status ?? '', /^400/);
    const outcome = failed?.response?.outcome;
    assert.equal(outcome?.issue?.[0]?.code, 'code-invalid');
    assert.match(stored?.response?.status ?? '', /^201/);
    assert.equal((stored?.resource as Condition | undefined)?.code?.coding?.[0]?.display, 'Asthma');
  });

  it('resolves a value set from the tenant ValueSet resources first, with is-a filters over the hierarchy', async () => {
    const tenant = await testApp.createTestTenant();
    const url = `${terms.base}:ValueSet/diabetes`;
    await createResource(tenant, {
      resourceType: 'ValueSet',
      url,
      status: 'active',
      compose: {
        include: [{ system: terms.snomed, filter: [{ property: 'concept', op: 'is-a', value: '73211009' }] }],
      },
    });
    await putBindings(tenant, [{ resourceType: 'Condition', path: 'code', valueSet: url }]);
    const created = await createResource(tenant, condition([{ system: terms.snomed, code: '44054006' }]));
    assert.equal(created.code?.coding?.[0]?.display, 'Diabetes mellitus type 2');
    const [issue] = errorIssues(
      await tenant.request({
        method: 'POST',
        url: `${FHIR}/Condition`,
        payload: condition([{ system: terms.snomed, code: '195967001' }]),
      }),
    );
    assert.match(issue?.details?.text ?? '', /code "195967001" .*\(not in the value set\)/);
  });

  it('refuses writes it cannot check once the bound ValueSet is deleted, naming the binding', async () => {
    const tenant = await testApp.createTestTenant();
    const url = `${terms.base}:ValueSet/short-lived`;
    const valueSet = await createResource(tenant, {
      resourceType: 'ValueSet',
      url,
      status: 'active',
      compose: { include: [{ system: terms.snomed }] },
    });
    await putBindings(tenant, [{ resourceType: 'Condition', path: 'Condition.code', valueSet: url }]);
    const deleted = await tenant.request({ method: 'DELETE', url: `${FHIR}/ValueSet/${valueSet.id}` });
    assert.equal(deleted.statusCode, 204, deleted.body);
    const [issue] = errorIssues(
      await tenant.request({
        method: 'POST',
        url: `${FHIR}/Condition`,
        payload: condition([{ system: terms.snomed, code: '44054006' }]),
      }),
    );
    assert.equal(issue?.code, 'processing');
    assert.deepEqual(issue?.expression, ['Condition.code']);
    assert.match(issue?.details?.text ?? '', /cannot be checked: Value set .*short-lived is not known/);
  });

  it('lets a tenant ValueSet with the url of a shared one narrow it for that tenant only', async () => {
    const tenant = await testApp.createTestTenant();
    const shared = `${terms.base}:ValueSet/shared-problems`;
    await insertSharedValueSet(testApp.db, shared, {
      resourceType: 'ValueSet',
      url: shared,
      status: 'active',
      compose: { include: [{ system: terms.snomed }, { system: terms.icd10cm }] },
    });
    await createResource(tenant, {
      resourceType: 'ValueSet',
      url: shared,
      status: 'active',
      compose: { include: [{ system: terms.icd10cm }] },
    });
    const other = await testApp.createTestTenant();
    for (const each of [tenant, other]) {
      await putBindings(each, [{ resourceType: 'Condition', path: 'Condition.code', valueSet: shared }]);
    }
    const snomedCondition = condition([{ system: terms.snomed, code: '44054006' }]);
    errorIssues(await tenant.request({ method: 'POST', url: `${FHIR}/Condition`, payload: snomedCondition }));
    await createResource(other, snomedCondition);
  });

  it("reads a bare code in the value set's one system", async () => {
    const tenant = await testApp.createTestTenant();
    const url = `${terms.base}:ValueSet/binary-genders`;
    await createResource(tenant, {
      resourceType: 'ValueSet',
      url,
      status: 'active',
      compose: {
        include: [
          { system: 'http://hl7.org/fhir/administrative-gender', concept: [{ code: 'female' }, { code: 'male' }] },
        ],
      },
    });
    await putBindings(tenant, [{ resourceType: 'Patient', path: 'Patient.gender', valueSet: url }]);
    await createResource(tenant, buildPatient({ gender: 'female' }));
    const [issue] = errorIssues(
      await tenant.request({ method: 'POST', url: `${FHIR}/Patient`, payload: buildPatient({ gender: 'other' }) }),
    );
    assert.deepEqual(issue?.expression, ['Patient.gender']);
    assert.match(issue?.details?.text ?? '', /code "other" of system http:\/\/hl7.org\/fhir\/administrative-gender/);
  });

  it('reads a ValueSet published only as an expansion as the codes it lists, nested ones too', async () => {
    const tenant = await testApp.createTestTenant();
    const url = `${terms.base}:ValueSet/expanded-only`;
    await createResource(tenant, {
      resourceType: 'ValueSet',
      url,
      status: 'active',
      expansion: {
        timestamp: '2026-01-01T00:00:00Z',
        contains: [
          { system: terms.snomed, code: '44054006', display: 'Type 2 diabetes' },
          { abstract: true, display: 'Hypertension', contains: [{ system: terms.icd10cm, code: 'I10' }] },
        ],
      },
    });
    await putBindings(tenant, [{ resourceType: 'Condition', path: 'Condition.code', valueSet: url }]);
    const diabetes = await createResource(tenant, condition([{ system: terms.snomed, code: '44054006' }]));
    // The code system's display, not the expansion's, as for a listed concept of a loaded system.
    assert.equal(diabetes.code?.coding?.[0]?.display, 'Diabetes mellitus type 2');
    await createResource(tenant, condition([{ system: terms.icd10cm, code: 'I10' }]));
    const [issue] = errorIssues(
      await tenant.request({
        method: 'POST',
        url: `${FHIR}/Condition`,
        payload: condition([{ system: terms.icd10cm, code: 'J45' }]),
      }),
    );
    assert.match(issue?.details?.text ?? '', /code "J45" .*\(not in the value set\)/);
  });

  it('evaluates every filter $expand evaluates, such as regex, with excludes', async () => {
    const tenant = await testApp.createTestTenant();
    const url = `${terms.base}:ValueSet/regex-codes`;
    await createResource(tenant, {
      resourceType: 'ValueSet',
      url,
      status: 'active',
      compose: {
        include: [{ system: terms.snomed, filter: [{ property: 'code', op: 'regex', value: '[47][0-9]+' }] }],
        exclude: [{ system: terms.snomed, filter: [{ property: 'concept', op: 'descendent-of', value: '73211009' }] }],
      },
    });
    await putBindings(tenant, [{ resourceType: 'Condition', path: 'Condition.code', valueSet: url }]);
    const created = await createResource(tenant, condition([{ system: terms.snomed, code: '73211009' }]));
    assert.equal(created.code?.coding?.[0]?.display, 'Diabetes mellitus');
    for (const code of ['44054006', '38341003']) {
      const [issue] = errorIssues(
        await tenant.request({
          method: 'POST',
          url: `${FHIR}/Condition`,
          payload: condition([{ system: terms.snomed, code }]),
        }),
      );
      assert.match(issue?.details?.text ?? '', new RegExp(`code "${code}" .*\\(not in the value set\\)`));
    }
  });

  it('checks codes against the release current at the time of the write, after a newer one is loaded', async () => {
    const tenant = await testApp.createTestTenant();
    const system = `${terms.base}:reloaded`;
    const url = `${terms.base}:ValueSet/reloaded`;
    const load = (version: string, concepts: ConceptInput[]) =>
      testApp.db.transaction(async (tx) => {
        const release = await beginRelease(tx, { url: system, version });
        await writeConcepts(tx, release.id, concepts);
        await finishRelease(tx, release);
      });
    await load('1', [{ code: 'A', display: 'Alpha' }]);
    await insertSharedValueSet(testApp.db, url, {
      resourceType: 'ValueSet',
      url,
      status: 'active',
      compose: { include: [{ system }] },
    });
    await putBindings(tenant, [{ resourceType: 'Condition', path: 'Condition.code', valueSet: url }]);
    const first = await createResource(tenant, condition([{ system, code: 'A' }]));
    assert.equal(first.code?.coding?.[0]?.display, 'Alpha');
    // Release 2 drops A (kept as inactive) and adds B: writes see it at once.
    await load('2', [{ code: 'B', display: 'Beta' }]);
    const [issue] = errorIssues(
      await tenant.request({ method: 'POST', url: `${FHIR}/Condition`, payload: condition([{ system, code: 'A' }]) }),
    );
    assert.match(issue?.details?.text ?? '', /code "A" .*\(inactive code\)/);
    const second = await createResource(tenant, condition([{ system, code: 'B' }]));
    assert.equal(second.code?.coding?.[0]?.display, 'Beta');
  });

  it("takes the tenant's CodeSystem resources that list their concepts as code systems", async () => {
    const tenant = await testApp.createTestTenant();
    const system = `${terms.base}:CodeSystem/local-problems`;
    const url = `${terms.base}:ValueSet/local-problems`;
    await createResource(tenant, {
      resourceType: 'CodeSystem',
      url: system,
      status: 'active',
      content: 'complete',
      concept: [
        { code: 'LP1', display: 'Local problem one' },
        { code: 'LP2', display: 'Local problem two' },
      ],
    });
    await createResource(tenant, {
      resourceType: 'ValueSet',
      url,
      status: 'active',
      compose: { include: [{ system, filter: [{ property: 'code', op: 'in', value: 'LP1' }] }] },
    });
    await putBindings(tenant, [{ resourceType: 'Condition', path: 'Condition.code', valueSet: url }]);
    const created = await createResource(tenant, condition([{ system, code: 'LP1' }]));
    assert.equal(created.code?.coding?.[0]?.display, 'Local problem one');
    const [issue] = errorIssues(
      await tenant.request({ method: 'POST', url: `${FHIR}/Condition`, payload: condition([{ system, code: 'LP2' }]) }),
    );
    assert.match(issue?.details?.text ?? '', /code "LP2" of system .*local-problems \(not in the value set\)/);
  });

  it('reports one issue per failing element of a repeating path, in a value set listing its concepts', async () => {
    const tenant = await testApp.createTestTenant();
    const url = `${terms.base}:ValueSet/bp-components`;
    // A system no test loads, so the value set's own list of LOINC codes decides.
    const loinc = `${terms.base}:loinc`;
    await insertSharedValueSet(testApp.db, url, {
      resourceType: 'ValueSet',
      url,
      status: 'active',
      compose: {
        include: [
          {
            system: loinc,
            concept: [
              { code: '8480-6', display: 'Systolic blood pressure' },
              { code: '8462-4', display: 'Diastolic blood pressure' },
            ],
          },
        ],
      },
    });
    await putBindings(tenant, [{ resourceType: 'Observation', path: 'Observation.component.code', valueSet: url }]);
    const component = (code: string) => ({
      code: { coding: [{ system: loinc, code }] },
      valueQuantity: { value: 120, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
    });
    const observation: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
      component: [component('1111-1'), component('8480-6'), component('2222-2')],
    };
    const issues = errorIssues(
      await tenant.request({ method: 'POST', url: `${FHIR}/Observation`, payload: observation }),
    );
    assert.deepEqual(
      issues.map((issue) => issue.expression?.[0]),
      ['Observation.component[0].code.coding[0]', 'Observation.component[2].code.coding[0]'],
    );
    const stored = await createResource<Observation>(tenant, {
      ...observation,
      component: [component('8480-6'), component('8462-4')],
    });
    assert.deepEqual(
      stored.component?.map((item) => item.code.coding?.[0]?.display),
      ['Systolic blood pressure', 'Diastolic blood pressure'],
    );
  });
});
