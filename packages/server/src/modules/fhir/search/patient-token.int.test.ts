import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp, type TestTenant } from '../../../test/create-test-app.ts';
import { buildObservation, buildPatient, createResource, FHIR, matchIds } from '../fhir-test-support.ts';

const HEART_RATE = 'http://loinc.org|8867-4';
const WEIGHT = { coding: [{ system: 'http://loinc.org', code: '29463-7', display: 'Body weight' }] };

/**
 * A search pinned to a patient with a plain token criterion reads the patient's token rows of the
 * code (`referenced_patient`, migration 0021). These cases cover where that column could be wrong:
 * a resource that references two patients, and one whose patient changes.
 */
describe('searches pinned to a patient, read from its token rows', () => {
  let testApp: TestApp;
  let tenant: TestTenant;
  let anna: string;
  let ben: string;
  let cleo: string;

  const search = async (path: string) => {
    const response = await tenant.request({ method: 'GET', url: `${FHIR}/${path}` });
    assert.equal(response.statusCode, 200, response.body);
    return matchIds(response).sort();
  };

  const referencedPatients = async (id: string) => {
    const { rows } = await testApp.db.query<{ referenced_patient: string | null }>(
      `SELECT DISTINCT referenced_patient FROM search_token WHERE tenant_id = $1 AND resource_id = $2`,
      [tenant.id, id],
    );
    return rows.map((row) => row.referenced_patient);
  };

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
    anna = (await createResource(tenant, buildPatient())).id;
    ben = (await createResource(tenant, buildPatient())).id;
    cleo = (await createResource(tenant, buildPatient())).id;
  });
  after(async () => {
    await testApp.close();
  });

  it("finds a patient's observations of a code, and only those", async () => {
    const pulse = (await createResource(tenant, buildObservation(anna))).id;
    const weight = (await createResource(tenant, buildObservation(anna, { code: WEIGHT }))).id;
    const bensPulse = (await createResource(tenant, buildObservation(ben))).id;
    assert.deepEqual(await referencedPatients(pulse), [anna]);
    assert.deepEqual(await search(`Observation?subject=Patient/${anna}&code=${HEART_RATE}`), [pulse]);
    assert.deepEqual(await search(`Observation?subject:Patient=${anna}&code=29463-7`), [weight]);
    assert.deepEqual(await search(`Patient/${ben}/Observation?code=${HEART_RATE}`), [bensPulse]);
    assert.deepEqual(
      await search(`Observation?subject=Patient/${anna},Patient/${ben}&code=${HEART_RATE}&_sort=_id`),
      [pulse, bensPulse].sort(),
    );
  });

  it('finds a resource that references two patients for either, through the parameter that names each', async () => {
    const shared = (
      await createResource(tenant, buildObservation(cleo, { performer: [{ reference: `Patient/${anna}` }] }))
    ).id;
    assert.deepEqual(await referencedPatients(shared), ['*']);
    assert.ok((await search(`Observation?subject=Patient/${cleo}&code=${HEART_RATE}`)).includes(shared));
    assert.ok((await search(`Observation?performer=Patient/${anna}&code=${HEART_RATE}`)).includes(shared));
    assert.ok((await search(`Patient/${anna}/Observation?code=${HEART_RATE}`)).includes(shared));
    // Its '*' rows are read for every patient; the reference check still keeps it from Anna's subjects.
    assert.ok(!(await search(`Observation?subject=Patient/${anna}&code=${HEART_RATE}`)).includes(shared));
  });

  it('follows a resource to its new patient when its subject changes', async () => {
    const moved = await createResource(tenant, buildObservation(ben, { code: WEIGHT }));
    const update = await tenant.request({
      method: 'PUT',
      url: `${FHIR}/Observation/${moved.id}`,
      payload: buildObservation(cleo, { id: moved.id, code: WEIGHT }),
    });
    assert.equal(update.statusCode, 200, update.body);
    assert.deepEqual(await referencedPatients(moved.id), [cleo]);
    assert.deepEqual(await search(`Observation?subject=Patient/${ben}&code=29463-7`), []);
    assert.deepEqual(await search(`Observation?subject=Patient/${cleo}&code=29463-7`), [moved.id]);
  });

  it("leaves a Patient's own rows without a patient: the index's links would rewrite them all", async () => {
    assert.deepEqual(await referencedPatients(anna), [null]);
  });

  it('gives resources that reference no patient no patient', async () => {
    const practitioner = await createResource(tenant, {
      resourceType: 'Practitioner',
      identifier: [{ system: 'urn:npi', value: '1234567893' }],
    });
    assert.deepEqual(await referencedPatients(practitioner.id), [null]);
  });
});
