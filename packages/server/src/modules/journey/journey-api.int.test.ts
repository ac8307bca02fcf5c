import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Resource } from '@medplum/fhirtypes';
import { createTestApp, type TestApp, type TestTenant } from '../../test/create-test-app.ts';
import { buildObservation, buildPatient, createResource, FHIR, json } from '../fhir/fhir-test-support.ts';
import { snapshotJourney } from './projection/journey-test-support.ts';

const SNOMED = 'http://snomed.info/sct';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const LOINC = 'http://loinc.org';

type Node = {
  ref: string;
  resourceType: string;
  time: string | null;
  label: string;
  codes: string[];
  encounter?: string;
  providers?: string[];
};
type Edge = { from: string; to: string; relation: string };
type Problem = { status: number; code: string; title: string };

describe('the journey API', () => {
  let testApp: TestApp;
  let tenant: TestTenant;
  /** Test data by name as `Type/id`. */
  const refs: Record<string, string> = {};
  /** Names by `Type/id`, so assertions read as names. */
  const names = new Map<string, string>();
  let patient = '';

  async function add(name: string, resource: Resource, owner = tenant): Promise<string> {
    const created = await createResource(owner, resource);
    const ref = `${resource.resourceType}/${created.id}`;
    refs[name] = ref;
    names.set(ref, name);
    return ref;
  }
  const subject = () => ({ reference: `Patient/${patient}` });
  const ref = (name: string) => ({ reference: refs[name] ?? name });
  const named = (list: Array<{ ref: string }>) => list.map((item) => names.get(item.ref) ?? item.ref);
  const namedEdges = (edges: Edge[]) =>
    edges
      .map((edge) => `${names.get(edge.from) ?? edge.from} ${edge.relation} ${names.get(edge.to) ?? edge.to}`)
      .sort();
  const get = (url: string) => tenant.request({ method: 'GET', url });

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
    // A diabetes story across a GP practice and a hospital: diagnosed at the GP with an HbA1c,
    // metformin started, referred to the hospital, a procedure there, insulin later.
    await add('gp', { resourceType: 'Organization', name: 'Riverside Practice' });
    await add('hospital', { resourceType: 'Organization', name: 'City Hospital' });
    await add('doctor', { resourceType: 'Practitioner', name: [{ given: ['Ada'], family: 'Lovelace' }] });
    patient = (await add('patient', buildPatient())).split('/')[1] ?? '';
    await add('gp-visit', {
      resourceType: 'Encounter',
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      type: [{ coding: [{ system: SNOMED, code: '185349003', display: 'Encounter for check up' }] }],
      subject: subject(),
      period: { start: '2024-01-10T08:00:00Z', end: '2024-01-10T13:00:00Z' },
      serviceProvider: ref('gp'),
      participant: [{ individual: ref('doctor') }],
    });
    await add(
      'hba1c',
      buildObservation(patient, {
        code: { coding: [{ system: LOINC, code: '4548-4', display: 'Hemoglobin A1c' }] },
        encounter: ref('gp-visit'),
        effectiveDateTime: '2024-01-10T09:00:00Z',
        valueQuantity: { value: 8.1, unit: '%' },
      }),
    );
    await add('diabetes', {
      resourceType: 'Condition',
      subject: subject(),
      code: { coding: [{ system: SNOMED, code: '44054006', display: 'Diabetes mellitus type 2' }] },
      encounter: ref('gp-visit'),
      onsetDateTime: '2024-01-10T10:00:00Z',
    });
    await add('lab-report', {
      resourceType: 'DiagnosticReport',
      status: 'final',
      code: { coding: [{ system: LOINC, code: '4548-4', display: 'Hemoglobin A1c' }] },
      subject: subject(),
      encounter: ref('gp-visit'),
      effectiveDateTime: '2024-01-10T11:00:00Z',
      result: [ref('hba1c')],
    });
    await add('metformin', {
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      medicationCodeableConcept: { coding: [{ system: RXNORM, code: '860975', display: 'Metformin 500 MG' }] },
      subject: subject(),
      encounter: ref('gp-visit'),
      authoredOn: '2024-01-10T12:00:00Z',
      reasonReference: [ref('diabetes')],
    });
    await add('referral', {
      resourceType: 'ServiceRequest',
      status: 'completed',
      intent: 'order',
      code: { coding: [{ system: SNOMED, code: '306206005', display: 'Referral to service' }] },
      subject: subject(),
      encounter: ref('gp-visit'),
      authoredOn: '2024-01-10T12:30:00Z',
      occurrenceDateTime: '2024-01-10T12:30:00Z',
      requester: ref('gp'),
      performer: [ref('hospital')],
      reasonReference: [ref('diabetes')],
    });
    await add('hospital-visit', {
      resourceType: 'Encounter',
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      subject: subject(),
      period: { start: '2024-03-01T09:00:00Z', end: '2024-03-01T12:00:00Z' },
      serviceProvider: ref('hospital'),
      basedOn: [ref('referral')],
    });
    await add('foot-exam', {
      resourceType: 'Procedure',
      status: 'completed',
      code: { coding: [{ system: SNOMED, code: '401191002', display: 'Diabetic foot examination' }] },
      subject: subject(),
      encounter: ref('hospital-visit'),
      performedDateTime: '2024-03-01T10:00:00Z',
      reasonReference: [ref('diabetes')],
    });
    await add('insulin', {
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      medicationCodeableConcept: { coding: [{ system: RXNORM, code: '311041', display: 'Insulin glargine' }] },
      subject: subject(),
      authoredOn: '2024-06-01T09:00:00Z',
      reasonReference: [ref('diabetes')],
    });
    // Another patient of the same tenant, whose resources must never show up.
    const other = await add('other-patient', buildPatient());
    await add(
      'other-observation',
      buildObservation(other.split('/')[1] ?? '', { effectiveDateTime: '2024-01-10T09:30:00Z' }),
    );
  });

  after(() => testApp.close());

  it("returns every resource of the patient's compartment as a node, in time order, with the edges between them", async () => {
    const response = await get(`/api/patients/${patient}/journey`);

    assert.equal(response.statusCode, 200, response.body);
    const { nodes, edges, next } = json<{ nodes: Node[]; edges: Edge[]; next?: string }>(response);
    assert.equal(next, undefined);
    // The Patient has no care date: it comes after the dated nodes.
    assert.deepEqual(named(nodes), [
      'gp-visit',
      'hba1c',
      'diabetes',
      'lab-report',
      'metformin',
      'referral',
      'hospital-visit',
      'foot-exam',
      'insulin',
      'patient',
    ]);
    const diabetes = nodes.find((node) => node.ref === refs.diabetes);
    assert.deepEqual(diabetes, {
      ref: refs.diabetes,
      resourceType: 'Condition',
      time: '2024-01-10T10:00:00.000Z',
      // The projection keeps a dateTime's precision as its span: to the second.
      end: '2024-01-10T10:00:00.999Z',
      label: 'Diabetes mellitus type 2',
      codes: [`${SNOMED}|44054006`],
      encounter: refs['gp-visit'],
    });
    const clinical = namedEdges(edges.filter((edge) => edge.relation !== 'next'));
    for (const expected of [
      'diabetes during gp-visit',
      'hba1c during gp-visit',
      'lab-report has-result hba1c',
      'metformin treats diabetes',
      'referral indicated-by diabetes',
      'hospital-visit based-on referral',
      'foot-exam during hospital-visit',
      'foot-exam treats diabetes',
      'insulin treats diabetes',
    ]) {
      assert.ok(clinical.includes(expected), `${expected} in ${clinical.join(', ')}`);
    }
    assert.deepEqual(namedEdges(edges.filter((edge) => edge.relation === 'next')), [
      'diabetes next lab-report',
      'foot-exam next insulin',
      'gp-visit next hba1c',
      'hba1c next diabetes',
      'hospital-visit next foot-exam',
      'lab-report next metformin',
      'metformin next referral',
      'referral next hospital-visit',
    ]);
  });

  it('filters by resource type, code (with or without system), time window, encounter and provider', async () => {
    const read = async (query: string) => {
      const response = await get(`/api/patients/${patient}/journey?${query}`);
      assert.equal(response.statusCode, 200, response.body);
      return json<{ nodes: Node[]; edges: Edge[] }>(response);
    };

    const conditionsAndProcedures = await read('type=Condition,Procedure');
    assert.deepEqual(named(conditionsAndProcedures.nodes), ['diabetes', 'foot-exam']);
    assert.deepEqual(namedEdges(conditionsAndProcedures.edges), ['foot-exam treats diabetes']);
    assert.deepEqual(named((await read(`code=${encodeURIComponent(`${RXNORM}|311041`)}`)).nodes), ['insulin']);
    assert.deepEqual(named((await read('code=860975,401191002')).nodes), ['metformin', 'foot-exam']);
    assert.deepEqual(named((await read('start=2024-03&end=2024-06-01')).nodes), [
      'hospital-visit',
      'foot-exam',
      'insulin',
    ]);
    assert.deepEqual(named((await read(`encounter=${refs['hospital-visit'] ?? ''}`)).nodes), [
      'hospital-visit',
      'foot-exam',
    ]);
    assert.deepEqual(named((await read(`provider=${refs.hospital ?? ''}`)).nodes), ['referral', 'hospital-visit']);
  });

  it('pages along the timeline with an opaque cursor, every node once', async () => {
    const seen: string[] = [];
    let url: string | undefined = `/api/patients/${patient}/journey?_count=3`;
    let pages = 0;
    while (url) {
      const response = await get(url);
      assert.equal(response.statusCode, 200, response.body);
      const page = json<{ nodes: Node[]; edges: Edge[]; next?: string }>(response);
      assert.ok(page.nodes.length <= 3);
      const onPage = new Set(page.nodes.map((node) => node.ref));
      assert.ok(page.edges.every((edge) => onPage.has(edge.from) && onPage.has(edge.to)));
      seen.push(...named(page.nodes));
      pages++;
      url = page.next ? `/api/patients/${patient}/journey?_count=3&_cursor=${page.next}` : undefined;
    }

    assert.equal(pages, 4);
    assert.deepEqual(seen, [
      'gp-visit',
      'hba1c',
      'diabetes',
      'lab-report',
      'metformin',
      'referral',
      'hospital-visit',
      'foot-exam',
      'insulin',
      'patient',
    ]);
  });

  it('gives every page exactly the stored edges between its nodes, however the page is cut', async () => {
    // A second patient whose timeline has ties (observations at one instant), an encounter spanning
    // the windows below, and undated nodes with edges, read through every kind of page.
    const second = (await add('second', buildPatient())).split('/')[1] ?? '';
    const visit = await add('long-stay', {
      resourceType: 'Encounter',
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
      subject: { reference: `Patient/${second}` },
      period: { start: '2024-01-01T00:00:00Z', end: '2024-12-31T00:00:00Z' },
    });
    const observations: string[] = [];
    for (let index = 0; index < 8; index++) {
      observations.push(
        await add(
          `tied-${index}`,
          buildObservation(second, {
            encounter: { reference: visit },
            effectiveDateTime: `2024-0${2 + Math.floor(index / 3)}-01T10:00:00Z`,
            ...(index > 0 ? { derivedFrom: [{ reference: observations[index - 1] ?? '' }] } : {}),
          }),
        ),
      );
    }
    await add('undated', {
      resourceType: 'Condition',
      subject: { reference: `Patient/${second}` },
      encounter: { reference: visit },
      evidence: [{ detail: [{ reference: observations[2] ?? '' }] }],
    });
    const { edges: stored } = await snapshotJourney(testApp.db, tenant.id);
    const expectedEdges = (nodes: Node[]) => {
      const onPage = new Set(nodes.map((node) => node.ref));
      return stored
        .filter((edge) => edge.patient_id === second && onPage.has(edge.from) && onPage.has(edge.to))
        .map((edge) => `${edge.from} ${edge.relation} ${edge.to}`)
        .sort();
    };
    const journey = `/api/patients/${second}/journey`;
    const queries = ['', 'start=2024-03-01', 'start=2024-02-01T10:00:01Z&end=2024-03-02', 'type=Observation,Condition'];
    for (const query of queries) {
      for (const count of [2, 3, 5000]) {
        let url: string | undefined = `${journey}?_count=${count}&${query}`;
        const seen: string[] = [];
        while (url) {
          const response = await get(url);
          assert.equal(response.statusCode, 200, response.body);
          const page = json<{ nodes: Node[]; edges: Edge[]; next?: string }>(response);
          assert.deepEqual(
            page.edges.map((edge) => `${edge.from} ${edge.relation} ${edge.to}`).sort(),
            expectedEdges(page.nodes),
            `edges of a page of ${url}`,
          );
          seen.push(...page.nodes.map((node) => node.ref));
          url = page.next ? `${journey}?_count=${count}&${query}&_cursor=${page.next}` : undefined;
        }
        assert.equal(new Set(seen).size, seen.length, `no node twice (${query}, ${count})`);
      }
    }
    const whole = json<{ nodes: Node[]; edges: Edge[] }>(await get(`${journey}?_count=5000`));
    assert.equal(whole.nodes.length, 11);
    assert.ok(whole.edges.some((edge) => edge.from === refs.undated && edge.relation === 'evidence'));
    assert.ok(whole.edges.filter((edge) => edge.relation === 'derived-from').length === 7);
  });

  it('groups the timeline by day and by encounter, with the encounter heading its group', async () => {
    const byDay = json<{ groups: Array<{ key: string | null; events: Node[] }> }>(
      await get(
        `/api/patients/${patient}/journey/timeline?groupBy=day&type=Encounter,Condition,Procedure,MedicationRequest`,
      ),
    );
    assert.deepEqual(
      byDay.groups.map((group) => [group.key, named(group.events)]),
      [
        ['2024-01-10', ['gp-visit', 'diabetes', 'metformin']],
        ['2024-03-01', ['hospital-visit', 'foot-exam']],
        ['2024-06-01', ['insulin']],
      ],
    );

    const byEncounter = json<{
      groups: Array<{
        key: string | null;
        encounter: { ref: string; label?: string; time?: string } | null;
        events: Node[];
      }>;
    }>(
      await get(
        `/api/patients/${patient}/journey/timeline?groupBy=encounter&start=2024-02-01&type=Procedure,MedicationRequest`,
      ),
    );
    assert.deepEqual(
      byEncounter.groups.map((group) => [
        group.key && names.get(group.key),
        group.encounter?.time ?? null,
        named(group.events),
      ]),
      [
        ['hospital-visit', '2024-03-01T09:00:00.000Z', ['foot-exam']],
        [null, null, ['insulin']],
      ],
    );
  });

  it('finds the shortest path between two nodes walking edges either way, without the timeline', async () => {
    const response = await get(
      `/api/patients/${patient}/journey/paths?from=${refs.hba1c ?? ''}&to=${refs['foot-exam'] ?? ''}`,
    );

    assert.equal(response.statusCode, 200, response.body);
    const answer = json<{
      paths: Array<{ length: number; nodes: string[]; edges: Edge[] }>;
      nodes: Node[];
      truncated: boolean;
    }>(response);
    assert.equal(answer.truncated, false);
    assert.equal(answer.paths.length, 1);
    const [path] = answer.paths;
    assert.equal(path?.length, 3);
    assert.deepEqual(
      path?.nodes.map((node) => names.get(node)),
      ['hba1c', 'gp-visit', 'diabetes', 'foot-exam'],
    );
    assert.deepEqual(namedEdges(path?.edges ?? []), [
      'diabetes during gp-visit',
      'foot-exam treats diabetes',
      'hba1c during gp-visit',
    ]);
    assert.deepEqual(named(answer.nodes).sort(), ['diabetes', 'foot-exam', 'gp-visit', 'hba1c']);
  });

  it('lists all simple paths up to the depth, shortest first, and walks the timeline only when asked', async () => {
    const all = json<{ paths: Array<{ nodes: string[]; edges: Edge[] }>; truncated: boolean }>(
      await get(
        `/api/patients/${patient}/journey/paths?from=${refs.metformin ?? ''}&to=${refs['foot-exam'] ?? ''}&mode=all&maxDepth=4`,
      ),
    );
    const described = all.paths.map((path) => path.nodes.map((node) => names.get(node)).join(' '));
    assert.equal(described[0], 'metformin diabetes foot-exam');
    assert.ok(described.includes('metformin gp-visit referral hospital-visit foot-exam'), described.join(' | '));
    assert.ok(described.includes('metformin gp-visit diabetes foot-exam'), described.join(' | '));
    assert.ok(all.paths.every((path) => path.edges.every((edge) => edge.relation !== 'next')));
    assert.ok(
      all.paths.every((path, index) => index === 0 || path.nodes.length >= (all.paths[index - 1]?.nodes.length ?? 0)),
    );

    const capped = json<{ paths: unknown[]; truncated: boolean }>(
      await get(
        `/api/patients/${patient}/journey/paths?from=${refs.metformin ?? ''}&to=${refs['foot-exam'] ?? ''}&mode=all&maxDepth=4&maxPaths=1`,
      ),
    );
    assert.equal(capped.paths.length, 1);
    assert.equal(capped.truncated, true);

    const alongTime = json<{ paths: Array<{ nodes: string[] }> }>(
      await get(
        `/api/patients/${patient}/journey/paths?from=${refs['gp-visit'] ?? ''}&to=${refs.metformin ?? ''}&relations=next&maxDepth=8`,
      ),
    );
    assert.deepEqual(
      alongTime.paths[0]?.nodes.map((node) => names.get(node)),
      ['gp-visit', 'hba1c', 'diabetes', 'lab-report', 'metformin'],
    );
  });

  it('returns the neighbourhood of a node within k hops, with the edges among it', async () => {
    const response = await get(`/api/patients/${patient}/journey/neighbourhood?ref=${refs.diabetes ?? ''}&hops=1`);

    assert.equal(response.statusCode, 200, response.body);
    const { nodes, edges } = json<{ nodes: Array<Node & { hops: number }>; edges: Edge[] }>(response);
    assert.deepEqual(nodes.map((node) => `${names.get(node.ref) ?? ''}:${node.hops}`).sort(), [
      'diabetes:0',
      'foot-exam:1',
      'gp-visit:1',
      'insulin:1',
      'metformin:1',
      'referral:1',
    ]);
    assert.ok(namedEdges(edges).includes('metformin during gp-visit'), 'an edge between two nodes one hop out');
    assert.ok(edges.every((edge) => edge.relation !== 'next'));
  });

  it('shows the care pathway: providers in order of first contact and the referral between organisations', async () => {
    const response = await get(`/api/patients/${patient}/journey/care-pathway`);

    assert.equal(response.statusCode, 200, response.body);
    const pathway = json<{
      providers: Array<{ ref: string; name?: string; firstContact: string; contacts: number; encounters: number }>;
      referrals: Array<{ from: string; to: string; serviceRequest: string; encounters: string[] }>;
    }>(response);
    assert.deepEqual(
      pathway.providers.map((provider) => [names.get(provider.ref), provider.name, provider.encounters]),
      [
        // Seen first together at the GP visit: same first contact, ordered by reference.
        ['gp', 'Riverside Practice', 1],
        ['doctor', 'Ada Lovelace', 1],
        ['hospital', 'City Hospital', 1],
      ],
    );
    assert.deepEqual(
      pathway.referrals.map((referral) => [
        names.get(referral.from),
        names.get(referral.to),
        names.get(referral.serviceRequest),
        referral.encounters.map((encounter) => names.get(encounter)),
      ]),
      [['gp', 'hospital', 'referral', ['hospital-visit']]],
    );
  });

  it('answers 404 for a patient without a journey, also when the patient belongs to another tenant', async () => {
    const unknown = await get('/api/patients/no-such-patient/journey');
    assert.equal(unknown.statusCode, 404);
    assert.match(String(unknown.headers['content-type']), /^application\/problem\+json/);
    assert.equal(json<Problem>(unknown).code, 'JOURNEY_PATIENT_NOT_FOUND');

    const stranger = await testApp.createTestTenant();
    const foreign = await stranger.request({ method: 'GET', url: `/api/patients/${patient}/journey/timeline` });
    assert.equal(foreign.statusCode, 404);

    const missingNode = await get(
      `/api/patients/${patient}/journey/paths?from=${refs.diabetes ?? ''}&to=${refs['other-observation'] ?? ''}`,
    );
    assert.equal(missingNode.statusCode, 404);
    assert.equal(json<Problem>(missingNode).code, 'JOURNEY_NODE_NOT_FOUND');
  });

  it('refuses bad input with a 400 that names the parameter', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['journey?start=yesterday', 'JOURNEY_BAD_PARAMETER', /start/],
      ['journey?start=2024-05&end=2024-01', 'JOURNEY_BAD_PARAMETER', /end/],
      ['journey?type=condition', 'JOURNEY_BAD_PARAMETER', /type/],
      ['journey?code=%7C123', 'JOURNEY_BAD_PARAMETER', /code/],
      ['journey?provider=Patient/1', 'JOURNEY_BAD_PARAMETER', /provider/],
      ['journey?_cursor=garbage', 'JOURNEY_BAD_PARAMETER', /_cursor/],
      ['journey?_count=0', 'FST_ERR_VALIDATION', /_count/],
      ['journey?tpye=Condition', 'JOURNEY_UNKNOWN_PARAMETER', /tpye/],
      ['journey/timeline?groupBy=week', 'FST_ERR_VALIDATION', /groupBy/],
      ['journey/paths?from=Condition/1', 'FST_ERR_VALIDATION', /to/],
      ['journey/paths?from=nonsense&to=Condition/1', 'JOURNEY_BAD_PARAMETER', /from/],
      ['journey/paths?from=Condition/1&to=Condition/2&maxDepth=20', 'FST_ERR_VALIDATION', /maxDepth/],
      ['journey/paths?from=Condition/1&to=Condition/2&relations=Treats', 'JOURNEY_BAD_PARAMETER', /relations/],
      ['journey/neighbourhood?ref=Condition/1&hops=9', 'FST_ERR_VALIDATION', /hops/],
    ];
    for (const [path, code, parameter] of cases) {
      const response = await get(`/api/patients/${patient}/${path}`);
      assert.equal(response.statusCode, 400, `${path}: ${response.body}`);
      const problem = json<Problem>(response);
      assert.equal(problem.code, code, path);
      assert.match(problem.title, parameter, path);
    }
  });

  it('refuses requests without credentials', async () => {
    const response = await testApp.app.inject({ method: 'GET', url: `/api/patients/${patient}/journey` });

    assert.equal(response.statusCode, 401);
    assert.equal(json<Problem>(response).code, 'AUTH_UNAUTHORIZED');
  });

  it('keeps the journey exact when a resource is deleted', async () => {
    const extra = await add(
      'extra-observation',
      buildObservation(patient, { effectiveDateTime: '2025-01-01T00:00:00Z' }),
    );
    const before = named(json<{ nodes: Node[] }>(await get(`/api/patients/${patient}/journey?start=2025`)).nodes);
    assert.deepEqual(before, ['extra-observation']);

    assert.equal((await tenant.request({ method: 'DELETE', url: `${FHIR}/${extra}` })).statusCode, 204);

    assert.deepEqual(json<{ nodes: Node[] }>(await get(`/api/patients/${patient}/journey?start=2025`)).nodes, []);
  });
});
