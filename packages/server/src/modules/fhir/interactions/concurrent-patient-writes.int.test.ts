import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Patient } from '@medplum/fhirtypes';
import { createTestApp, type TestApp, type TestTenant } from '../../../test/create-test-app.ts';
import { FHIR, json } from '../fhir-test-support.ts';

const GIVEN = ['Ada', 'Bram', 'Chioma', 'Dmitri'];
const FAMILY = ['Okafor', 'Lindqvist', 'Moreau'];

/**
 * People who look alike: few names, birth dates days apart, one town. Every write of one finds the others
 * as candidates, so concurrent writes lock overlapping patient-index keys and golden records.
 */
function lookalike(seq: number, id?: string): Patient {
  return {
    resourceType: 'Patient',
    ...(id ? { id } : {}),
    identifier: [{ system: 'urn:caregraph:test:concurrent-mrn', value: `MRN-${seq}` }],
    name: [{ family: FAMILY[seq % FAMILY.length], given: [GIVEN[(seq >> 2) % GIVEN.length] as string] }],
    gender: seq % 2 === 0 ? 'female' : 'male',
    birthDate: new Date(Date.UTC(1970, 0, 1 + (seq % 9))).toISOString().slice(0, 10),
    address: [{ line: [`${seq % 5} Mill Lane`], city: 'Leeds', postalCode: 'LS1' }],
  };
}

describe('concurrent writes of look-alike patients', () => {
  let testApp: TestApp;
  let tenant: TestTenant;

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
  });

  after(() => testApp.close());

  it('stores every create and update, none answered with a server error', async () => {
    const created = await Promise.all(
      Array.from({ length: 24 }, (_, seq) =>
        tenant.request({ method: 'POST', url: `${FHIR}/Patient`, payload: lookalike(seq) }),
      ),
    );
    assert.deepEqual(
      created.filter((response) => response.statusCode !== 201).map((response) => response.body),
      [],
    );
    const ids = created.map((response) => json<Patient>(response).id as string);
    for (let round = 0; round < 3; round++) {
      const updated = await Promise.all(
        ids.map((id, index) =>
          tenant.request({
            method: 'PUT',
            url: `${FHIR}/Patient/${id}`,
            payload: lookalike(100 + round * ids.length + index, id),
          }),
        ),
      );
      assert.deepEqual(
        updated.filter((response) => response.statusCode !== 200).map((response) => response.body),
        [],
      );
    }
    // Each patient's last version is what the last round sent.
    const read = await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${ids[0]}` });
    assert.equal(json<Patient>(read).identifier?.[0]?.value, `MRN-${100 + 2 * ids.length}`);
  });
});
