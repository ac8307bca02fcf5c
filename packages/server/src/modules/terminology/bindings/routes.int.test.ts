import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { createTestApp, type TestApp, type TestTenant } from '../../../test/create-test-app.ts';
import { json } from '../../fhir/fhir-test-support.ts';
import type { TerminologyBinding } from './binding-store.ts';
import {
  BINDINGS_API,
  insertSharedValueSet,
  putBindings,
  putBindingsResponse,
  seedTerminology,
  type SeededTerminology,
} from './bindings-test-support.ts';

type ProblemBody = { status: number; code: string; title: string; errors?: string[] };

function expectProblem(response: LightMyRequestResponse, status: number, code: string): ProblemBody {
  assert.equal(response.statusCode, status, response.body);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const problem = json<ProblemBody>(response);
  assert.equal(problem.code, code);
  return problem;
}

describe('terminology bindings API', () => {
  let testApp: TestApp;
  let terms: SeededTerminology;

  async function listOf(tenant: TestTenant): Promise<TerminologyBinding[]> {
    const response = await tenant.request({ method: 'GET', url: BINDINGS_API });
    assert.equal(response.statusCode, 200, response.body);
    return json<{ bindings: TerminologyBinding[] }>(response).bindings;
  }

  /** The access token of a client of the same tenant without the admin role. */
  async function clinicianOf(tenant: TestTenant) {
    const client = await tenant.createClient({ roles: ['clinician'] });
    return { authorization: `Bearer ${await client.accessToken()}` };
  }

  before(async () => {
    testApp = await createTestApp();
    terms = await seedTerminology(testApp.db, 'binding-routes');
  });

  after(async () => {
    await testApp.close();
  });

  it("replaces, lists and deletes a tenant's bindings, storing paths with their resource type", async () => {
    const tenant = await testApp.createTestTenant();
    assert.deepEqual(await listOf(tenant), []);
    // 1. Replace the (empty) list with two bindings; `code` is stored as `Condition.code`.
    const response = await putBindingsResponse(tenant, [
      { resourceType: 'Condition', path: 'code', valueSet: terms.conditionCodes },
      { resourceType: 'Observation', path: 'Observation.component.code', valueSet: terms.conditionCodes },
    ]);
    assert.equal(response.statusCode, 200, response.body);
    const expected = [
      { resourceType: 'Condition', path: 'Condition.code', valueSet: terms.conditionCodes },
      { resourceType: 'Observation', path: 'Observation.component.code', valueSet: terms.conditionCodes },
    ];
    assert.deepEqual(json<{ bindings: TerminologyBinding[] }>(response).bindings, expected);
    assert.deepEqual(await listOf(tenant), expected);
    // 2. A second PUT replaces the whole list.
    await putBindings(tenant, [{ resourceType: 'Condition', path: 'Condition.code', valueSet: terms.conditionCodes }]);
    assert.deepEqual(await listOf(tenant), [expected[0]]);
    // 3. DELETE by resource type and path (either form), then it is gone.
    const deleted = await tenant.request({ method: 'DELETE', url: `${BINDINGS_API}/Condition/code` });
    assert.equal(deleted.statusCode, 204, deleted.body);
    assert.deepEqual(await listOf(tenant), []);
    const again = await tenant.request({ method: 'DELETE', url: `${BINDINGS_API}/Condition/Condition.code` });
    expectProblem(again, 404, 'TERM_BINDING_NOT_FOUND');
  });

  it('refuses unknown types, paths that are not coded elements and unknown value sets, naming each, and keeps the old list', async () => {
    const tenant = await testApp.createTestTenant();
    await putBindings(tenant, [{ resourceType: 'Condition', path: 'Condition.code', valueSet: terms.conditionCodes }]);
    const response = await putBindingsResponse(tenant, [
      { resourceType: 'Conditoin', path: 'code', valueSet: terms.conditionCodes },
      { resourceType: 'Condition', path: 'Condition.diagnosis', valueSet: terms.conditionCodes },
      { resourceType: 'Condition', path: 'Condition.subject', valueSet: terms.conditionCodes },
      { resourceType: 'Condition', path: 'Condition.code', valueSet: `${terms.base}:ValueSet/missing` },
      { resourceType: 'Observation', path: 'code', valueSet: terms.conditionCodes },
      { resourceType: 'Observation', path: 'Observation.code', valueSet: terms.conditionCodes },
    ]);
    const problem = expectProblem(response, 400, 'TERM_BINDING_INVALID');
    const errors = problem.errors ?? [];
    assert.equal(errors.length, 5, JSON.stringify(errors));
    assert.match(errors[0] ?? '', /^bindings\[0\]\.resourceType: Unknown resource type "Conditoin"/);
    assert.match(errors[1] ?? '', /^bindings\[1\]\.path: Condition has no element "diagnosis"/);
    assert.match(errors[2] ?? '', /^bindings\[2\]\.path: Condition\.subject is a Reference/);
    assert.match(errors[3] ?? '', /^bindings\[3\]\.valueSet: Value set .*:ValueSet\/missing is not known/);
    assert.match(errors[4] ?? '', /^bindings\[5\]\.path: Observation\.code is bound more than once/);
    assert.deepEqual(await listOf(tenant), [
      { resourceType: 'Condition', path: 'Condition.code', valueSet: terms.conditionCodes },
    ]);
  });

  it('refuses value sets it could not evaluate on write', async () => {
    const tenant = await testApp.createTestTenant();
    const unloaded = `${terms.base}:ValueSet/unloaded`;
    await insertSharedValueSet(testApp.db, unloaded, {
      resourceType: 'ValueSet',
      url: unloaded,
      status: 'active',
      compose: { include: [{ system: `${terms.base}:never-loaded` }] },
    });
    const unknownFilterCode = `${terms.base}:ValueSet/unknown-filter-code`;
    await insertSharedValueSet(testApp.db, unknownFilterCode, {
      resourceType: 'ValueSet',
      url: unknownFilterCode,
      status: 'active',
      compose: { include: [{ system: terms.snomed, filter: [{ property: 'concept', op: 'is-a', value: '999999' }] }] },
    });
    const response = await putBindingsResponse(tenant, [
      { resourceType: 'Condition', path: 'Condition.code', valueSet: unloaded },
      { resourceType: 'Condition', path: 'Condition.severity', valueSet: unknownFilterCode },
      // A bare code has no system of its own, so its value set must name exactly one.
      { resourceType: 'Patient', path: 'Patient.gender', valueSet: terms.conditionCodes },
    ]);
    const errors = expectProblem(response, 400, 'TERM_BINDING_INVALID').errors ?? [];
    assert.match(errors[0] ?? '', /needs code systems that are not loaded: .*:never-loaded/);
    assert.match(errors[1] ?? '', /^bindings\[1\]\.valueSet: Filter code "999999" is not in /);
    assert.match(errors[2] ?? '', /^bindings\[2\]\.valueSet: Patient\.gender is a bare code/);
  });

  it('refuses a body that does not match the schema', async () => {
    const tenant = await testApp.createTestTenant();
    const response = await putBindingsResponse(tenant, [{ resourceType: 'Condition', path: 'Condition.code' }]);
    expectProblem(response, 400, 'FST_ERR_VALIDATION');
  });

  it('lets any key of the tenant read bindings but only admin keys change them', async () => {
    const tenant = await testApp.createTestTenant();
    await putBindings(tenant, [{ resourceType: 'Condition', path: 'Condition.code', valueSet: terms.conditionCodes }]);
    const clinician = await clinicianOf(tenant);
    const read = await tenant.request({ method: 'GET', url: BINDINGS_API, headers: clinician });
    assert.equal(read.statusCode, 200, read.body);
    assert.equal(json<{ bindings: TerminologyBinding[] }>(read).bindings.length, 1);
    const put = await tenant.request({
      method: 'PUT',
      url: BINDINGS_API,
      payload: JSON.stringify({ bindings: [] }),
      headers: { ...clinician, 'content-type': 'application/json' },
    });
    expectProblem(put, 403, 'AUTH_FORBIDDEN');
    const deleted = await tenant.request({
      method: 'DELETE',
      url: `${BINDINGS_API}/Condition/code`,
      headers: clinician,
    });
    expectProblem(deleted, 403, 'AUTH_FORBIDDEN');
    assert.equal((await listOf(tenant)).length, 1);
    const anonymous = await testApp.app.inject({ method: 'GET', url: BINDINGS_API });
    expectProblem(anonymous, 401, 'AUTH_UNAUTHORIZED');
  });

  it("never shows or changes another tenant's bindings", async () => {
    const first = await testApp.createTestTenant();
    const second = await testApp.createTestTenant();
    await putBindings(first, [{ resourceType: 'Condition', path: 'Condition.code', valueSet: terms.conditionCodes }]);
    assert.deepEqual(await listOf(second), []);
    await putBindings(second, []);
    const deleted = await second.request({ method: 'DELETE', url: `${BINDINGS_API}/Condition/code` });
    expectProblem(deleted, 404, 'TERM_BINDING_NOT_FOUND');
    assert.equal((await listOf(first)).length, 1);
  });
});
