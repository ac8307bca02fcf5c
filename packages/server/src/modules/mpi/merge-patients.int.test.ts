import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Observation, Parameters, Patient } from '@medplum/fhirtypes';
import type { GoldenRecord } from '@caregraph/core/domain';
import { createTestApp, type TestApp, type TestTenant } from '../../test/create-test-app.ts';
import { buildObservation, createResource, expectOutcome, FHIR, json } from '../fhir/fhir-test-support.ts';
import { withoutVersionMeta } from './fhir-store.ts';
import {
  BORDERLINE,
  buildPerson,
  memberIds,
  NEAR_DUPLICATE,
  personOf,
  personsOf,
  readPatient,
} from './mpi-test-support.ts';

describe('Patient $merge and $unmerge', () => {
  let testApp: TestApp;

  before(async () => {
    testApp = await createTestApp();
  });
  after(async () => {
    await testApp.close();
  });

  function operation(tenant: TestTenant, name: string, parameter: Parameters['parameter']) {
    return tenant.request({
      method: 'POST',
      url: `${FHIR}/Patient/$${name}`,
      payload: { resourceType: 'Parameters', parameter },
    });
  }

  async function read<T>(tenant: TestTenant, path: string): Promise<T> {
    const response = await tenant.request({ method: 'GET', url: `${FHIR}/${path}` });
    assert.equal(response.statusCode, 200, response.body);
    return json<T>(response);
  }

  it('moves clinical references to the target and unmerge restores exactly what was there', async () => {
    const tenant = await testApp.createTestTenant();
    const target = await createResource(tenant, buildPerson());
    const source = await createResource(tenant, buildPerson(BORDERLINE));
    const observation = await createResource(tenant, buildObservation(source.id, { note: [{ text: 'kept as is' }] }));
    const untouched = await createResource(tenant, buildObservation(target.id));
    const sourceBefore = await readPatient(tenant, source.id);
    const targetBefore = await readPatient(tenant, target.id);
    const parameters = [
      { name: 'source-patient', valueReference: { reference: `Patient/${source.id}` } },
      { name: 'target-patient', valueReference: { reference: `Patient/${target.id}` } },
    ];
    // 1. A preview says what would move and changes nothing.
    const preview = await operation(tenant, 'merge', [...parameters, { name: 'preview', valueBoolean: true }]);
    assert.equal(preview.statusCode, 200, preview.body);
    assert.match(JSON.stringify(json<Parameters>(preview)), /1 resources would refer to the target/);
    assert.equal(
      (await read<Observation>(tenant, `Observation/${observation.id}`)).subject?.reference,
      `Patient/${source.id}`,
    );
    // 2. The merge: the observation follows the target; source inactive, replaced-by; target replaces.
    const merged = await operation(tenant, 'merge', parameters);
    assert.equal(merged.statusCode, 200, merged.body);
    const moved = await read<Observation>(tenant, `Observation/${observation.id}`);
    assert.equal(moved.subject?.reference, `Patient/${target.id}`);
    assert.equal(moved.meta?.versionId, '2');
    const sourceAfter = await readPatient(tenant, source.id);
    assert.equal(sourceAfter.active, false);
    assert.deepEqual(sourceAfter.link, [{ other: { reference: `Patient/${target.id}` }, type: 'replaced-by' }]);
    assert.deepEqual((await readPatient(tenant, target.id)).link, [
      { other: { reference: `Patient/${source.id}` }, type: 'replaces' },
    ]);
    // 3. Both are in one golden record; the merged record no longer matches on its own.
    const person = await personOf(tenant, target.id);
    assert.deepEqual(memberIds(person), [source.id, target.id].sort());
    const golden = json<GoldenRecord>(await tenant.request({ method: 'GET', url: `/api/mpi/persons/${person.id}` }));
    assert.equal(golden.members.find((member) => member.id === source.id)?.replacedBy, target.id);
    assert.ok(golden.members.every((member) => member.origin === 'merge' && member.assurance === 'level4'));
    // 4. Merging it again is refused.
    expectOutcome(await operation(tenant, 'merge', parameters), 409);
    // 5. Unmerge: new versions whose content is exactly the pre-merge content.
    const unmerged = await operation(tenant, 'unmerge', parameters.slice(0, 1));
    assert.equal(unmerged.statusCode, 200, unmerged.body);
    const restored = await read<Observation>(tenant, `Observation/${observation.id}`);
    assert.equal(restored.meta?.versionId, '3');
    assert.deepEqual(withoutVersionMeta(restored), withoutVersionMeta(observation));
    assert.deepEqual(withoutVersionMeta(await readPatient(tenant, source.id)), withoutVersionMeta(sourceBefore));
    assert.deepEqual(withoutVersionMeta(await readPatient(tenant, target.id)), withoutVersionMeta(targetBefore));
    assert.equal((await read<Observation>(tenant, `Observation/${untouched.id}`)).meta?.versionId, '1');
    assert.deepEqual(await personsOf(tenant, source.id), []);
    // 6. There is nothing left to unmerge.
    expectOutcome(await operation(tenant, 'unmerge', parameters.slice(0, 1)), 404);
  });

  it('refuses an unmerge once a moved resource changed, and changes nothing', async () => {
    const tenant = await testApp.createTestTenant();
    const target = await createResource(tenant, buildPerson());
    const source = await createResource(tenant, buildPerson(NEAR_DUPLICATE));
    const observation = await createResource(tenant, buildObservation(source.id));
    const merged = await operation(tenant, 'merge', [
      { name: 'source-patient', valueReference: { reference: `Patient/${source.id}` } },
      { name: 'target-patient', valueReference: { reference: `Patient/${target.id}` } },
    ]);
    const mergeId = json<Parameters>(merged).parameter?.find((parameter) => parameter.name === 'merge')?.valueString;
    assert.ok(mergeId);
    const current = await read<Observation>(tenant, `Observation/${observation.id}`);
    await tenant.request({
      method: 'PUT',
      url: `${FHIR}/Observation/${observation.id}`,
      payload: { ...current, status: 'amended' },
    });
    const refused = expectOutcome(await operation(tenant, 'unmerge', [{ name: 'merge', valueString: mergeId }]), 409);
    assert.match(refused.details?.text ?? '', new RegExp(`Observation/${observation.id}`));
    assert.equal((await readPatient(tenant, source.id)).active, false);
  });

  it('rolls the whole merge back when one write fails', async () => {
    const tenant = await testApp.createTestTenant();
    const target = await createResource(tenant, buildPerson());
    const source = await createResource(tenant, buildPerson(NEAR_DUPLICATE));
    const observation = await createResource(tenant, buildObservation(source.id));
    // result-patient with the wrong id: refused after nothing was written.
    const refused = await operation(tenant, 'merge', [
      { name: 'source-patient', valueReference: { reference: `Patient/${source.id}` } },
      { name: 'target-patient', valueReference: { reference: `Patient/${target.id}` } },
      { name: 'result-patient', resource: { ...buildPerson(), id: source.id } },
    ]);
    expectOutcome(refused, 400);
    // An invalid result-patient fails validation after the observation was rewritten: all of it rolls back.
    const invalid = await operation(tenant, 'merge', [
      { name: 'source-patient', valueReference: { reference: `Patient/${source.id}` } },
      { name: 'target-patient', valueReference: { reference: `Patient/${target.id}` } },
      { name: 'result-patient', resource: { ...buildPerson(), id: target.id, gender: 'robot' } as unknown as Patient },
    ]);
    expectOutcome(invalid, 400);
    assert.equal((await read<Observation>(tenant, `Observation/${observation.id}`)).meta?.versionId, '1');
    assert.equal((await readPatient(tenant, source.id)).active, undefined);
  });
});
