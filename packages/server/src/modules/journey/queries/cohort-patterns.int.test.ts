import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Resource } from '@medplum/fhirtypes';
import { createTestApp, type TestApp, type TestTenant } from '../../../test/create-test-app.ts';
import { buildObservation, buildPatient, createResource, json } from '../../fhir/fhir-test-support.ts';

const SNOMED = 'http://snomed.info/sct';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const DIABETES = `${SNOMED}|44054006`;
const INSULIN = `${RXNORM}|311041`;

type Patterns = {
  patients: number | null;
  withFrom: number;
  withPathway: number;
  patterns: Array<{
    steps: Array<{ resourceType: string; code: string; label: string }>;
    patients: number;
    medianDays: number[];
  }>;
};

describe('cohort patterns', () => {
  let testApp: TestApp;
  let tenant: TestTenant;
  let groupId = '';

  const create = async (resource: Resource) => (await createResource(tenant, resource)).id;

  async function addPatient(
    birthDate: string,
    events: Array<['diabetes' | 'metformin' | 'insulin' | 'foot-exam' | 'hba1c', string]>,
  ) {
    const id = await create(buildPatient({ birthDate }));
    const subject = { reference: `Patient/${id}` };
    for (const [kind, date] of events) {
      const time = `${date}T09:00:00Z`;
      if (kind === 'diabetes') {
        await create({
          resourceType: 'Condition',
          subject,
          code: { coding: [{ system: SNOMED, code: '44054006', display: 'Diabetes mellitus type 2' }] },
          onsetDateTime: time,
        });
      } else if (kind === 'foot-exam') {
        await create({
          resourceType: 'Procedure',
          status: 'completed',
          subject,
          code: { coding: [{ system: SNOMED, code: '401191002', display: 'Diabetic foot examination' }] },
          performedDateTime: time,
        });
      } else if (kind === 'hba1c') {
        await create(buildObservation(id, { effectiveDateTime: time }));
      } else {
        const [code, display] = kind === 'metformin' ? ['860975', 'Metformin 500 MG'] : ['311041', 'Insulin glargine'];
        await create({
          resourceType: 'MedicationRequest',
          status: 'active',
          intent: 'order',
          subject,
          medicationCodeableConcept: { coding: [{ system: RXNORM, code, display }] },
          authoredOn: time,
        });
      }
    }
    return id;
  }

  const query = (parameters: string) =>
    tenant.request({ method: 'GET', url: `/api/journey/cohort-patterns?${parameters}` });

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
    const members = [
      // 1. Three patients go diabetes → metformin → insulin, at different paces; one had a foot
      //    exam before the diagnosis (outside the pathway), one an observation (not a step type),
      //    one metformin twice (a step counts once).
      await addPatient('1960-01-01', [
        ['foot-exam', '2019-06-01'],
        ['diabetes', '2020-01-01'],
        ['metformin', '2020-02-01'],
        ['insulin', '2020-07-01'],
      ]),
      await addPatient('1961-01-01', [
        ['diabetes', '2020-01-01'],
        ['metformin', '2020-02-01'],
        ['metformin', '2020-04-01'],
        ['insulin', '2020-07-01'],
      ]),
      await addPatient('1962-01-01', [
        ['diabetes', '2020-01-01'],
        ['hba1c', '2020-01-15'],
        ['metformin', '2020-03-01'],
        ['insulin', '2020-09-01'],
      ]),
      // 2. One goes straight to insulin, one never starts it.
      await addPatient('1995-01-01', [
        ['diabetes', '2021-01-01'],
        ['insulin', '2021-04-01'],
      ]),
      await addPatient('1996-01-01', [
        ['diabetes', '2021-01-01'],
        ['metformin', '2021-02-01'],
      ]),
    ];
    // 3. Outside the group: a patient whose pathway must not count.
    await addPatient('1960-06-01', [
      ['diabetes', '2020-01-01'],
      ['foot-exam', '2020-02-01'],
      ['insulin', '2020-03-01'],
    ]);
    groupId = await create({
      resourceType: 'Group',
      type: 'person',
      actual: true,
      member: members.map((id) => ({ entity: { reference: `Patient/${id}` } })),
    });
  });

  after(() => testApp.close());

  it("groups a Group's patients by the steps between the first diagnosis and the first later insulin, most common first", async () => {
    const response = await query(
      `from=${encodeURIComponent(DIABETES)}&to=${encodeURIComponent(INSULIN)}&group=Group/${groupId}`,
    );

    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(json<Patterns>(response), {
      patients: 5,
      withFrom: 5,
      withPathway: 4,
      patterns: [
        {
          steps: [{ resourceType: 'MedicationRequest', code: `${RXNORM}|860975`, label: 'Metformin 500 MG' }],
          patients: 3,
          // From diagnosis to metformin 31, 31 and 60 days; from metformin to insulin 151, 151 and 184.
          medianDays: [31, 151],
        },
        { steps: [], patients: 1, medianDays: [90] },
      ],
    });
  });

  it('takes the cohort from a Patient search, and bare codes for the two events', async () => {
    const response = await query(`from=44054006&to=311041&patients=${encodeURIComponent('birthdate=ge1990-01-01')}`);

    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(json<Patterns>(response), {
      patients: 2,
      withFrom: 2,
      withPathway: 1,
      patterns: [{ steps: [], patients: 1, medianDays: [90] }],
    });
  });

  it('counts every patient of the tenant without a cohort, and changes the step types on request', async () => {
    const response = await query(
      `from=${encodeURIComponent(DIABETES)}&to=${encodeURIComponent(INSULIN)}&types=Procedure`,
    );

    assert.equal(response.statusCode, 200, response.body);
    const answer = json<Patterns>(response);
    assert.equal(answer.patients, null);
    assert.equal(answer.withPathway, 5);
    assert.deepEqual(
      answer.patterns.map((pattern) => [pattern.steps.map((step) => step.label), pattern.patients]),
      [
        [[], 4],
        [['Diabetic foot examination'], 1],
      ],
    );
  });

  it('refuses a bad code, an unknown Group and a cohort given twice', async () => {
    const badCode = await query(`from=${encodeURIComponent('|44054006')}&to=311041`);
    assert.equal(badCode.statusCode, 400);
    assert.match(json<{ title: string }>(badCode).title, /from/);

    const unknownGroup = await query('from=44054006&to=311041&group=Group/missing');
    assert.equal(unknownGroup.statusCode, 404);
    assert.equal(json<{ code: string }>(unknownGroup).code, 'JOURNEY_GROUP_NOT_FOUND');

    const both = await query(`from=44054006&to=311041&group=Group/${groupId}&patients=gender=male`);
    assert.equal(both.statusCode, 400);
    assert.match(json<{ title: string }>(both).title, /patients/);

    const badSearch = await query('from=44054006&to=311041&patients=nonsense-parameter=1');
    assert.equal(badSearch.statusCode, 400);
    assert.match(json<{ title: string }>(badSearch).title, /patients/);
  });
});
