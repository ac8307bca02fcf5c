import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Bundle, BundleEntry, Observation, OperationOutcome, Patient, Practitioner } from '@medplum/fhirtypes';
import { createTestApp, type TestApp, type TestTenant } from '../../../test/create-test-app.ts';
import {
  buildObservation,
  buildPatient,
  countResources,
  createResource,
  expectOutcome,
  FHIR,
  FHIR_BASE_URL,
  json,
  readAllHistory,
  TEST_SYSTEM,
  uniqueValue,
} from '../fhir-test-support.ts';

const NPI = 'http://hl7.org/fhir/sid/us-npi';

const urn = () => `urn:uuid:${randomUUID()}`;

function bundle(type: 'batch' | 'transaction', entry: BundleEntry[]): Bundle {
  return { resourceType: 'Bundle', type, entry };
}

/** A POST entry creating `resource`, under `fullUrl` when given. */
function postEntry(resource: BundleEntry['resource'], fullUrl?: string, ifNoneExist?: string): BundleEntry {
  return {
    ...(fullUrl ? { fullUrl } : {}),
    resource,
    request: { method: 'POST', url: resource?.resourceType ?? '', ...(ifNoneExist ? { ifNoneExist } : {}) },
  };
}

/** What a tenant holds, to prove a failed transaction left nothing behind. */
async function snapshot(tenant: TestTenant) {
  return {
    patients: await countResources(tenant, 'Patient'),
    observations: await countResources(tenant, 'Observation'),
    practitioners: await countResources(tenant, 'Practitioner'),
    versions: (await readAllHistory(tenant, '_history')).length,
  };
}

describe('FHIR batch and transaction Bundles', () => {
  let testApp: TestApp;
  let tenant: TestTenant;

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
  });

  after(() => testApp.close());

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    tenant.request({ method: 'POST', url: FHIR, payload: body as object, headers });

  describe('batch', () => {
    it('answers every entry with its own status; a failing entry does not stop the others', async () => {
      const existing = await createResource(tenant, buildPatient({ gender: 'female' }));
      const newPatient = buildPatient();
      const response = await post(
        bundle('batch', [
          postEntry(newPatient),
          postEntry(buildPatient({ gender: 'x' as Patient['gender'] })),
          { request: { method: 'GET', url: `Patient/${existing.id}` } },
          { request: { method: 'DELETE', url: `Patient/${uniqueValue('never')}` } },
          {
            resource: { ...existing, gender: 'male' },
            request: { method: 'PUT', url: `Patient/${existing.id}`, ifMatch: 'W/"9"' },
          },
          { request: { method: 'GET', url: `Patient?identifier=${newPatient.identifier?.[0]?.value}` } },
        ]),
      );
      assert.equal(response.statusCode, 200, response.body);
      const result = json<Bundle>(response);
      assert.equal(result.type, 'batch-response');
      assert.deepEqual(
        result.entry?.map((entry) => entry.response?.status),
        ['201', '400', '200', '204', '412', '200'],
      );
      // 1. The created Patient is stored and located.
      assert.match(result.entry?.[0]?.response?.location ?? '', /^Patient\/[0-9a-f-]{36}\/_history\/1$/);
      // 2. The invalid one is reported against its entry.
      const invalid = result.entry?.[1]?.response?.outcome as OperationOutcome;
      assert.deepEqual(invalid.issue?.[0]?.expression, ['Bundle.entry[1].resource.gender']);
      assert.match(invalid.issue?.[0]?.details?.text ?? '', /^Bundle entry 1: /);
      // 3. Reads carry what they read, even without Prefer: return=representation.
      assert.equal((result.entry?.[2]?.resource as Patient).gender, 'female');
      assert.equal((result.entry?.[5]?.resource as Bundle).type, 'searchset');
      assert.equal((result.entry?.[5]?.resource as Bundle).entry?.length, 1);
      // 4. The stale update changed nothing.
      const read = await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${existing.id}` });
      assert.equal(json<Patient>(read).gender, 'female');
    });

    it('answers a batch entry without request.url with 400 naming the entry', async () => {
      const response = await post(
        bundle('batch', [{ resource: buildPatient(), request: { method: 'POST' } as never }]),
      );
      const entry = json<Bundle>(response).entry?.[0];
      assert.equal(entry?.response?.status, '400');
      assert.deepEqual((entry?.response?.outcome as OperationOutcome).issue?.[0]?.expression, [
        'Bundle.entry[0].request',
      ]);
    });

    it('resolves conditional references in batch entries against stored resources', async () => {
      const npi = uniqueValue('npi');
      const practitioner = await createResource(tenant, {
        resourceType: 'Practitioner',
        identifier: [{ system: NPI, value: npi }],
      } satisfies Practitioner);
      const patient = await createResource(tenant, buildPatient());
      const response = await post(
        bundle('batch', [
          postEntry(
            buildObservation(patient.id, { performer: [{ reference: `Practitioner?identifier=${NPI}|${npi}` }] }),
          ),
        ]),
      );
      const location = json<Bundle>(response).entry?.[0]?.response?.location ?? '';
      const stored = await tenant.request({
        method: 'GET',
        url: `${FHIR}/${location.replace(/\/_history\/\d+$/, '')}`,
      });
      assert.equal(json<Observation>(stored).performer?.[0]?.reference, `Practitioner/${practitioner.id}`);
    });
  });

  describe('transaction', () => {
    it('rewrites urn:uuid references to the ids it assigns', async () => {
      const patientUrl = urn();
      const observationUrl = urn();
      const response = await post(
        bundle('transaction', [
          postEntry(buildObservation('placeholder', { subject: { reference: patientUrl } }), observationUrl),
          postEntry(buildPatient(), patientUrl),
          postEntry(
            {
              resourceType: 'DiagnosticReport',
              status: 'final',
              code: { text: 'Panel' },
              subject: { reference: patientUrl },
              result: [{ reference: observationUrl }],
            },
            urn(),
          ),
        ]),
      );
      assert.equal(response.statusCode, 200, response.body);
      const result = json<Bundle>(response);
      assert.equal(result.type, 'transaction-response');
      assert.deepEqual(
        result.entry?.map((entry) => entry.response?.status),
        ['201', '201', '201'],
      );
      const [observationLocation, patientLocation, reportLocation] = (result.entry ?? []).map(
        (entry) => entry.response?.location?.replace(/\/_history\/1$/, '') ?? '',
      );
      assert.match(patientLocation ?? '', /^Patient\/[0-9a-f-]{36}$/);
      assert.equal(result.entry?.[1]?.fullUrl, `${FHIR_BASE_URL}/${patientLocation}`);
      const observation = json<Observation>(
        await tenant.request({ method: 'GET', url: `${FHIR}/${observationLocation}` }),
      );
      assert.equal(observation.subject?.reference, patientLocation);
      const report = json(await tenant.request({ method: 'GET', url: `${FHIR}/${reportLocation}` }));
      assert.deepEqual(report.subject, { reference: patientLocation });
      assert.deepEqual(report.result, [{ reference: observationLocation }]);
      // The rewritten references are searchable.
      const patientId = patientLocation?.split('/')[1];
      const search = await tenant.request({ method: 'GET', url: `${FHIR}/Observation?subject=Patient/${patientId}` });
      assert.equal(json<Bundle>(search).entry?.length, 1);
    });

    it('stores nothing when its fifth entry is invalid, and names that entry', async () => {
      const before = await snapshot(tenant);
      const patientUrl = urn();
      const response = await post(
        bundle('transaction', [
          postEntry(buildPatient(), patientUrl),
          postEntry(buildObservation('x', { subject: { reference: patientUrl } }), urn()),
          postEntry(buildObservation('x', { subject: { reference: patientUrl } }), urn()),
          postEntry({ resourceType: 'Practitioner', identifier: [{ system: NPI, value: uniqueValue() }] }, urn()),
          postEntry(buildPatient({ birthDate: '2020-13-45' }), urn()),
          postEntry(buildPatient(), urn()),
        ]),
      );
      const issue = expectOutcome(response, 400);
      assert.deepEqual(issue.expression, ['Bundle.entry[4].resource.birthDate']);
      assert.match(issue.details?.text ?? '', /^Bundle entry 4: /);
      assert.deepEqual(await snapshot(tenant), before);
    });

    it('resolves conditional references to the single match', async () => {
      const npi = uniqueValue('npi');
      const practitioner = await createResource(tenant, {
        resourceType: 'Practitioner',
        identifier: [{ system: NPI, value: npi }],
      } satisfies Practitioner);
      const patientUrl = urn();
      const response = await post(
        bundle('transaction', [
          postEntry(
            buildPatient({ generalPractitioner: [{ reference: `Practitioner?identifier=${NPI}|${npi}` }] }),
            patientUrl,
          ),
          postEntry(
            buildObservation('x', {
              subject: { reference: patientUrl },
              performer: [{ reference: `Practitioner?identifier=${NPI}|${npi}` }],
            }),
            urn(),
          ),
        ]),
      );
      assert.equal(response.statusCode, 200, response.body);
      const locations = (json<Bundle>(response).entry ?? []).map((entry) =>
        entry.response?.location?.replace(/\/_history\/1$/, ''),
      );
      const patient = json<Patient>(await tenant.request({ method: 'GET', url: `${FHIR}/${locations[0]}` }));
      assert.equal(patient.generalPractitioner?.[0]?.reference, `Practitioner/${practitioner.id}`);
      const observation = json<Observation>(await tenant.request({ method: 'GET', url: `${FHIR}/${locations[1]}` }));
      assert.equal(observation.performer?.[0]?.reference, `Practitioner/${practitioner.id}`);
    });

    it('fails with 412 and stores nothing when a conditional reference matches nothing or several', async () => {
      const shared = uniqueValue('npi');
      await createResource(tenant, { resourceType: 'Practitioner', identifier: [{ system: NPI, value: shared }] });
      await createResource(tenant, { resourceType: 'Practitioner', identifier: [{ system: NPI, value: shared }] });
      for (const [value, matched] of [
        [uniqueValue('missing'), 'no'],
        [shared, 'more than one'],
      ] as const) {
        const before = await snapshot(tenant);
        const response = await post(
          bundle('transaction', [
            postEntry(buildPatient(), urn()),
            postEntry(
              buildObservation('x', { performer: [{ reference: `Practitioner?identifier=${NPI}|${value}` }] }),
              urn(),
            ),
          ]),
        );
        const issue = expectOutcome(response, 412);
        assert.match(issue.details?.text ?? '', new RegExp(`^Bundle entry 1: .*matched ${matched} resource`));
        assert.deepEqual(await snapshot(tenant), before);
      }
    });

    it('reuses the resource an ifNoneExist entry matches, and points references at it', async () => {
      const npi = uniqueValue('npi');
      const existing = await createResource(tenant, {
        resourceType: 'Practitioner',
        identifier: [{ system: NPI, value: npi }],
      } satisfies Practitioner);
      const practitionerUrl = urn();
      const response = await post(
        bundle('transaction', [
          postEntry(
            { resourceType: 'Practitioner', identifier: [{ system: NPI, value: npi }], name: [{ family: 'Dup' }] },
            practitionerUrl,
            `identifier=${NPI}|${npi}`,
          ),
          postEntry(buildPatient({ generalPractitioner: [{ reference: practitionerUrl }] }), urn()),
        ]),
      );
      assert.equal(response.statusCode, 200, response.body);
      const [practitionerEntry, patientEntry] = json<Bundle>(response).entry ?? [];
      assert.equal(practitionerEntry?.response?.status, '200');
      assert.equal(practitionerEntry?.response?.location, `Practitioner/${existing.id}/_history/1`);
      assert.equal(await countResources(tenant, 'Practitioner', `identifier=${NPI}|${npi}`), 1);
      const patientPath = patientEntry?.response?.location?.replace(/\/_history\/1$/, '');
      const patient = json<Patient>(await tenant.request({ method: 'GET', url: `${FHIR}/${patientPath}` }));
      assert.equal(patient.generalPractitioner?.[0]?.reference, `Practitioner/${existing.id}`);
    });

    it('creates the resource of an ifNoneExist entry that matches nothing', async () => {
      const npi = uniqueValue('npi');
      const response = await post(
        bundle('transaction', [
          postEntry(
            { resourceType: 'Practitioner', identifier: [{ system: NPI, value: npi }] },
            urn(),
            `identifier=${NPI}|${npi}`,
          ),
        ]),
      );
      assert.equal(json<Bundle>(response).entry?.[0]?.response?.status, '201');
      assert.equal(await countResources(tenant, 'Practitioner', `identifier=${NPI}|${npi}`), 1);
    });

    it('processes deletes, then creates, then updates, then reads, whatever the entry order', async () => {
      const kept = await createResource(tenant, buildPatient({ gender: 'female' }));
      const doomed = await createResource(tenant, buildPatient());
      const newIdentifier = uniqueValue('new');
      // 1. Reads come first in the Bundle but must see the writes that follow them.
      const response = await post(
        bundle('transaction', [
          { request: { method: 'GET', url: `Patient/${kept.id}` } },
          { request: { method: 'GET', url: `Patient?identifier=${TEST_SYSTEM}|${newIdentifier}` } },
          { resource: { ...kept, gender: 'male' }, request: { method: 'PUT', url: `Patient/${kept.id}` } },
          postEntry(buildPatient({ identifier: [{ system: TEST_SYSTEM, value: newIdentifier }] }), urn()),
          { request: { method: 'DELETE', url: `Patient/${doomed.id}` } },
        ]),
      );
      assert.equal(response.statusCode, 200, response.body);
      const entries = json<Bundle>(response).entry ?? [];
      // 2. Responses stay in the order of the request entries.
      assert.deepEqual(
        entries.map((entry) => entry.response?.status),
        ['200', '200', '200', '201', '204'],
      );
      assert.equal((entries[0]?.resource as Patient).gender, 'male');
      assert.equal((entries[1]?.resource as Bundle).entry?.length, 1);
      // 3. The writes happened in spec order: the delete no later than the create, the create no later than the update.
      const modified = (index: number) => Date.parse(entries[index]?.response?.lastModified ?? '');
      assert.ok(modified(4) <= modified(3) && modified(3) <= modified(2));
      expectOutcome(await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${doomed.id}` }), 410);
    });

    it('applies PUT, PATCH and DELETE entries together', async () => {
      const updated = await createResource(tenant, buildPatient({ gender: 'female' }));
      const patched = await createResource(tenant, buildPatient({ gender: 'female' }));
      const deleted = await createResource(tenant, buildPatient());
      const createdId = uniqueValue('put');
      const patch = [{ op: 'replace', path: '/gender', value: 'other' }];
      const response = await post(
        bundle('transaction', [
          { resource: { ...updated, gender: 'male' }, request: { method: 'PUT', url: `Patient/${updated.id}` } },
          { resource: buildPatient({ id: createdId }), request: { method: 'PUT', url: `Patient/${createdId}` } },
          {
            resource: {
              resourceType: 'Binary',
              contentType: 'application/json-patch+json',
              data: Buffer.from(JSON.stringify(patch)).toString('base64'),
            },
            request: { method: 'PATCH', url: `Patient/${patched.id}` },
          },
          { request: { method: 'DELETE', url: `Patient/${deleted.id}` } },
        ]),
      );
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(
        json<Bundle>(response).entry?.map((entry) => entry.response?.status),
        ['200', '201', '200', '204'],
      );
      const read = async (id: string) =>
        json<Patient>(await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${id}` }));
      assert.equal((await read(updated.id)).gender, 'male');
      assert.equal((await read(patched.id)).gender, 'other');
      assert.equal((await read(createdId)).meta?.versionId, '1');
      expectOutcome(await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${deleted.id}` }), 410);
    });

    it('points references at the resource a conditional update entry updates or creates', async () => {
      const existingValue = uniqueValue();
      const newValue = uniqueValue();
      const existing = await createResource(
        tenant,
        buildPatient({ identifier: [{ system: TEST_SYSTEM, value: existingValue }], gender: 'female' }),
      );
      const existingUrl = urn();
      const newUrl = urn();
      const response = await post(
        bundle('transaction', [
          {
            fullUrl: existingUrl,
            resource: buildPatient({ identifier: [{ system: TEST_SYSTEM, value: existingValue }], gender: 'male' }),
            request: { method: 'PUT', url: `Patient?identifier=${TEST_SYSTEM}|${existingValue}` },
          },
          {
            fullUrl: newUrl,
            resource: buildPatient({ identifier: [{ system: TEST_SYSTEM, value: newValue }] }),
            request: { method: 'PUT', url: `Patient?identifier=${TEST_SYSTEM}|${newValue}` },
          },
          postEntry(buildObservation('x', { subject: { reference: existingUrl } }), urn()),
          postEntry(buildObservation('x', { subject: { reference: newUrl } }), urn()),
        ]),
      );
      assert.equal(response.statusCode, 200, response.body);
      const entries = json<Bundle>(response).entry ?? [];
      assert.deepEqual(
        entries.map((entry) => entry.response?.status),
        ['200', '201', '201', '201'],
      );
      // 1. The match was updated in place; the other was created once.
      assert.equal(entries[0]?.response?.location, `Patient/${existing.id}/_history/2`);
      const createdPath = entries[1]?.response?.location?.replace(/\/_history\/1$/, '') ?? '';
      assert.equal(await countResources(tenant, 'Patient', `identifier=${TEST_SYSTEM}|${newValue}`), 1);
      // 2. The Observations refer to them by their real ids.
      const subjectOf = async (index: number) => {
        const path = entries[index]?.response?.location?.replace(/\/_history\/1$/, '');
        return json<Observation>(await tenant.request({ method: 'GET', url: `${FHIR}/${path}` })).subject?.reference;
      };
      assert.equal(await subjectOf(2), `Patient/${existing.id}`);
      assert.equal(await subjectOf(3), createdPath);
    });

    it('fails with 412 and stores nothing when a conditional update entry matches several resources', async () => {
      const value = uniqueValue();
      await createResource(tenant, buildPatient({ identifier: [{ system: TEST_SYSTEM, value }] }));
      await createResource(tenant, buildPatient({ identifier: [{ system: TEST_SYSTEM, value }] }));
      const before = await snapshot(tenant);
      const response = await post(
        bundle('transaction', [
          postEntry(buildPatient(), urn()),
          {
            resource: buildPatient({ identifier: [{ system: TEST_SYSTEM, value }] }),
            request: { method: 'PUT', url: `Patient?identifier=${TEST_SYSTEM}|${value}` },
          },
        ]),
      );
      assert.match(
        expectOutcome(response, 412).details?.text ?? '',
        /^Bundle entry 1: .*matched more than one Patient/,
      );
      assert.deepEqual(await snapshot(tenant), before);
    });

    it('rolls back earlier entries when a later one fails its If-Match', async () => {
      const target = await createResource(tenant, buildPatient({ gender: 'female' }));
      const before = await snapshot(tenant);
      const response = await post(
        bundle('transaction', [
          postEntry(buildPatient(), urn()),
          { request: { method: 'DELETE', url: `Patient/${target.id}` } },
          // Deletes run first, so by now the target is at version 2.
          {
            resource: { ...target, gender: 'male' },
            request: { method: 'PUT', url: `Patient/${target.id}`, ifMatch: 'W/"1"' },
          },
        ]),
      );
      const issue = expectOutcome(response, 412);
      assert.match(issue.details?.text ?? '', /^Bundle entry 2: Version conflict/);
      assert.deepEqual(await snapshot(tenant), before);
      const read = await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${target.id}` });
      assert.equal(read.statusCode, 200);
    });

    it('answers a transaction-response carrying resources under Prefer: return=representation', async () => {
      const response = await post(bundle('transaction', [postEntry(buildPatient({ gender: 'female' }), urn())]), {
        prefer: 'return=representation',
      });
      const entry = json<Bundle>(response).entry?.[0];
      assert.equal((entry?.resource as Patient).gender, 'female');
      assert.equal(entry?.resource?.meta?.versionId, '1');
    });
  });

  describe('malformed bundles', () => {
    it('refuses a Bundle of another type, naming Bundle.type', async () => {
      const response = await post({ resourceType: 'Bundle', type: 'collection', entry: [] });
      assert.deepEqual(expectOutcome(response, 400).expression, ['Bundle.type']);
    });

    it('refuses a body that is not a Bundle, naming resourceType', async () => {
      const response = await post(buildPatient());
      assert.deepEqual(expectOutcome(response, 400).expression, ['resourceType']);
    });

    it('refuses a transaction entry for an unknown resource type, naming the entry and storing nothing', async () => {
      const before = await snapshot(tenant);
      const response = await post(
        bundle('transaction', [
          postEntry(buildPatient(), urn()),
          { resource: { resourceType: 'Spaceship' } as never, request: { method: 'POST', url: 'Spaceship' } },
        ]),
      );
      assert.match(
        expectOutcome(response, 400).details?.text ?? '',
        /^Bundle entry 1: Unknown resource type "Spaceship"/,
      );
      assert.deepEqual(await snapshot(tenant), before);
    });

    it('refuses an entry whose ifNoneExist names an unknown parameter, pointing at its request', async () => {
      const response = await post(bundle('transaction', [postEntry(buildPatient(), urn(), 'shoe-size=42')]));
      const issue = expectOutcome(response, 400);
      assert.deepEqual(issue.expression, ['Bundle.entry[0].request']);
      assert.match(issue.details?.text ?? '', /shoe-size/);
    });
  });
});
