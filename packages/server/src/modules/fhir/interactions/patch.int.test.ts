import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Patient } from '@medplum/fhirtypes';
import { createTestApp, type TestApp, type TestTenant } from '../../../test/create-test-app.ts';
import {
  buildPatient,
  createResource,
  expectOutcome,
  FHIR,
  json,
  readAllHistory,
  uniqueValue,
} from '../fhir-test-support.ts';

const JSON_PATCH = 'application/json-patch+json';

describe('FHIR JSON Patch', () => {
  let testApp: TestApp;
  let tenant: TestTenant;

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
  });

  after(() => testApp.close());

  const patch = (id: string, operations: unknown, headers: Record<string, string> = {}) =>
    tenant.request({
      method: 'PATCH',
      url: `${FHIR}/Patient/${id}`,
      headers: { 'content-type': JSON_PATCH, ...headers },
      payload: JSON.stringify(operations),
    });

  /** Asserts the Patient is still at version 1 with its original content. */
  async function assertUnchanged(original: Patient & { id: string }): Promise<void> {
    const read = await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${original.id}` });
    assert.deepEqual(json(read), original);
    assert.equal((await readAllHistory(tenant, `Patient/${original.id}/_history`)).length, 1);
  }

  it('applies replace, add and remove operations as a new version', async () => {
    const created = await createResource(tenant, buildPatient({ gender: 'female', birthDate: '1970-01-01' }));
    const response = await patch(created.id, [
      { op: 'replace', path: '/gender', value: 'male' },
      { op: 'add', path: '/active', value: true },
      { op: 'add', path: '/name/0/given/-', value: 'Sam' },
      { op: 'remove', path: '/birthDate' },
    ]);
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.headers.etag, 'W/"2"');
    const patched = json<Patient>(response);
    assert.equal(patched.gender, 'male');
    assert.equal(patched.active, true);
    assert.deepEqual(patched.name?.[0]?.given, [...(created.name?.[0]?.given ?? []), 'Sam']);
    assert.equal(patched.birthDate, undefined);
    assert.equal(patched.meta?.versionId, '2');
    const read = await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${created.id}` });
    assert.deepEqual(json(read), patched);
  });

  it('accepts a passing test operation', async () => {
    const created = await createResource(tenant, buildPatient({ gender: 'female' }));
    const response = await patch(created.id, [
      { op: 'test', path: '/gender', value: 'female' },
      { op: 'replace', path: '/gender', value: 'other' },
    ]);
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(json<Patient>(response).gender, 'other');
  });

  it('refuses the whole patch with 422 when a test operation fails, storing nothing', async () => {
    const created = await createResource(tenant, buildPatient({ gender: 'female' }));
    const response = await patch(created.id, [
      { op: 'add', path: '/active', value: false },
      { op: 'test', path: '/gender', value: 'male' },
      { op: 'replace', path: '/gender', value: 'other' },
    ]);
    const issue = expectOutcome(response, 422);
    assert.equal(issue.code, 'conflict');
    assert.match(issue.details?.text ?? '', /operation 1 \(test \/gender\) failed: TEST_OPERATION_FAILED/);
    await assertUnchanged(created);
  });

  it('refuses a patch whose result is not a valid Patient with 400 naming the element, storing nothing', async () => {
    const created = await createResource(tenant, buildPatient());
    const response = await patch(created.id, [{ op: 'replace', path: '/gender', value: 'x' }]);
    const issue = expectOutcome(response, 400);
    assert.deepEqual(issue.expression, ['Patient.gender']);
    await assertUnchanged(created);
  });

  it('refuses a patch that changes the id with 400, storing nothing', async () => {
    const created = await createResource(tenant, buildPatient());
    const response = await patch(created.id, [{ op: 'replace', path: '/id', value: 'another-id' }]);
    assert.match(expectOutcome(response, 400).details?.text ?? '', /may not change resourceType or id/);
    await assertUnchanged(created);
    expectOutcome(await tenant.request({ method: 'GET', url: `${FHIR}/Patient/another-id` }), 404);
  });

  it('refuses an operation on a path that does not exist with 400, storing nothing', async () => {
    const created = await createResource(tenant, buildPatient());
    const response = await patch(created.id, [{ op: 'replace', path: '/contact/0/name', value: { family: 'X' } }]);
    assert.match(expectOutcome(response, 400).details?.text ?? '', /operation 0 \(replace \/contact\/0\/name\)/);
    await assertUnchanged(created);
  });

  it('refuses a body that is not an array of operations with 400', async () => {
    const created = await createResource(tenant, buildPatient());
    for (const body of [{ op: 'replace', path: '/gender', value: 'male' }, [{ path: '/gender' }], ['replace']]) {
      const response = await patch(created.id, body);
      assert.match(expectOutcome(response, 400).details?.text ?? '', /array of operations/, JSON.stringify(body));
    }
    await assertUnchanged(created);
  });

  it('honours If-Match: the current version applies, a stale one is refused with 412', async () => {
    const created = await createResource(tenant, buildPatient({ gender: 'female' }));
    const stale = await patch(created.id, [{ op: 'replace', path: '/gender', value: 'male' }], { 'if-match': 'W/"7"' });
    assert.match(expectOutcome(stale, 412).details?.text ?? '', /current version is 1/);
    await assertUnchanged(created);
    const current = await patch(created.id, [{ op: 'replace', path: '/gender', value: 'male' }], {
      'if-match': 'W/"1"',
    });
    assert.equal(current.statusCode, 200, current.body);
  });

  it('answers 404 for an id that was never stored and 410 for a deleted one', async () => {
    const operations = [{ op: 'replace', path: '/gender', value: 'male' }];
    expectOutcome(await patch(uniqueValue('nobody'), operations), 404);
    const created = await createResource(tenant, buildPatient());
    await tenant.request({ method: 'DELETE', url: `${FHIR}/Patient/${created.id}` });
    expectOutcome(await patch(created.id, operations), 410);
    assert.equal((await readAllHistory(tenant, `Patient/${created.id}/_history`)).length, 2);
  });
});
