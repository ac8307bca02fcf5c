import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Bundle, ConsentProvision, Resource } from '@medplum/fhirtypes';
import { buildObservation, buildPatient, expectOutcome, FHIR, json } from '../fhir/fhir-test-support.ts';
import { createTestApp, type TestApp, type TestTenant } from '../../test/create-test-app.ts';
import { registerTestApp, signInAs, type TestUser } from './access-test-support.ts';

const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const PSY = { system: ACT_CODE, code: 'PSY' };
const HIV = { system: ACT_CODE, code: 'HIV' };
const DAY = 24 * 60 * 60 * 1000;

/** A UTC calendar date `days` from now (`2026-11-24`). */
const dateIn = (days: number) => new Date(Date.now() + days * DAY).toISOString().slice(0, 10);
/** An instant `ms` from now. */
const instantIn = (ms: number) => new Date(Date.now() + ms).toISOString();

/** The part of the `ws` client used here (the package ships no type declarations). */
type WsClient = {
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  close(): void;
};
const WebSocket = createRequire(import.meta.url)('ws') as new (
  url: string,
  options: { headers: { authorization: string } },
) => WsClient;

type LiveMessage = { type: string; node?: { ref: string }; ref?: string };

/** A live journey socket: the refs of the nodes it was sent and of the deletes, and a wait for one. */
function watchJourney(url: string, token: string) {
  const socket = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
  const messages: LiveMessage[] = [];
  let onMessage = () => {};
  socket.on('message', (data) => {
    messages.push(JSON.parse(data.toString()) as LiveMessage);
    onMessage();
  });
  socket.on('error', () => {});
  const waitFor = (check: (message: LiveMessage) => boolean, what: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), 5000);
      onMessage = () => {
        if (messages.some(check)) {
          clearTimeout(timer);
          resolve();
        }
      };
      onMessage();
    });
  return {
    socket,
    refs: () => messages.flatMap((message) => message.node?.ref ?? []),
    deleted: () => messages.flatMap((message) => (message.type === 'delete' ? (message.ref ?? []) : [])),
    waitFor,
  };
}

const ids = (response: { body: string }) =>
  (JSON.parse(response.body) as Bundle).entry?.map(
    (entry) => `${entry.resource?.resourceType}/${entry.resource?.id}`,
  ) ?? [];

/** One patient's record: what each test's Consent is about. */
type PatientRecord = {
  patient: string;
  plain: string;
  psy: string;
  hiv: string;
  encounter: string;
  /** An Observation made at `encounter`. */
  atEncounter: string;
};

describe('consent: period, actors, data and nested provisions', () => {
  let testApp: TestApp;
  let tenant: TestTenant;
  const practitioners = { a: '', b: '', c: '' };
  let clinic = '';
  let clinicRole = '';
  let careTeamOf: (patient: string) => string;
  const users = {} as { a: TestUser; b: TestUser; c: TestUser; admin: TestUser };
  const careTeams = new Map<string, string>();

  async function create(resource: Resource, by: { request: TestTenant['request'] } = tenant): Promise<string> {
    const response = await by.request({ method: 'POST', url: `${FHIR}/${resource.resourceType}`, payload: resource });
    assert.equal(response.statusCode, 201, response.body);
    return json<{ id: string }>(response).id;
  }

  /** A patient of practitioners A, B and C (an active care team) with plain, PSY, HIV and encounter data. */
  async function createRecord(): Promise<PatientRecord> {
    const patient = await create(buildPatient());
    const team = await create({
      resourceType: 'CareTeam',
      status: 'active',
      subject: { reference: `Patient/${patient}` },
      participant: Object.values(practitioners).map((id) => ({ member: { reference: `Practitioner/${id}` } })),
    });
    careTeams.set(patient, team);
    const encounter = await create({
      resourceType: 'Encounter',
      status: 'finished',
      class: { system: ACT_CODE, code: 'AMB' },
      subject: { reference: `Patient/${patient}` },
      period: { start: '2024-03-01T09:00:00Z', end: '2024-03-01T11:00:00Z' },
    });
    return {
      patient,
      encounter,
      plain: await create(buildObservation(patient)),
      psy: await create(buildObservation(patient, { meta: { security: [PSY] } })),
      hiv: await create(buildObservation(patient, { meta: { security: [HIV] } })),
      atEncounter: await create(buildObservation(patient, { encounter: { reference: `Encounter/${encounter}` } })),
    };
  }

  async function consent(record: PatientRecord, provision: ConsentProvision): Promise<string> {
    return create({
      resourceType: 'Consent',
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: { reference: `Patient/${record.patient}` },
      policyRule: { coding: [{ system: ACT_CODE, code: 'OPTIN' }] },
      provision,
    });
  }

  /** The Observations and Encounters of the record the user finds by search. */
  async function searched(user: TestUser, record: PatientRecord): Promise<string[]> {
    const observations = ids(
      await user.request({ method: 'GET', url: `${FHIR}/Observation?subject=Patient/${record.patient}&_count=50` }),
    );
    const encounters = ids(
      await user.request({ method: 'GET', url: `${FHIR}/Encounter?subject=Patient/${record.patient}` }),
    );
    return [...observations, ...encounters].sort();
  }

  /** Asserts what the user sees of the record, by search and by read (a hidden resource reads as 404). */
  async function expectSees(
    user: TestUser,
    record: PatientRecord,
    hidden: Array<keyof Omit<PatientRecord, 'patient'>>,
  ) {
    const all = ['plain', 'psy', 'hiv', 'atEncounter', 'encounter'] as const;
    const refOf = (key: (typeof all)[number]) => `${key === 'encounter' ? 'Encounter' : 'Observation'}/${record[key]}`;
    const expected = all.filter((key) => !hidden.includes(key)).map(refOf);
    assert.deepEqual(await searched(user, record), expected.sort(), `search by ${user.role}`);
    for (const key of all) {
      const read = await user.request({ method: 'GET', url: `${FHIR}/${refOf(key)}` });
      assert.equal(read.statusCode, hidden.includes(key) ? 404 : 200, `read of ${key}: ${read.body}`);
    }
  }

  let origin = '';

  before(async () => {
    testApp = await createTestApp();
    await testApp.app.listen({ port: 0, host: '127.0.0.1' });
    origin = `ws://127.0.0.1:${(testApp.app.server.address() as AddressInfo).port}`;
    tenant = await testApp.createTestTenant();
    // 1. Three practitioners; B holds a role at the clinic.
    practitioners.a = await create({ resourceType: 'Practitioner', name: [{ family: 'Able' }] });
    practitioners.b = await create({ resourceType: 'Practitioner', name: [{ family: 'Baker' }] });
    practitioners.c = await create({ resourceType: 'Practitioner', name: [{ family: 'Cole' }] });
    clinic = await create({ resourceType: 'Organization', name: 'Clinic' });
    clinicRole = await create({
      resourceType: 'PractitionerRole',
      practitioner: { reference: `Practitioner/${practitioners.b}` },
      organization: { reference: `Organization/${clinic}` },
    });
    careTeamOf = (patient) => careTeams.get(patient) ?? '';
    // 2. Their sign-ins, and an administrator's (who reaches every patient, and is bound by consent).
    const clientId = await registerTestApp(testApp, tenant);
    for (const key of ['a', 'b', 'c'] as const) {
      users[key] = await signInAs(testApp, tenant, clientId, {
        role: 'clinician',
        fhirUser: `Practitioner/${practitioners[key]}`,
      });
    }
    users.admin = await signInAs(testApp, tenant, clientId, { role: 'admin' });
  });
  after(async () => {
    await testApp.close();
  });

  it('denies only while the provision’s period holds: calendar dates include their whole day', async () => {
    const cases: Array<{ period: { start?: string; end?: string }; isInForce: boolean }> = [
      { period: { end: dateIn(-1) }, isInForce: false },
      { period: { start: dateIn(1) }, isInForce: false },
      { period: { end: dateIn(0) }, isInForce: true },
      { period: { start: dateIn(0) }, isInForce: true },
      { period: { start: dateIn(-30), end: dateIn(30) }, isInForce: true },
      { period: { end: instantIn(-60_000) }, isInForce: false },
      { period: { end: instantIn(60 * 60_000) }, isInForce: true },
      { period: { start: instantIn(60 * 60_000) }, isInForce: false },
      { period: { start: dateIn(-400).slice(0, 4), end: dateIn(400).slice(0, 7) }, isInForce: true },
    ];
    for (const { period, isInForce } of cases) {
      const record = await createRecord();
      await consent(record, { type: 'deny', period, securityLabel: [PSY] });
      await expectSees(users.a, record, isInForce ? ['psy'] : []);
    }
    // A nested deny's own period counts too.
    const record = await createRecord();
    await consent(record, {
      type: 'permit',
      provision: [{ type: 'deny', period: { end: dateIn(-1) }, securityLabel: [PSY] }],
    });
    await expectSees(users.a, record, []);
  });

  it('applies a deny limited to actors only to them: a practitioner, their role, organisation or care team', async () => {
    const byPractitioner = await createRecord();
    await consent(byPractitioner, {
      type: 'permit',
      provision: [
        {
          type: 'deny',
          actor: [{ role: { text: 'recipient' }, reference: { reference: `Practitioner/${practitioners.a}` } }],
          securityLabel: [PSY],
        },
      ],
    });
    await expectSees(users.a, byPractitioner, ['psy']);
    await expectSees(users.b, byPractitioner, []);
    await expectSees(users.c, byPractitioner, []);
    // The clinic, through B's PractitionerRole there.
    const byOrganisation = await createRecord();
    await consent(byOrganisation, {
      type: 'permit',
      provision: [
        {
          type: 'deny',
          actor: [{ role: { text: 'recipient' }, reference: { reference: `Organization/${clinic}` } }],
          securityLabel: [PSY, HIV],
        },
      ],
    });
    await expectSees(users.b, byOrganisation, ['psy', 'hiv']);
    await expectSees(users.a, byOrganisation, []);
    // B's PractitionerRole itself.
    const byRole = await createRecord();
    await consent(byRole, {
      type: 'deny',
      actor: [{ role: { text: 'recipient' }, reference: { reference: `PractitionerRole/${clinicRole}` } }],
      securityLabel: [PSY],
    });
    await expectSees(users.b, byRole, ['psy']);
    await expectSees(users.c, byRole, []);
    // The patient's care team: every member.
    const byCareTeam = await createRecord();
    await consent(byCareTeam, {
      type: 'deny',
      actor: [{ role: { text: 'recipient' }, reference: { reference: `CareTeam/${careTeamOf(byCareTeam.patient)}` } }],
      securityLabel: [HIV],
    });
    for (const user of [users.a, users.b, users.c]) {
      await expectSees(user, byCareTeam, ['hiv']);
    }
    // An administrator is no named actor: none of these denials binds them.
    await expectSees(users.admin, byPractitioner, []);
    await expectSees(users.admin, byCareTeam, []);
  });

  it('lets a nested permit exempt an actor from the deny around it, and a base deny hide the whole record', async () => {
    const record = await createRecord();
    await consent(record, {
      type: 'permit',
      provision: [
        {
          type: 'deny',
          securityLabel: [PSY],
          provision: [
            {
              type: 'permit',
              actor: [{ role: { text: 'recipient' }, reference: { reference: `Practitioner/${practitioners.b}` } }],
            },
          ],
        },
      ],
    });
    await expectSees(users.a, record, ['psy']);
    await expectSees(users.b, record, []);
    // Opt-in: nothing is shared but with the practitioner the patient names.
    const optIn = await createRecord();
    await consent(optIn, {
      type: 'deny',
      provision: [
        {
          type: 'permit',
          actor: [{ role: { text: 'recipient' }, reference: { reference: `Practitioner/${practitioners.c}` } }],
        },
      ],
    });
    await expectSees(users.c, optIn, []);
    await expectSees(users.a, optIn, ['plain', 'psy', 'hiv', 'atEncounter', 'encounter']);
    expectOutcome(await users.a.request({ method: 'GET', url: `${FHIR}/Patient/${optIn.patient}` }), 404);
    // Within the exemption a deeper deny holds again: C is kept from HIV data alone.
    const deeper = await createRecord();
    await consent(deeper, {
      type: 'deny',
      provision: [
        {
          type: 'permit',
          actor: [{ role: { text: 'recipient' }, reference: { reference: `Practitioner/${practitioners.c}` } }],
          provision: [{ type: 'deny', securityLabel: [HIV] }],
        },
      ],
    });
    await expectSees(users.c, deeper, ['hiv']);
  });

  it('hides exactly the resources a deny names as data, and what depends on them when it says so', async () => {
    const record = await createRecord();
    await consent(record, {
      type: 'permit',
      provision: [
        { type: 'deny', data: [{ meaning: 'instance', reference: { reference: `Observation/${record.plain}` } }] },
      ],
    });
    await expectSees(users.a, record, ['plain']);
    const dependents = await createRecord();
    await consent(dependents, {
      type: 'permit',
      provision: [
        {
          type: 'deny',
          data: [{ meaning: 'dependents', reference: { reference: `Encounter/${dependents.encounter}` } }],
        },
      ],
    });
    await expectSees(users.a, dependents, ['encounter', 'atEncounter']);
    // `related`: the observation and what it references, its encounter and its patient.
    const related = await createRecord();
    await consent(related, {
      type: 'permit',
      provision: [
        {
          type: 'deny',
          data: [{ meaning: 'related', reference: { reference: `Observation/${related.atEncounter}` } }],
        },
      ],
    });
    await expectSees(users.a, related, ['encounter', 'atEncounter']);
    expectOutcome(await users.a.request({ method: 'GET', url: `${FHIR}/Patient/${related.patient}` }), 404);
    // Data and labels together: only the labelled one among the data.
    const both = await createRecord();
    await consent(both, {
      type: 'deny',
      securityLabel: [PSY],
      data: [
        { meaning: 'instance', reference: { reference: `Observation/${both.psy}` } },
        { meaning: 'instance', reference: { reference: `Observation/${both.hiv}` } },
      ],
    });
    await expectSees(users.a, both, ['psy']);
  });

  it('refuses $everything only to those a deny binds now, and lets break-the-glass and the patient through', async () => {
    const record = await createRecord();
    await consent(record, {
      type: 'deny',
      actor: [{ role: { text: 'recipient' }, reference: { reference: `Practitioner/${practitioners.a}` } }],
      securityLabel: [PSY],
    });
    const everything = (user: TestUser, headers: Record<string, string> = {}) =>
      user.request({ method: 'GET', url: `${FHIR}/Patient/${record.patient}/$everything`, headers });
    expectOutcome(await everything(users.a), 403);
    const forB = await everything(users.b);
    assert.equal(forB.statusCode, 200, forB.body);
    assert.ok(ids(forB).includes(`Observation/${record.psy}`));
    const glass = await everything(users.a, { 'x-break-glass-reason': 'Acute psychosis in the emergency department' });
    assert.equal(glass.statusCode, 200, glass.body);
    assert.ok(ids(glass).includes(`Observation/${record.psy}`));
    const read = await users.a.request({
      method: 'GET',
      url: `${FHIR}/Observation/${record.psy}`,
      headers: { 'x-break-glass-reason': 'Acute psychosis in the emergency department' },
    });
    assert.equal(read.statusCode, 200, read.body);
    // An expired deny refuses nothing.
    const expired = await createRecord();
    await consent(expired, { type: 'deny', period: { end: dateIn(-2) }, securityLabel: [PSY] });
    const whole = await users.a.request({ method: 'GET', url: `${FHIR}/Patient/${expired.patient}/$everything` });
    assert.equal(whole.statusCode, 200, whole.body);
    // The patient's own consent never hides their record from them.
    const clientId = await registerTestApp(testApp, tenant);
    const patient = await signInAs(testApp, tenant, clientId, {
      role: 'patient',
      fhirUser: `Patient/${record.patient}`,
      patientId: record.patient,
    });
    await expectSees(patient, record, []);
  });

  it('keeps hidden resources out of the journey API: pages, timeline, paths, neighbourhood and the edges to them', async () => {
    const record = await createRecord();
    const actorA = [{ role: { text: 'recipient' }, reference: { reference: `Practitioner/${practitioners.a}` } }];
    await consent(record, {
      type: 'permit',
      provision: [
        { type: 'deny', actor: actorA, securityLabel: [PSY] },
        {
          type: 'deny',
          actor: actorA,
          data: [{ meaning: 'instance', reference: { reference: `Encounter/${record.encounter}` } }],
        },
      ],
    });
    type Node = { ref: string; encounter?: string };
    type Edge = { from: string; to: string; relation: string };
    const journeyOf = async (user: TestUser) => {
      const response = await user.request({ method: 'GET', url: `/api/patients/${record.patient}/journey?_count=50` });
      assert.equal(response.statusCode, 200, response.body);
      return json<{ nodes: Node[]; edges: Edge[] }>(response);
    };
    const encounter = `Encounter/${record.encounter}`;
    const atEncounter = `Observation/${record.atEncounter}`;
    const psy = `Observation/${record.psy}`;
    // 1. B, whom the consent does not name, sees the whole journey, the visit edge included.
    const full = await journeyOf(users.b);
    assert.ok(full.nodes.some((node) => node.ref === psy));
    assert.ok(full.edges.some((edge) => edge.from === atEncounter && edge.to === encounter));
    // 2. A sees neither hidden node, nor an edge or an encounter reference to them.
    const page = await journeyOf(users.a);
    const refs = page.nodes.map((node) => node.ref);
    assert.ok(refs.includes(atEncounter) && refs.includes(`Observation/${record.plain}`));
    assert.ok(!refs.includes(psy) && !refs.includes(encounter), refs.join(' '));
    assert.ok(page.edges.every((edge) => ![psy, encounter].includes(edge.from) && ![psy, encounter].includes(edge.to)));
    assert.equal(page.nodes.find((node) => node.ref === atEncounter)?.encounter, undefined);
    // 3. Paging counts only what A may see: one node per page, none of them hidden.
    const paged: string[] = [];
    let next: string | undefined;
    do {
      const url = `/api/patients/${record.patient}/journey?_count=1${next ? `&_cursor=${next}` : ''}`;
      const response = json<{ nodes: Node[]; next?: string }>(await users.a.request({ method: 'GET', url }));
      assert.equal(response.nodes.length, 1);
      paged.push(...response.nodes.map((node) => node.ref));
      next = response.next;
    } while (next !== undefined);
    assert.deepEqual(paged, refs);
    // 4. The timeline, grouped by encounter, does not name the hidden encounter.
    const timeline = await users.a.request({
      method: 'GET',
      url: `/api/patients/${record.patient}/journey/timeline?groupBy=encounter`,
    });
    assert.equal(timeline.statusCode, 200, timeline.body);
    assert.ok(!timeline.body.includes(record.encounter) && !timeline.body.includes(record.psy));
    // 5. A path to a hidden node is a node not found; a neighbourhood leaves it out.
    const path = await users.a.request({
      method: 'GET',
      url: `/api/patients/${record.patient}/journey/paths?from=${atEncounter}&to=${encounter}`,
    });
    assert.equal(path.statusCode, 404, path.body);
    assert.equal(json<{ code: string }>(path).code, 'JOURNEY_NODE_NOT_FOUND');
    const forB = await users.b.request({
      method: 'GET',
      url: `/api/patients/${record.patient}/journey/paths?from=${atEncounter}&to=${encounter}`,
    });
    assert.equal(forB.statusCode, 200, forB.body);
    const around = await users.a.request({
      method: 'GET',
      url: `/api/patients/${record.patient}/journey/neighbourhood?ref=${atEncounter}&hops=2`,
    });
    assert.equal(around.statusCode, 200, around.body);
    assert.ok(!around.body.includes(record.encounter));
    const aroundForB = await users.b.request({
      method: 'GET',
      url: `/api/patients/${record.patient}/journey/neighbourhood?ref=${atEncounter}&hops=2`,
    });
    assert.ok(aroundForB.body.includes(record.encounter));
  });

  it('sends no live change of a hidden resource to those it is hidden from', async () => {
    const record = await createRecord();
    await consent(record, {
      type: 'deny',
      actor: [{ role: { text: 'recipient' }, reference: { reference: `Practitioner/${practitioners.a}` } }],
      securityLabel: [PSY],
    });
    const url = `${origin}/api/patients/${record.patient}/journey/live`;
    const forA = watchJourney(url, users.a.token);
    const forB = watchJourney(url, users.b.token);
    try {
      await forA.waitFor((message) => message.type === 'ready', 'ready');
      await forB.waitFor((message) => message.type === 'ready', 'ready');
      // 1. A labelled observation, then a plain one: changes arrive in order, so once A has the
      //    plain one, the labelled one would have come before it.
      const labelled = `Observation/${await create(buildObservation(record.patient, { meta: { security: [PSY] } }))}`;
      const plain = `Observation/${await create(buildObservation(record.patient))}`;
      await forA.waitFor((message) => message.node?.ref === plain, 'the plain observation');
      await forB.waitFor((message) => message.node?.ref === plain, 'the plain observation');
      assert.ok(!forA.refs().includes(labelled), forA.refs().join(' '));
      assert.ok(forB.refs().includes(labelled));
      // 2. Deleted, the labelled one then the plain one: A is not told the hidden one's id.
      for (const ref of [labelled, plain]) {
        const deleted = await tenant.request({ method: 'DELETE', url: `${FHIR}/${ref}` });
        assert.equal(deleted.statusCode, 204, deleted.body);
      }
      await forA.waitFor((message) => message.type === 'delete' && message.ref === plain, 'the plain delete');
      await forB.waitFor((message) => message.type === 'delete' && message.ref === plain, 'the plain delete');
      assert.deepEqual(forA.deleted(), [plain]);
      assert.deepEqual(forB.deleted(), [labelled, plain]);
    } finally {
      forA.socket.close();
      forB.socket.close();
    }
  });

  it('leaves resources a deny hides out of cohort patterns', async () => {
    // A cohort of one: the patient's heart-rate observations, from the labelled one to the plain one.
    const patient = await create(buildPatient());
    const labelled = buildObservation(patient, {
      meta: { security: [PSY] },
      effectiveDateTime: '2024-01-01T10:00:00Z',
    });
    await create(labelled);
    await create(buildObservation(patient, { effectiveDateTime: '2024-02-01T10:00:00Z' }));
    await create(
      buildObservation(patient, {
        code: { coding: [{ system: 'http://loinc.org', code: '8480-6', display: 'Systolic blood pressure' }] },
        effectiveDateTime: '2024-03-01T10:00:00Z',
      }),
    );
    const patterns = async () => {
      const response = await users.admin.request({
        method: 'GET',
        url: `/api/journey/cohort-patterns?from=http://loinc.org|8867-4&to=http://loinc.org|8480-6&patients=_id=${patient}&types=Observation`,
      });
      assert.equal(response.statusCode, 200, response.body);
      return json<{ withFrom: number; patterns: Array<{ medianDays: number[] }> }>(response);
    };
    const before = await patterns();
    assert.equal(before.withFrom, 1);
    // From 1 January (the labelled observation) to 1 March: 60 days.
    assert.deepEqual(before.patterns[0]?.medianDays, [60]);
    await create({
      resourceType: 'Consent',
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: { reference: `Patient/${patient}` },
      policyRule: { coding: [{ system: ACT_CODE, code: 'OPTIN' }] },
      provision: { type: 'permit', provision: [{ type: 'deny', securityLabel: [PSY] }] },
    });
    // The pathway now starts at the plain observation of 1 February: 29 days.
    const after = await patterns();
    assert.equal(after.withFrom, 1);
    assert.deepEqual(after.patterns[0]?.medianDays, [29]);
  });
});
