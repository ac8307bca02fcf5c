import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { Resource } from '@medplum/fhirtypes';
import { createTestApp, type TestApp, type TestTenant } from '../../../test/create-test-app.ts';
import { testDatabaseMode } from '../../../test/test-database.ts';
import { FHIR, buildObservation, buildPatient } from '../../fhir/fhir-test-support.ts';
import { readTimeline, snapshotJourney } from './journey-test-support.ts';

const subject = { reference: 'Patient/p-1' };
const code = { coding: [{ system: 'http://snomed.info/sct', code: '44054006', display: 'Diabetes' }] };
const medication = {
  coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '860975', display: 'Metformin' }],
};

/** One reference element per case: the resource holding it, and the edges it must give. */
const RULE_CASES: Array<{ rule: string; resource: Resource; edges: string[] }> = [
  {
    rule: 'Encounter.partOf, diagnosis.condition, appointment, reasonReference, basedOn',
    resource: {
      resourceType: 'Encounter',
      id: 'x',
      status: 'finished',
      class: { code: 'AMB' },
      subject,
      partOf: { reference: 'Encounter/e-0' },
      diagnosis: [{ condition: { reference: 'Condition/c-1' } }],
      appointment: [{ reference: 'Appointment/a-1' }],
      reasonReference: [{ reference: 'Observation/o-1' }],
      basedOn: [{ reference: 'ServiceRequest/sr-1' }],
    },
    edges: [
      'appointment Appointment/a-1',
      'based-on ServiceRequest/sr-1',
      'diagnosis Condition/c-1',
      'indicated-by Observation/o-1',
      'part-of Encounter/e-0',
    ],
  },
  {
    rule: 'Observation.encounter, hasMember, derivedFrom, partOf',
    resource: buildObservation('p-1', {
      id: 'x',
      encounter: { reference: 'Encounter/e-1' },
      hasMember: [{ reference: 'Observation/o-2' }],
      derivedFrom: [{ reference: 'Observation/o-3' }],
      partOf: [{ reference: 'Procedure/pr-1' }],
    }),
    edges: [
      'derived-from Observation/o-3',
      'during Encounter/e-1',
      'has-member Observation/o-2',
      'part-of Procedure/pr-1',
    ],
  },
  {
    rule: 'Procedure.reasonReference treats',
    resource: {
      resourceType: 'Procedure',
      id: 'x',
      status: 'completed',
      subject,
      reasonReference: [{ reference: 'Condition/c-1' }],
      partOf: [{ reference: 'Procedure/pr-0' }],
    },
    edges: ['part-of Procedure/pr-0', 'treats Condition/c-1'],
  },
  {
    rule: 'MedicationRequest.reasonReference treats, basedOn',
    resource: {
      resourceType: 'MedicationRequest',
      id: 'x',
      status: 'active',
      intent: 'order',
      medicationCodeableConcept: medication,
      subject,
      encounter: { reference: 'Encounter/e-1' },
      reasonReference: [{ reference: 'Condition/c-1' }],
      basedOn: [{ reference: 'CarePlan/cp-1' }],
    },
    edges: ['based-on CarePlan/cp-1', 'during Encounter/e-1', 'treats Condition/c-1'],
  },
  {
    rule: 'ServiceRequest.reasonReference indicated-by',
    resource: {
      resourceType: 'ServiceRequest',
      id: 'x',
      status: 'active',
      intent: 'order',
      subject,
      reasonReference: [{ reference: 'Condition/c-1' }],
    },
    edges: ['indicated-by Condition/c-1'],
  },
  {
    rule: 'DiagnosticReport.result has-result, basedOn',
    resource: {
      resourceType: 'DiagnosticReport',
      id: 'x',
      status: 'final',
      code,
      subject,
      result: [{ reference: 'Observation/o-1' }, { reference: 'Observation/o-2' }],
      basedOn: [{ reference: 'ServiceRequest/sr-1' }],
    },
    edges: ['based-on ServiceRequest/sr-1', 'has-result Observation/o-1', 'has-result Observation/o-2'],
  },
  {
    rule: 'CarePlan.addresses',
    resource: {
      resourceType: 'CarePlan',
      id: 'x',
      status: 'active',
      intent: 'plan',
      subject,
      addresses: [{ reference: 'Condition/c-1' }],
    },
    edges: ['addresses Condition/c-1'],
  },
  {
    rule: 'Goal.addresses',
    resource: {
      resourceType: 'Goal',
      id: 'x',
      lifecycleStatus: 'active',
      description: { text: 'HbA1c below 7%' },
      subject,
      addresses: [{ reference: 'Condition/c-1' }],
    },
    edges: ['addresses Condition/c-1'],
  },
  {
    rule: 'DocumentReference.context.encounter during, context.related about',
    resource: {
      resourceType: 'DocumentReference',
      id: 'x',
      status: 'current',
      subject,
      content: [{ attachment: { contentType: 'text/plain', data: 'bm90ZQ==' } }],
      context: { encounter: [{ reference: 'Encounter/e-1' }], related: [{ reference: 'Observation/o-1' }] },
    },
    edges: ['about Observation/o-1', 'during Encounter/e-1'],
  },
  {
    rule: 'Communication.about',
    resource: {
      resourceType: 'Communication',
      id: 'x',
      status: 'completed',
      subject,
      about: [{ reference: 'DiagnosticReport/dr-1' }],
      encounter: { reference: 'Encounter/e-1' },
    },
    edges: ['about DiagnosticReport/dr-1', 'during Encounter/e-1'],
  },
  {
    rule: 'Condition.evidence.detail',
    resource: {
      resourceType: 'Condition',
      id: 'x',
      subject,
      code,
      evidence: [{ detail: [{ reference: 'Observation/o-1' }] }],
    },
    edges: ['evidence Observation/o-1'],
  },
  {
    rule: 'MedicationDispense.authorizingPrescription fulfils',
    resource: {
      resourceType: 'MedicationDispense',
      id: 'x',
      status: 'completed',
      medicationCodeableConcept: medication,
      subject,
      authorizingPrescription: [{ reference: 'MedicationRequest/mr-1' }],
    },
    edges: ['fulfils MedicationRequest/mr-1'],
  },
  {
    rule: 'MedicationAdministration.request fulfils, context during, reasonReference treats',
    resource: {
      resourceType: 'MedicationAdministration',
      id: 'x',
      status: 'completed',
      medicationCodeableConcept: medication,
      subject,
      effectiveDateTime: '2024-01-01T08:00:00Z',
      request: { reference: 'MedicationRequest/mr-1' },
      context: { reference: 'Encounter/e-1' },
      reasonReference: [{ reference: 'Condition/c-1' }],
    },
    edges: ['during Encounter/e-1', 'fulfils MedicationRequest/mr-1', 'treats Condition/c-1'],
  },
  {
    rule: 'other references to compartment types fall back to references',
    resource: buildObservation('p-1', {
      id: 'x',
      focus: [{ reference: 'Condition/c-9' }, { reference: 'Medication/m-1' }],
      specimen: { reference: 'Specimen/s-1' },
    }),
    edges: ['references Condition/c-9', 'references Specimen/s-1'],
  },
  {
    rule: 'no edge for the patient, providers, locations, contained, absolute or urn references',
    resource: {
      resourceType: 'Encounter',
      id: 'x',
      status: 'finished',
      class: { code: 'AMB' },
      subject,
      contained: [{ resourceType: 'Condition', id: 'inner', subject, code }],
      participant: [{ individual: { reference: 'Practitioner/dr-1' } }],
      serviceProvider: { reference: 'Organization/org-1' },
      location: [{ location: { reference: 'Location/l-1' } }],
      reasonReference: [
        { reference: '#inner' },
        { reference: 'http://elsewhere.example/fhir/Condition/c-1' },
        { reference: 'urn:uuid:6b5f1d5e-2f1a-4d44-9a53-7a1c6f1b2a10' },
      ],
    },
    edges: [],
  },
];

/**
 * A transaction entry that fails when it is processed, after the entries before it were written:
 * an update of Patient/p-1 conditional on a version it does not have.
 */
const staleUpdate = {
  resource: { ...buildPatient(), id: 'p-1' },
  request: { method: 'PUT' as const, url: 'Patient/p-1', ifMatch: 'W/"99"' },
};

describe('journey projection on write', () => {
  let testApp: TestApp;

  before(async () => {
    testApp = await createTestApp();
  });

  after(() => testApp.close());

  async function tenantWithPatient(): Promise<TestTenant> {
    const tenant = await testApp.createTestTenant();
    await put(tenant, { ...buildPatient(), id: 'p-1' });
    return tenant;
  }

  async function put(tenant: TestTenant, resource: Resource) {
    const response = await tenant.request({
      method: 'PUT',
      url: `${FHIR}/${resource.resourceType}/${resource.id ?? ''}`,
      payload: resource,
    });
    assert.ok([200, 201].includes(response.statusCode), response.body);
  }

  /** `relation Type/id` of the non-`next` edges from `from`, sorted. */
  async function edgesFrom(tenant: TestTenant, from: string): Promise<string[]> {
    const { edges } = await snapshotJourney(testApp.db, tenant.id);
    return edges
      .filter((edge) => edge.from === from && edge.relation !== 'next')
      .map((edge) => `${edge.relation} ${edge.to}`)
      .sort();
  }

  for (const { rule, resource, edges } of RULE_CASES) {
    it(`derives edges: ${rule}`, async () => {
      const tenant = await tenantWithPatient();

      await put(tenant, resource);

      assert.deepEqual(await edgesFrom(tenant, `${resource.resourceType}/x`), edges);
    });
  }

  it('stores a node with time, label, codes, encounter and providers; the Patient is in its own journey', async () => {
    const tenant = await tenantWithPatient();
    await put(tenant, {
      resourceType: 'Encounter',
      id: 'e-1',
      status: 'finished',
      class: { code: 'AMB' },
      type: [{ coding: [{ system: 'http://snomed.info/sct', code: '185349003', display: 'Check-up' }] }],
      subject,
      period: { start: '2024-01-01T08:00:00Z', end: '2024-01-01T09:00:00Z' },
      participant: [{ individual: { reference: 'Practitioner/dr-1' } }],
      serviceProvider: { reference: 'Organization/org-1' },
    });
    await put(tenant, {
      resourceType: 'MedicationRequest',
      id: 'mr-1',
      status: 'active',
      intent: 'order',
      medicationCodeableConcept: { ...medication, text: 'metformin 500 mg' },
      subject,
      encounter: { reference: 'Encounter/e-1' },
      authoredOn: '2024-01-01',
      requester: { reference: 'PractitionerRole/role-1' },
    });

    const { nodes } = await snapshotJourney(testApp.db, tenant.id);

    assert.deepEqual(nodes, [
      {
        patient_id: 'p-1',
        resource_type: 'Encounter',
        resource_id: 'e-1',
        start_time: '2024-01-01T08:00:00.000',
        end_time: '2024-01-01T09:00:00.999',
        label: 'Check-up',
        codes: ['http://snomed.info/sct|185349003'],
        encounter_id: 'e-1',
        providers: ['Organization/org-1', 'Practitioner/dr-1'],
      },
      {
        patient_id: 'p-1',
        resource_type: 'MedicationRequest',
        resource_id: 'mr-1',
        start_time: '2024-01-01T00:00:00.000',
        end_time: '2024-01-01T23:59:59.999',
        label: 'Metformin',
        codes: ['http://www.nlm.nih.gov/research/umls/rxnorm|860975'],
        encounter_id: 'e-1',
        providers: ['PractitionerRole/role-1'],
      },
      {
        patient_id: 'p-1',
        resource_type: 'Patient',
        resource_id: 'p-1',
        start_time: null,
        end_time: null,
        label: 'Patient',
        codes: [],
        encounter_id: null,
        providers: [],
      },
    ]);
    assert.deepEqual(await readTimeline(testApp.db, tenant.id, 'p-1'), ['MedicationRequest/mr-1', 'Encounter/e-1']);
  });

  it('keeps the timeline in order as resources are created, moved in time, moved between patients and deleted', async () => {
    const tenant = await tenantWithPatient();
    await put(tenant, { ...buildPatient(), id: 'p-2' });
    const observation = (id: string, date: string, patient = 'p-1') =>
      buildObservation(patient, { id, effectiveDateTime: date });
    await put(tenant, observation('o-2', '2024-02-01T00:00:00Z'));
    await put(tenant, observation('o-1', '2024-01-01T00:00:00Z'));
    await put(tenant, observation('o-3', '2024-03-01T00:00:00Z'));
    // Same time as o-2: ties are ordered by type, then id.
    await put(tenant, observation('o-0', '2024-02-01T00:00:00Z'));
    assert.deepEqual(await readTimeline(testApp.db, tenant.id, 'p-1'), [
      'Observation/o-1',
      'Observation/o-0',
      'Observation/o-2',
      'Observation/o-3',
    ]);

    await put(tenant, observation('o-1', '2024-04-01T00:00:00Z'));
    assert.deepEqual(await readTimeline(testApp.db, tenant.id, 'p-1'), [
      'Observation/o-0',
      'Observation/o-2',
      'Observation/o-3',
      'Observation/o-1',
    ]);

    await put(tenant, observation('o-2', '2024-02-01T00:00:00Z', 'p-2'));
    const deleted = await tenant.request({ method: 'DELETE', url: `${FHIR}/Observation/o-3` });
    assert.equal(deleted.statusCode, 204, deleted.body);

    assert.deepEqual(await readTimeline(testApp.db, tenant.id, 'p-1'), ['Observation/o-0', 'Observation/o-1']);
    assert.deepEqual(await readTimeline(testApp.db, tenant.id, 'p-2'), ['Observation/o-2']);
    const { nodes, edges } = await snapshotJourney(testApp.db, tenant.id);
    assert.ok(!nodes.some((node) => node.resource_id === 'o-3'));
    assert.ok(!edges.some((edge) => edge.from === 'Observation/o-3' || edge.to === 'Observation/o-3'));
    assert.deepEqual(
      nodes.filter((node) => node.resource_id === 'o-2').map((node) => node.patient_id),
      ['p-2'],
    );
  });

  it("keeps each edge's from_time equal to its from node's time as the node moves, stays put or loses its date", async () => {
    const tenant = await tenantWithPatient();
    const observation = (id: string, date: string | undefined, derivedFrom?: string) =>
      buildObservation('p-1', {
        id,
        effectiveDateTime: date,
        ...(derivedFrom ? { derivedFrom: [{ reference: `Observation/${derivedFrom}` }] } : {}),
      });
    /** Every edge as `from relation to @from_time`, and whether each from_time is its from node's time. */
    const timedEdges = async () => {
      const { nodes, edges } = await snapshotJourney(testApp.db, tenant.id);
      const times = new Map(nodes.map((node) => [`${node.resource_type}/${node.resource_id}`, node.start_time]));
      for (const edge of edges) {
        assert.equal(edge.from_time, times.get(edge.from), `from_time of ${edge.from} ${edge.relation} ${edge.to}`);
      }
      return edges.map((edge) => `${edge.from} ${edge.relation} ${edge.to} @${edge.from_time ?? 'none'}`);
    };
    await put(tenant, observation('o-1', '2024-01-01T00:00:00Z'));
    await put(tenant, observation('o-2', '2024-02-01T00:00:00Z', 'o-1'));
    await put(tenant, observation('o-3', '2024-03-01T00:00:00Z'));

    // Between the same neighbours: its links stay, with the new time.
    await put(tenant, observation('o-2', '2024-02-15T00:00:00Z', 'o-1'));
    assert.deepEqual(await timedEdges(), [
      'Observation/o-1 next Observation/o-2 @2024-01-01T00:00:00.000',
      'Observation/o-2 derived-from Observation/o-1 @2024-02-15T00:00:00.000',
      'Observation/o-2 next Observation/o-3 @2024-02-15T00:00:00.000',
    ]);

    // Past a neighbour: new links, and the kept edge follows.
    await put(tenant, observation('o-2', '2024-04-01T00:00:00Z', 'o-1'));
    assert.deepEqual(await timedEdges(), [
      'Observation/o-1 next Observation/o-3 @2024-01-01T00:00:00.000',
      'Observation/o-2 derived-from Observation/o-1 @2024-04-01T00:00:00.000',
      'Observation/o-3 next Observation/o-2 @2024-03-01T00:00:00.000',
    ]);

    // Without a date: off the timeline, its edges undated.
    await put(tenant, observation('o-2', undefined, 'o-1'));
    assert.deepEqual(await timedEdges(), [
      'Observation/o-1 next Observation/o-3 @2024-01-01T00:00:00.000',
      'Observation/o-2 derived-from Observation/o-1 @none',
    ]);
  });

  it('puts a resource in every journey its compartment references name, and drops the edges of a removed reference', async () => {
    const tenant = await tenantWithPatient();
    await put(tenant, { ...buildPatient(), id: 'p-2' });
    await put(
      tenant,
      buildObservation('p-1', {
        id: 'o-1',
        performer: [{ reference: 'Patient/p-2' }],
        derivedFrom: [{ reference: 'Observation/o-9' }],
      }),
    );
    let snapshot = await snapshotJourney(testApp.db, tenant.id);
    assert.deepEqual(
      snapshot.nodes.filter((node) => node.resource_id === 'o-1').map((node) => node.patient_id),
      ['p-1', 'p-2'],
    );
    assert.deepEqual(
      snapshot.edges.filter((edge) => edge.relation === 'derived-from').map((edge) => edge.patient_id),
      ['p-1', 'p-2'],
    );

    await put(tenant, buildObservation('p-1', { id: 'o-1' }));

    snapshot = await snapshotJourney(testApp.db, tenant.id);
    assert.deepEqual(
      snapshot.nodes.filter((node) => node.resource_id === 'o-1').map((node) => node.patient_id),
      ['p-1'],
    );
    assert.deepEqual(
      snapshot.edges.filter((edge) => edge.relation !== 'next'),
      [],
    );
  });

  it('writes nothing for resources outside every patient compartment', async () => {
    const tenant = await testApp.createTestTenant();
    await put(tenant, { resourceType: 'Practitioner', id: 'dr-1', name: [{ family: 'Doe' }] });
    await put(tenant, buildObservation('p-1', { id: 'o-1', subject: { reference: 'Group/g-1' } }));

    assert.deepEqual(await snapshotJourney(testApp.db, tenant.id), { nodes: [], edges: [] });
  });

  it('leaves no trace of a transaction that fails', async () => {
    const tenant = await tenantWithPatient();
    const response = await tenant.request({
      method: 'POST',
      url: FHIR,
      payload: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { resource: buildObservation('p-1'), request: { method: 'POST', url: 'Observation' } },
          { resource: buildObservation('p-1', { id: 'o-2' }), request: { method: 'PUT', url: 'Observation/o-2' } },
          staleUpdate,
        ],
      },
    });
    assert.equal(response.statusCode, 412, response.body);

    const { nodes } = await snapshotJourney(testApp.db, tenant.id);
    assert.deepEqual(
      nodes.map((node) => node.resource_type),
      ['Patient'],
    );
  });

  it(
    'notifies listeners of each affected patient on commit only, on PostgreSQL across connections',
    {
      skip: testDatabaseMode() === 'postgres' ? false : 'LISTEN needs a second connection: PostgreSQL only',
    },
    async () => {
      const tenant = await tenantWithPatient();
      await put(tenant, { ...buildPatient(), id: 'p-2' });
      const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await client.connect();
      try {
        const payloads: unknown[] = [];
        client.on('notification', (message) => {
          const payload = JSON.parse(message.payload ?? '{}') as { tenant: string };
          if (payload.tenant === tenant.id) {
            payloads.push(payload);
          }
        });
        await client.query('LISTEN journey');
        await put(tenant, buildObservation('p-1', { id: 'o-1' }));
        await put(tenant, buildObservation('p-2', { id: 'o-1' }));
        const failed = await tenant.request({
          method: 'POST',
          url: FHIR,
          payload: {
            resourceType: 'Bundle',
            type: 'transaction',
            entry: [
              { resource: buildObservation('p-1', { id: 'o-2' }), request: { method: 'PUT', url: 'Observation/o-2' } },
              staleUpdate,
            ],
          },
        });
        assert.equal(failed.statusCode, 412, failed.body);
        // A round trip on the listening connection: notifications sent before it have arrived.
        await client.query('SELECT 1');

        assert.deepEqual(payloads, [
          { tenant: tenant.id, patient: 'p-1', ref: 'Observation/o-1', change: 'upsert' },
          { tenant: tenant.id, patient: 'p-1', ref: 'Observation/o-1', change: 'delete' },
          { tenant: tenant.id, patient: 'p-2', ref: 'Observation/o-1', change: 'upsert' },
        ]);
      } finally {
        await client.end();
      }
    },
  );
});
