import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Bundle, Patient } from '@medplum/fhirtypes';
import { createTestApp, type TestApp, type TestTenant } from '../../test/create-test-app.ts';
import {
  buildPatient,
  countResources,
  createResource,
  expectOutcome,
  FHIR,
  json,
  readAllHistory,
  TEST_SYSTEM,
  uniqueValue,
} from './fhir-test-support.ts';

describe('FHIR tenant isolation', () => {
  let testApp: TestApp;
  let tenantA: TestTenant;
  let tenantB: TestTenant;
  let value: string;
  let patientA: Patient & { id: string };

  before(async () => {
    testApp = await createTestApp();
    tenantA = await testApp.createTestTenant();
    tenantB = await testApp.createTestTenant();
    value = uniqueValue();
    patientA = await createResource(
      tenantA,
      buildPatient({ identifier: [{ system: TEST_SYSTEM, value }], gender: 'female' }),
    );
  });

  after(() => testApp.close());

  const criteria = () => `identifier=${TEST_SYSTEM}|${value}`;

  /** Asserts tenant A's Patient is untouched: still version 1, female. */
  async function assertPatientAUnchanged(): Promise<void> {
    const read = await tenantA.request({ method: 'GET', url: `${FHIR}/Patient/${patientA.id}` });
    assert.equal(read.statusCode, 200);
    assert.deepEqual(json(read), patientA);
  }

  it("does not let tenant B read, vread or patch tenant A's resource", async () => {
    expectOutcome(await tenantB.request({ method: 'GET', url: `${FHIR}/Patient/${patientA.id}` }), 404);
    expectOutcome(await tenantB.request({ method: 'GET', url: `${FHIR}/Patient/${patientA.id}/_history/1` }), 404);
    expectOutcome(await tenantB.request({ method: 'GET', url: `${FHIR}/Patient/${patientA.id}/_history` }), 404);
    const patch = await tenantB.request({
      method: 'PATCH',
      url: `${FHIR}/Patient/${patientA.id}`,
      headers: { 'content-type': 'application/json-patch+json' },
      payload: JSON.stringify([{ op: 'replace', path: '/gender', value: 'male' }]),
    });
    expectOutcome(patch, 404);
    await assertPatientAUnchanged();
  });

  it("does not show tenant A's resource in tenant B's searches", async () => {
    assert.equal(await countResources(tenantA, 'Patient', criteria()), 1);
    assert.equal(await countResources(tenantB, 'Patient', criteria()), 0);
    assert.equal(await countResources(tenantB, 'Patient', `_id=${patientA.id}`), 0);
  });

  it("does not show tenant A's versions in tenant B's type or system history", async () => {
    const other = await testApp.createTestTenant();
    await createResource(other, buildPatient());
    for (const path of ['Patient/_history', '_history']) {
      const entries = await readAllHistory(other, path);
      assert.equal(entries.length, 1, path);
      assert.ok(
        entries.every((entry) => entry.resource?.id !== patientA.id),
        path,
      );
    }
  });

  it("does not match tenant A's resource in tenant B's conditional create", async () => {
    const fresh = await testApp.createTestTenant();
    const response = await fresh.request({
      method: 'POST',
      url: `${FHIR}/Patient`,
      headers: { 'if-none-exist': criteria() },
      payload: buildPatient({ identifier: [{ system: TEST_SYSTEM, value }] }),
    });
    assert.equal(response.statusCode, 201, response.body);
    assert.notEqual(json<Patient>(response).id, patientA.id);
    assert.equal(await countResources(tenantA, 'Patient', criteria()), 1);
  });

  it("does not match tenant A's resource in tenant B's conditional update or delete", async () => {
    const fresh = await testApp.createTestTenant();
    // 1. A conditional update in B creates B's own Patient.
    const updated = await fresh.request({
      method: 'PUT',
      url: `${FHIR}/Patient?${criteria()}`,
      payload: buildPatient({ identifier: [{ system: TEST_SYSTEM, value }], gender: 'male' }),
    });
    assert.equal(updated.statusCode, 201, updated.body);
    assert.notEqual(json<Patient>(updated).id, patientA.id);
    // 2. A conditional delete in B deletes only that one.
    const deleted = await fresh.request({ method: 'DELETE', url: `${FHIR}/Patient?${criteria()}` });
    assert.equal(deleted.statusCode, 204);
    assert.equal(await countResources(fresh, 'Patient', criteria()), 0);
    await assertPatientAUnchanged();
  });

  it("does not resolve tenant B's conditional references to tenant A's resources", async () => {
    const fresh = await testApp.createTestTenant();
    const response = await fresh.request({
      method: 'POST',
      url: FHIR,
      payload: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            resource: {
              resourceType: 'Observation',
              status: 'final',
              code: { text: 'Note' },
              subject: { reference: `Patient?${criteria()}` },
            },
            request: { method: 'POST', url: 'Observation' },
          },
        ],
      } satisfies Bundle,
    });
    assert.match(expectOutcome(response, 412).details?.text ?? '', /matched no resource/);
  });

  it("lets tenant B use the same id independently, without touching tenant A's resource", async () => {
    const fresh = await testApp.createTestTenant();
    // 1. B creates a Patient under A's id: it is B's version 1.
    const created = await fresh.request({
      method: 'PUT',
      url: `${FHIR}/Patient/${patientA.id}`,
      payload: buildPatient({ id: patientA.id, gender: 'male' }),
    });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.headers.etag, 'W/"1"');
    // 2. Each tenant reads its own.
    const readB = await fresh.request({ method: 'GET', url: `${FHIR}/Patient/${patientA.id}` });
    assert.equal(json<Patient>(readB).gender, 'male');
    await assertPatientAUnchanged();
    // 3. B deletes its own; A's remains.
    assert.equal((await fresh.request({ method: 'DELETE', url: `${FHIR}/Patient/${patientA.id}` })).statusCode, 204);
    expectOutcome(await fresh.request({ method: 'GET', url: `${FHIR}/Patient/${patientA.id}` }), 410);
    await assertPatientAUnchanged();
    assert.equal((await readAllHistory(tenantA, `Patient/${patientA.id}/_history`)).length, 1);
  });
});
