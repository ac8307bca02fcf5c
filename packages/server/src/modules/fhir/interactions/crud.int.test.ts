import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { OperationOutcome, Patient } from '@medplum/fhirtypes';
import { createTestApp, type TestApp, type TestTenant } from '../../../test/create-test-app.ts';
import {
  buildPatient,
  createResource,
  expectOutcome,
  FHIR,
  FHIR_BASE_URL,
  json,
  readAllHistory,
  uniqueValue,
} from '../fhir-test-support.ts';

describe('FHIR create, read, update and delete', () => {
  let testApp: TestApp;
  let tenant: TestTenant;

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
  });

  after(() => testApp.close());

  describe('create', () => {
    it('stores the resource under a server-assigned id, ignoring any id in the body', async () => {
      const response = await tenant.request({
        method: 'POST',
        url: `${FHIR}/Patient`,
        payload: buildPatient({ id: 'client-chosen' }),
      });
      assert.equal(response.statusCode, 201, response.body);
      const created = json<Patient>(response);
      assert.ok(created.id);
      assert.notEqual(created.id, 'client-chosen');
      assert.match(created.id, /^[0-9a-f-]{36}$/);
      const stored = await tenant.request({ method: 'GET', url: `${FHIR}/Patient/client-chosen` });
      expectOutcome(stored, 404);
    });

    it('answers 201 with Location, ETag, Last-Modified and the version in meta', async () => {
      const before = Date.now();
      const response = await tenant.request({ method: 'POST', url: `${FHIR}/Patient`, payload: buildPatient() });
      assert.equal(response.statusCode, 201);
      const created = json<Patient>(response);
      assert.equal(response.headers.location, `${FHIR_BASE_URL}/Patient/${created.id}/_history/1`);
      assert.equal(response.headers.etag, 'W/"1"');
      assert.equal(created.meta?.versionId, '1');
      const lastUpdated = Date.parse(created.meta?.lastUpdated ?? '');
      assert.ok(lastUpdated >= before - 1000 && lastUpdated <= Date.now() + 1000, created.meta?.lastUpdated);
      // Last-Modified is the same instant at HTTP-date (second) precision.
      assert.equal(response.headers['last-modified'], new Date(lastUpdated).toUTCString());
      assert.match(String(response.headers['content-type']), /^application\/fhir\+json/);
    });
  });

  describe('read and vread', () => {
    it('reads the current version with its ETag and Last-Modified', async () => {
      const created = await createResource(tenant, buildPatient({ gender: 'female' }));
      const response = await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${created.id}` });
      assert.equal(response.statusCode, 200);
      assert.deepEqual(json(response), created);
      assert.equal(response.headers.etag, 'W/"1"');
      assert.equal(response.headers['last-modified'], new Date(created.meta?.lastUpdated ?? '').toUTCString());
    });

    it('answers 404 with an OperationOutcome for an id that was never stored', async () => {
      const response = await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${uniqueValue('nobody')}` });
      const issue = expectOutcome(response, 404);
      assert.equal(issue.code, 'not-found');
    });

    it('reads an earlier version by its version id and 404s for versions that do not exist', async () => {
      const created = await createResource(tenant, buildPatient({ gender: 'female' }));
      const updated = await tenant.request({
        method: 'PUT',
        url: `${FHIR}/Patient/${created.id}`,
        payload: { ...created, gender: 'male' },
      });
      assert.equal(updated.statusCode, 200);
      const first = await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${created.id}/_history/1` });
      assert.equal(first.statusCode, 200);
      assert.equal(json<Patient>(first).gender, 'female');
      assert.equal(json<Patient>(first).meta?.versionId, '1');
      assert.equal(first.headers.etag, 'W/"1"');
      const second = await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${created.id}/_history/2` });
      assert.equal(json<Patient>(second).gender, 'male');
      expectOutcome(await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${created.id}/_history/3` }), 404);
      expectOutcome(await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${created.id}/_history/x` }), 400);
    });

    it('answers 304 to If-None-Match naming the current version and 200 otherwise', async () => {
      const created = await createResource(tenant, buildPatient());
      const notModified = await tenant.request({
        method: 'GET',
        url: `${FHIR}/Patient/${created.id}`,
        headers: { 'if-none-match': 'W/"1"' },
      });
      assert.equal(notModified.statusCode, 304);
      assert.equal(notModified.body, '');
      assert.equal(notModified.headers.etag, 'W/"1"');
      const modified = await tenant.request({
        method: 'GET',
        url: `${FHIR}/Patient/${created.id}`,
        headers: { 'if-none-match': 'W/"0"' },
      });
      assert.equal(modified.statusCode, 200);
      assert.equal(json<Patient>(modified).id, created.id);
    });
  });

  describe('update', () => {
    it('stores a new version and keeps the old one', async () => {
      const created = await createResource(tenant, buildPatient({ gender: 'female' }));
      const response = await tenant.request({
        method: 'PUT',
        url: `${FHIR}/Patient/${created.id}`,
        payload: { ...created, gender: 'male' },
      });
      assert.equal(response.statusCode, 200, response.body);
      const updated = json<Patient>(response);
      assert.equal(updated.meta?.versionId, '2');
      assert.equal(updated.gender, 'male');
      assert.equal(response.headers.etag, 'W/"2"');
      assert.equal(response.headers.location, `${FHIR_BASE_URL}/Patient/${created.id}/_history/2`);
      const history = await readAllHistory(tenant, `Patient/${created.id}/_history`);
      assert.deepEqual(
        history.map((entry) => entry.response?.etag),
        ['W/"2"', 'W/"1"'],
      );
    });

    it('creates the resource with the client id when it does not exist (update as create)', async () => {
      const id = uniqueValue('client');
      const response = await tenant.request({
        method: 'PUT',
        url: `${FHIR}/Patient/${id}`,
        payload: buildPatient({ id }),
      });
      assert.equal(response.statusCode, 201, response.body);
      assert.equal(response.headers.location, `${FHIR_BASE_URL}/Patient/${id}/_history/1`);
      assert.equal(json<Patient>(response).meta?.versionId, '1');
      const read = await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${id}` });
      assert.equal(read.statusCode, 200);
    });

    it('stores no new version when the body equals the current version apart from server metadata', async () => {
      const created = await createResource(tenant, buildPatient());
      // 1. Send back exactly what was read, and once more without meta at all.
      const same = await tenant.request({ method: 'PUT', url: `${FHIR}/Patient/${created.id}`, payload: created });
      assert.equal(same.statusCode, 200);
      assert.equal(same.headers.etag, 'W/"1"');
      const { meta: _meta, ...withoutMeta } = created;
      const again = await tenant.request({ method: 'PUT', url: `${FHIR}/Patient/${created.id}`, payload: withoutMeta });
      assert.equal(again.headers.etag, 'W/"1"');
      // 2. Only the creation is in the history.
      const history = await readAllHistory(tenant, `Patient/${created.id}/_history`);
      assert.equal(history.length, 1);
    });

    it('applies If-Match naming the current version', async () => {
      const created = await createResource(tenant, buildPatient());
      const response = await tenant.request({
        method: 'PUT',
        url: `${FHIR}/Patient/${created.id}`,
        headers: { 'if-match': 'W/"1"' },
        payload: { ...created, gender: 'other' },
      });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.headers.etag, 'W/"2"');
    });

    it('refuses a stale If-Match with 412 and stores nothing', async () => {
      const created = await createResource(tenant, buildPatient({ gender: 'female' }));
      // 1. Someone else updates to version 2.
      await tenant.request({
        method: 'PUT',
        url: `${FHIR}/Patient/${created.id}`,
        payload: { ...created, gender: 'male' },
      });
      // 2. An update based on version 1 is refused.
      const stale = await tenant.request({
        method: 'PUT',
        url: `${FHIR}/Patient/${created.id}`,
        headers: { 'if-match': 'W/"1"' },
        payload: { ...created, gender: 'other' },
      });
      const issue = expectOutcome(stale, 412);
      assert.match(issue.details?.text ?? '', /If-Match names version 1, current is 2/);
      // 3. Version 2 is still current and there is no version 3.
      const read = await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${created.id}` });
      assert.equal(json<Patient>(read).gender, 'male');
      assert.equal(read.headers.etag, 'W/"2"');
      assert.equal((await readAllHistory(tenant, `Patient/${created.id}/_history`)).length, 2);
    });

    it('refuses a malformed If-Match with 412', async () => {
      const created = await createResource(tenant, buildPatient());
      const response = await tenant.request({
        method: 'PUT',
        url: `${FHIR}/Patient/${created.id}`,
        headers: { 'if-match': 'version one' },
        payload: { ...created, gender: 'other' },
      });
      assert.match(expectOutcome(response, 412).details?.text ?? '', /Malformed If-Match/);
    });

    it('lets exactly one of ten concurrent updates with the same If-Match through', async () => {
      const created = await createResource(tenant, buildPatient());
      // 1. Ten clients read version 1 and each send a different change based on it, all at once.
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          tenant.request({
            method: 'PUT',
            url: `${FHIR}/Patient/${created.id}`,
            headers: { 'if-match': 'W/"1"' },
            payload: { ...created, name: [{ family: `Writer${index}` }] },
          }),
        ),
      );
      // 2. One wins; every other one learns its version was stale.
      const statuses = responses.map((response) => response.statusCode).sort();
      assert.deepEqual(statuses, [200, 412, 412, 412, 412, 412, 412, 412, 412, 412]);
      const winner = responses.find((response) => response.statusCode === 200);
      // 3. The store holds exactly the winner's version 2.
      const read = await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${created.id}` });
      assert.equal(read.headers.etag, 'W/"2"');
      assert.deepEqual(json<Patient>(read).name, json<Patient>(winner ?? read).name);
      assert.equal((await readAllHistory(tenant, `Patient/${created.id}/_history`)).length, 2);
    });

    it('never loses a write when concurrent updates create the same new id', async () => {
      const id = uniqueValue('race');
      // 1. Ten clients PUT a resource that does not exist yet, all at once.
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          tenant.request({
            method: 'PUT',
            url: `${FHIR}/Patient/${id}`,
            payload: buildPatient({ id, name: [{ family: `Writer${index}` }] }),
          }),
        ),
      );
      // 2. One creates it; each other one either updates it or is told to retry (409), never a false success.
      const statuses = responses.map((response) => response.statusCode);
      assert.equal(statuses.filter((status) => status === 201).length, 1, statuses.join());
      assert.ok(
        statuses.every((status) => status === 200 || status === 201 || status === 409),
        statuses.join(),
      );
      for (const response of responses.filter((item) => item.statusCode === 409)) {
        assert.match(expectOutcome(response, 409).details?.text ?? '', /created concurrently/);
      }
      // 3. Every success is a stored version, and the current one is the highest.
      const succeeded = responses.filter((response) => response.statusCode < 300);
      const versions = succeeded
        .map((response) => Number(json<Patient>(response).meta?.versionId))
        .sort((a, b) => a - b);
      assert.deepEqual(
        versions,
        Array.from({ length: succeeded.length }, (_, index) => index + 1),
      );
      const history = await readAllHistory(tenant, `Patient/${id}/_history`);
      assert.equal(history.length, succeeded.length);
      const latest = succeeded.find((response) => json<Patient>(response).meta?.versionId === String(versions.at(-1)));
      const read = await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${id}` });
      assert.deepEqual(json<Patient>(read).name, json<Patient>(latest ?? read).name);
    });
  });

  describe('delete', () => {
    it('deletes with 204, then reads answer 410 while the history and old versions remain', async () => {
      const created = await createResource(tenant, buildPatient({ gender: 'female' }));
      // 1. Delete.
      const deleted = await tenant.request({ method: 'DELETE', url: `${FHIR}/Patient/${created.id}` });
      assert.equal(deleted.statusCode, 204);
      assert.equal(deleted.body, '');
      // 2. The resource is gone.
      const read = await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${created.id}` });
      assert.equal(expectOutcome(read, 410).code, 'deleted');
      // 3. Its history shows the creation and the deletion; version 1 can still be read.
      const history = await readAllHistory(tenant, `Patient/${created.id}/_history`);
      assert.deepEqual(
        history.map((entry) => [entry.request?.method, entry.response?.status, entry.resource ? 'resource' : 'none']),
        [
          ['DELETE', '204', 'none'],
          ['POST', '201', 'resource'],
        ],
      );
      const first = await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${created.id}/_history/1` });
      assert.equal(first.statusCode, 200);
      assert.equal(json<Patient>(first).gender, 'female');
      // 4. The deletion itself is version 2, which has no content.
      expectOutcome(await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${created.id}/_history/2` }), 410);
    });

    it('answers 204 again when deleting what is already deleted, storing no new version', async () => {
      const created = await createResource(tenant, buildPatient());
      await tenant.request({ method: 'DELETE', url: `${FHIR}/Patient/${created.id}` });
      const again = await tenant.request({ method: 'DELETE', url: `${FHIR}/Patient/${created.id}` });
      assert.equal(again.statusCode, 204);
      assert.equal((await readAllHistory(tenant, `Patient/${created.id}/_history`)).length, 2);
    });

    it('answers 204 when deleting an id that never existed', async () => {
      const response = await tenant.request({ method: 'DELETE', url: `${FHIR}/Patient/${uniqueValue('never')}` });
      assert.equal(response.statusCode, 204);
    });

    it('continues the version numbers when a deleted resource is created again with PUT', async () => {
      const created = await createResource(tenant, buildPatient({ gender: 'female' }));
      await tenant.request({ method: 'DELETE', url: `${FHIR}/Patient/${created.id}` });
      const { meta: _meta, ...body } = created;
      const recreated = await tenant.request({
        method: 'PUT',
        url: `${FHIR}/Patient/${created.id}`,
        payload: { ...body, gender: 'male' },
      });
      assert.equal(recreated.statusCode, 201, recreated.body);
      assert.equal(recreated.headers.etag, 'W/"3"');
      assert.equal(recreated.headers.location, `${FHIR_BASE_URL}/Patient/${created.id}/_history/3`);
      const read = await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${created.id}` });
      assert.equal(json<Patient>(read).gender, 'male');
      assert.equal(json<Patient>(read).meta?.versionId, '3');
    });
  });

  describe('Prefer: return', () => {
    it('answers return=minimal with an empty body and the usual headers', async () => {
      const response = await tenant.request({
        method: 'POST',
        url: `${FHIR}/Patient`,
        headers: { prefer: 'return=minimal' },
        payload: buildPatient(),
      });
      assert.equal(response.statusCode, 201);
      assert.equal(response.body, '');
      assert.equal(response.headers.etag, 'W/"1"');
      assert.match(String(response.headers.location), /\/Patient\/[0-9a-f-]{36}\/_history\/1$/);
      assert.ok(response.headers['last-modified']);
      // The resource was stored all the same.
      const path = String(response.headers.location)
        .replace(FHIR_BASE_URL, FHIR)
        .replace(/\/_history\/1$/, '');
      assert.equal((await tenant.request({ method: 'GET', url: path })).statusCode, 200);
    });

    it('answers return=representation with the stored resource', async () => {
      const created = await createResource(tenant, buildPatient());
      const response = await tenant.request({
        method: 'PUT',
        url: `${FHIR}/Patient/${created.id}`,
        headers: { prefer: 'return=representation' },
        payload: { ...created, gender: 'female' },
      });
      assert.equal(response.statusCode, 200);
      assert.equal(json<Patient>(response).gender, 'female');
      assert.equal(json<Patient>(response).meta?.versionId, '2');
    });

    it('answers return=OperationOutcome with an outcome instead of the resource', async () => {
      const response = await tenant.request({
        method: 'POST',
        url: `${FHIR}/Patient`,
        headers: { prefer: 'return=OperationOutcome' },
        payload: buildPatient(),
      });
      assert.equal(response.statusCode, 201);
      const outcome = json<OperationOutcome>(response);
      assert.equal(outcome.resourceType, 'OperationOutcome');
      assert.equal(outcome.issue?.[0]?.severity, 'information');
      assert.equal(response.headers.etag, 'W/"1"');
      assert.ok(response.headers.location);
    });
  });
});
