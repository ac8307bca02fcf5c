import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Encounter, Organization, Practitioner, Provenance, Resource } from '@medplum/fhirtypes';
import { createTestApp, type TestApp, type TestTenant } from '../../../test/create-test-app.ts';
import { buildObservation, buildPatient, createResource, FHIR } from '../fhir-test-support.ts';
import { findIncludes, parseInclude, type IncludeSpec, type ResourceKey } from './includes.ts';

describe('_include and _revinclude resolution', () => {
  let testApp: TestApp;
  let tenant: TestTenant;
  /** Test data by name, and names by "Type/id", so assertions read as names. */
  const keys: Record<string, ResourceKey> = {};
  const names = new Map<string, string>();

  async function add(name: string, resource: Resource): Promise<string> {
    const created = await createResource(tenant, resource);
    keys[name] = { resourceType: resource.resourceType, id: created.id };
    names.set(`${resource.resourceType}/${created.id}`, name);
    return created.id;
  }

  const ref = (name: string) => {
    const key = keys[name];
    assert.ok(key, name);
    return { reference: `${key.resourceType}/${key.id}` };
  };

  /** Runs findIncludes over named matches; answers the included names, sorted. */
  async function include(
    matches: string[],
    includes: IncludeSpec[],
    limit = 100,
  ): Promise<{ names: string[]; truncated: boolean }> {
    const result = await findIncludes(testApp.db, {
      tenantId: tenant.id,
      matches: matches.map((name) => keys[name] ?? assert.fail(name)),
      includes,
      limit,
    });
    return {
      names: result.resources.map((resource) => names.get(`${resource.resourceType}/${resource.id}`) ?? '?').sort(),
      truncated: result.truncated,
    };
  }

  const spec = (value: string, modifier?: string) => parseInclude('_include', modifier, value);
  const revSpec = (value: string, modifier?: string) => parseInclude('_revinclude', modifier, value);

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
    // 1. Two organisations that are part of each other: a reference cycle.
    const orgA = await add('orgA', { resourceType: 'Organization', name: 'Org A' } satisfies Organization);
    await add('orgB', { resourceType: 'Organization', name: 'Org B', partOf: ref('orgA') } satisfies Organization);
    const cycle = await tenant.request({
      method: 'PUT',
      url: `${FHIR}/Organization/${orgA}`,
      payload: { resourceType: 'Organization', id: orgA, name: 'Org A', partOf: ref('orgB') },
    });
    assert.equal(cycle.statusCode, 200, cycle.body);
    await add('doctor', { resourceType: 'Practitioner', name: [{ family: 'Doe' }] } satisfies Practitioner);
    // 2. Two patients, an encounter, observations (one deleted) and a provenance.
    await add('anna', buildPatient({ managingOrganization: ref('orgA'), generalPractitioner: [ref('doctor')] }));
    await add('john', buildPatient());
    await add('visit', {
      resourceType: 'Encounter',
      status: 'finished',
      class: { code: 'AMB' },
      subject: ref('anna'),
      serviceProvider: ref('orgB'),
    } satisfies Encounter);
    await add('pulse', buildObservation(keys.anna?.id ?? '', { encounter: ref('visit'), performer: [ref('doctor')] }));
    await add('weight', buildObservation(keys.anna?.id ?? ''));
    await add('johnPulse', buildObservation(keys.john?.id ?? ''));
    const gone = await add('deleted', buildObservation(keys.anna?.id ?? ''));
    assert.equal((await tenant.request({ method: 'DELETE', url: `${FHIR}/Observation/${gone}` })).statusCode, 204);
    await add('provenance', {
      resourceType: 'Provenance',
      target: [ref('pulse')],
      recorded: '2024-03-01T10:00:00Z',
      agent: [{ who: ref('doctor') }],
    } satisfies Provenance);
    // 3. Another tenant holds an organisation with the same id and an observation about anna's id.
    const other = await testApp.createTestTenant();
    const twin = await other.request({
      method: 'PUT',
      url: `${FHIR}/Organization/${orgA}`,
      payload: { resourceType: 'Organization', id: orgA, name: 'Other tenant' },
    });
    assert.equal(twin.statusCode, 201, twin.body);
    await createResource(other, buildObservation(keys.anna?.id ?? ''));
  });

  after(() => testApp.close());

  it('follows a reference parameter from the matches to their targets, each target once', async () => {
    assert.deepEqual(await include(['pulse', 'weight', 'johnPulse'], [spec('Observation:subject')]), {
      names: ['anna', 'john'],
      truncated: false,
    });
  });

  it('filters targets by the target type and follows every reference parameter for *', async () => {
    assert.deepEqual((await include(['pulse'], [spec('Observation:*:Encounter')])).names, ['visit']);
    assert.deepEqual((await include(['pulse'], [spec('Observation:*')])).names, ['anna', 'doctor', 'visit']);
    assert.deepEqual((await include(['visit', 'pulse'], [spec('*')])).names, ['anna', 'doctor', 'orgB']);
  });

  it('finds the resources that reference the matches, leaving out deleted ones and other tenants', async () => {
    assert.deepEqual((await include(['anna'], [revSpec('Observation:subject')])).names, ['pulse', 'weight']);
    assert.deepEqual((await include(['anna', 'john'], [revSpec('Observation:subject:Patient')])).names, [
      'johnPulse',
      'pulse',
      'weight',
    ]);
    assert.deepEqual((await include(['pulse'], [revSpec('*')])).names, ['provenance']);
    assert.deepEqual((await include(['doctor'], [revSpec('*')])).names, ['anna', 'provenance', 'pulse']);
  });

  it('applies a spec without iterate to the matches only', async () => {
    const once = await include(['pulse'], [spec('Observation:subject'), spec('Patient:organization')]);
    assert.deepEqual(once.names, ['anna']);
    const iterated = await include(['pulse'], [spec('Observation:subject'), spec('Patient:organization', 'iterate')]);
    assert.deepEqual(iterated.names, ['anna', 'orgA']);
  });

  it('iterates through a reference cycle and stops when nothing new is found', async () => {
    const result = await include(['anna'], [spec('Patient:organization'), spec('Organization:partof', 'iterate')]);
    assert.deepEqual(result, { names: ['orgA', 'orgB'], truncated: false });
    const chained = await include(
      ['provenance'],
      [revSpec('Provenance:target'), spec('Provenance:target', 'iterate'), spec('Observation:subject', 'recurse')],
    );
    assert.deepEqual(chained.names, ['anna', 'pulse']);
  });

  it('never returns a match, even when another match references it', async () => {
    assert.deepEqual((await include(['pulse', 'anna'], [spec('Observation:subject')])).names, []);
    assert.deepEqual((await include(['pulse', 'anna'], [revSpec('Observation:subject')])).names, ['weight']);
  });

  it('stops at the limit and says the result was cut short', async () => {
    const specs = [spec('Observation:*')];
    assert.deepEqual(await include(['pulse'], specs, 3), { names: ['anna', 'doctor', 'visit'], truncated: false });
    const cut = await include(['pulse'], specs, 2);
    assert.equal(cut.names.length, 2);
    assert.equal(cut.truncated, true);
    const none = await include(['pulse'], [spec('Observation:subject'), spec('Observation:encounter')], 1);
    assert.deepEqual(none, { names: ['anna'], truncated: true });
  });

  it('returns the stored JSON text of this tenant’s resource', async () => {
    const result = await findIncludes(testApp.db, {
      tenantId: tenant.id,
      matches: [keys.anna ?? assert.fail()],
      includes: [spec('Patient:organization')],
      limit: 10,
    });
    assert.equal(result.resources.length, 1);
    const stored = await tenant.request({ method: 'GET', url: `${FHIR}/Organization/${keys.orgA?.id ?? ''}` });
    assert.deepEqual(JSON.parse(result.resources[0]?.text ?? ''), JSON.parse(stored.body));
    assert.equal((JSON.parse(result.resources[0]?.text ?? '') as Organization).name, 'Org A');
  });
});
