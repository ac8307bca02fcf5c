import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Bundle, DocumentReference, Observation, Patient } from '@medplum/fhirtypes';
import { createTestApp, type TestApp, type TestTenant } from '../../test/create-test-app.ts';
import {
  buildObservation,
  buildPatient,
  createResource,
  FHIR,
  json,
  matchIds,
  TEST_SYSTEM,
  uniqueValue,
} from '../fhir/fhir-test-support.ts';
import { buildPerson } from '../mpi/mpi-test-support.ts';

const SSN = 'http://hl7.org/fhir/sid/us-ssn';
const KEK = randomBytes(32).toString('base64');

/** A made-up SSN-shaped value no other test uses. */
const fakeSsn = () => `9${randomBytes(4).readUInt32BE(0).toString().padStart(10, '0').slice(0, 8)}`;

describe('field encryption', () => {
  let testApp: TestApp;
  let tenant: TestTenant;

  before(async () => {
    testApp = await createTestApp({ CAREGRAPH_KEK: KEK, CAREGRAPH_ENCRYPT_NOTES: 'true' });
    tenant = await testApp.createTestTenant();
  });

  after(() => testApp.close());

  /** What the database itself holds for a resource: every version's content as text. */
  async function storedTexts(type: string, id: string): Promise<string[]> {
    const { rows } = await testApp.db.query<{ text: string }>(
      `SELECT content::text AS text FROM resource WHERE tenant_id = $1 AND resource_type = $2 AND id = $3
       UNION ALL
       SELECT content::text FROM resource_history WHERE tenant_id = $1 AND resource_type = $2 AND id = $3 AND content IS NOT NULL`,
      [tenant.id, type, id],
    );
    return rows.map((row) => row.text);
  }

  async function createPatientWithSsn(ssn: string): Promise<Patient & { id: string }> {
    return createResource(
      tenant,
      buildPatient({
        identifier: [
          { system: TEST_SYSTEM, value: uniqueValue('mrn') },
          {
            system: SSN,
            value: ssn,
            type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'SS' }] },
          },
        ],
      }),
    );
  }

  it('stores a national identifier only sealed, in the current row, its history and the indexes', async () => {
    const ssn = fakeSsn();
    const patient = await createPatientWithSsn(ssn);
    // 1. The client gets its plaintext back.
    assert.equal(patient.identifier?.[1]?.value, ssn);
    // 2. An update makes a second history row.
    const updated = await tenant.request({
      method: 'PUT',
      url: `${FHIR}/Patient/${patient.id}`,
      payload: { ...patient, gender: 'female' },
    });
    assert.equal(updated.statusCode, 200, updated.body);
    // 3. Neither the current row nor any history row holds the value; the MRN stays plain.
    const texts = await storedTexts('Patient', patient.id);
    assert.equal(texts.length, 3);
    for (const text of texts) {
      assert.ok(!text.includes(ssn), 'the SSN is not stored in clear');
      assert.match(text, /"value": "cgenc:1:[A-Za-z0-9_-]{16}:/);
      assert.ok(text.includes(patient.identifier?.[0]?.value ?? '?'));
    }
    // 4. The token index holds a blind token for it, and no index holds the value.
    const { rows: tokens } = await testApp.db.query<{ system: string; value: string }>(
      `SELECT system, value FROM search_token WHERE tenant_id = $1 AND resource_id = $2 AND code LIKE 'identifier%'`,
      [tenant.id, patient.id],
    );
    assert.ok(tokens.some((row) => row.system === SSN && row.value.startsWith('cgbi:')));
    assert.ok(
      tokens.some((row) => row.value.startsWith('SS|cgbi:')),
      'the :of-type row is blind too',
    );
    assert.ok(!tokens.some((row) => row.value.includes(ssn)));
    const { rows: words } = await testApp.db.query<{ text: string }>(
      'SELECT content::text AS text FROM search_text WHERE tenant_id = $1 AND resource_id = $2',
      [tenant.id, patient.id],
    );
    assert.ok(!words[0]?.text.includes(ssn.slice(0, 5)));
  });

  it('returns plaintext through read, vread, history, search, _include and $everything', async () => {
    const ssn = fakeSsn();
    const patient = await createPatientWithSsn(ssn);
    const observation = await createResource(tenant, buildObservation(patient.id));
    const ssnOf = (resource: Patient | undefined) => resource?.identifier?.find((id) => id.system === SSN)?.value;

    const read = await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${patient.id}` });
    assert.equal(ssnOf(json<Patient>(read)), ssn);
    const vread = await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${patient.id}/_history/1` });
    assert.equal(ssnOf(json<Patient>(vread)), ssn);
    const history = await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${patient.id}/_history` });
    assert.equal(ssnOf(json<Bundle<Patient>>(history).entry?.[0]?.resource), ssn);

    const search = await tenant.request({ method: 'GET', url: `${FHIR}/Patient?_id=${patient.id}` });
    assert.equal(ssnOf(json<Bundle<Patient>>(search).entry?.[0]?.resource), ssn);
    const included = await tenant.request({
      method: 'GET',
      url: `${FHIR}/Observation?_id=${observation.id}&_include=Observation:subject`,
    });
    const includedPatient = json<Bundle>(included).entry?.find((entry) => entry.resource?.resourceType === 'Patient');
    assert.equal(ssnOf(includedPatient?.resource as Patient), ssn);
    const everything = await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${patient.id}/$everything` });
    assert.equal(everything.statusCode, 200, everything.body);
    const everythingPatient = json<Bundle>(everything).entry?.find(
      (entry) => entry.resource?.resourceType === 'Patient',
    );
    assert.equal(ssnOf(everythingPatient?.resource as Patient), ssn);
  });

  it('shows the master patient index the plaintext: it links by the identifier and its card lists it', async () => {
    // 1. The same person registered twice with the same SSN: the index links them under one golden record.
    const ssn = fakeSsn();
    const identifier = [{ system: SSN, value: ssn }];
    const first = await createResource(tenant, buildPerson({ identifier }));
    const second = await createResource(tenant, buildPerson({ identifier }));
    const persons = await tenant.request({ method: 'GET', url: `${FHIR}/Person?link=Patient/${first.id}` });
    const personId = json<Bundle>(persons).entry?.[0]?.resource?.id;
    assert.ok(personId, 'the patients have a golden record');
    // 2. Its card, built from the stored Patients, shows the SSN in clear to an authorised caller.
    const golden = await tenant.request({ method: 'GET', url: `/api/mpi/persons/${personId}` });
    assert.equal(golden.statusCode, 200, golden.body);
    const { members } = json<{ members: Array<{ id: string; identifiers: string[] }> }>(golden);
    assert.deepEqual(members.map((member) => member.id).sort(), [first.id, second.id].sort());
    for (const member of members) {
      assert.ok(member.identifiers.includes(`${SSN}|${ssn}`), JSON.stringify(member));
    }
  });

  it('finds a patient by an encrypted identifier through the blind index, with and without system', async () => {
    const ssn = fakeSsn();
    const patient = await createPatientWithSsn(ssn);
    await createPatientWithSsn(fakeSsn());
    const bySystem = await tenant.request({
      method: 'GET',
      url: `${FHIR}/Patient?identifier=${encodeURIComponent(`${SSN}|${ssn}`)}`,
    });
    assert.deepEqual(matchIds(bySystem), [patient.id]);
    const byValue = await tenant.request({ method: 'GET', url: `${FHIR}/Patient?identifier=${ssn}` });
    assert.deepEqual(matchIds(byValue), [patient.id]);
    const ofType = await tenant.request({
      method: 'GET',
      url: `${FHIR}/Patient?identifier:of-type=${encodeURIComponent(`http://terminology.hl7.org/CodeSystem/v2-0203|SS|${ssn}`)}`,
    });
    assert.deepEqual(matchIds(ofType), [patient.id]);
    const wrong = await tenant.request({
      method: 'GET',
      url: `${FHIR}/Patient?identifier=${encodeURIComponent(`${SSN}|${fakeSsn()}`)}`,
    });
    assert.deepEqual(matchIds(wrong), []);
    // Conditional create matches through the same search.
    const conditional = await tenant.request({
      method: 'POST',
      url: `${FHIR}/Patient`,
      headers: { 'if-none-exist': `identifier=${SSN}|${ssn}` },
      payload: buildPatient({ identifier: [{ system: SSN, value: ssn }] }),
    });
    assert.equal(conditional.statusCode, 200, conditional.body);
    assert.equal(json<Patient>(conditional).id, patient.id);
  });

  it('seals attachment data and configured note bodies, and reads them back', async () => {
    const data = Buffer.from(`scan ${uniqueValue()}`).toString('base64');
    const document = await createResource<DocumentReference>(tenant, {
      resourceType: 'DocumentReference',
      status: 'current',
      content: [{ attachment: { contentType: 'text/plain', data } }],
    });
    const note = `confidential ${uniqueValue('note')}`;
    const observation = await createResource<Observation>(tenant, {
      ...buildObservation('none'),
      subject: undefined,
      note: [{ text: note }],
    });
    for (const [type, id, secret] of [
      ['DocumentReference', document.id, data],
      ['Observation', observation.id, note],
    ] as const) {
      for (const text of await storedTexts(type, id)) {
        assert.ok(!text.includes(secret), `${type} stores its secret sealed`);
      }
    }
    const readDocument = await tenant.request({ method: 'GET', url: `${FHIR}/DocumentReference/${document.id}` });
    assert.equal(json<DocumentReference>(readDocument).content[0]?.attachment.data, data);
    const readObservation = await tenant.request({ method: 'GET', url: `${FHIR}/Observation/${observation.id}` });
    assert.equal(json<Observation>(readObservation).note?.[0]?.text, note);
    // The note's words are not in the full-text index either.
    const found = await tenant.request({ method: 'GET', url: `${FHIR}/Observation?_content=confidential` });
    assert.ok(!matchIds(found).includes(observation.id));
  });

  it('stores client text that looks like an envelope sealed and returns it verbatim', async () => {
    const lookalike = 'cgenc:1:AAAAAAAAAAAAAAAA:bm90LWEtY2lwaGVydGV4dA';
    const patient = await createResource(tenant, buildPatient({ name: [{ text: lookalike, family: 'Lookalike' }] }));
    const read = await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${patient.id}` });
    assert.equal(json<Patient>(read).name?.[0]?.text, lookalike);
    const [stored] = await storedTexts('Patient', patient.id);
    assert.ok(!stored?.includes(lookalike));
  });

  it('keeps PATCH and transaction Bundles working on sealed resources', async () => {
    const ssn = fakeSsn();
    const patient = await createPatientWithSsn(ssn);
    const patched = await tenant.request({
      method: 'PATCH',
      url: `${FHIR}/Patient/${patient.id}`,
      headers: { 'content-type': 'application/json-patch+json' },
      payload: JSON.stringify([{ op: 'replace', path: '/gender', value: 'male' }]),
    });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal(json<Patient>(patched).identifier?.[1]?.value, ssn);
    const otherSsn = fakeSsn();
    const transaction = await tenant.request({
      method: 'POST',
      url: FHIR,
      payload: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            resource: buildPatient({ identifier: [{ system: SSN, value: otherSsn }] }),
            request: { method: 'POST', url: 'Patient' },
          },
        ],
      },
    });
    assert.equal(transaction.statusCode, 200, transaction.body);
    const location = json<Bundle>(transaction).entry?.[0]?.response?.location ?? '';
    const created = await tenant.request({ method: 'GET', url: `${FHIR}/Patient?identifier=${SSN}|${otherSsn}` });
    assert.deepEqual(matchIds(created), [location.split('/')[1]]);
    assert.equal(json<Bundle<Patient>>(created).entry?.[0]?.resource?.identifier?.[0]?.value, otherSsn);
  });
});
