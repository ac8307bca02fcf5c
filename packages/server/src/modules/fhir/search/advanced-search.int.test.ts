import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Bundle, Patient, Resource } from '@medplum/fhirtypes';
import { createTestApp, type TestApp, type TestTenant } from '../../../test/create-test-app.ts';
import { beginRelease, finishRelease, writeConcepts } from '../../terminology/store/index.ts';
import {
  buildObservation,
  buildPatient,
  createResource,
  expectOutcome,
  FHIR,
  json,
  uniqueValue,
} from '../fhir-test-support.ts';

const MRN = 'urn:caregraph:mrn';
const LOINC = 'http://loinc.org';
const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const UCUM = 'http://unitsofmeasure.org';

/** Chaining, reverse chaining, `_list`, composites, full text, compartments, system search and paging. */
describe('FHIR search: chains, composites, full text, compartments, paging', () => {
  let testApp: TestApp;
  let tenant: TestTenant;
  const ids: Record<string, string> = {};
  const names = new Map<string, string>();

  async function add(name: string, resource: Resource): Promise<string> {
    const created = await createResource(tenant, resource);
    ids[name] = created.id;
    names.set(created.id, name);
    return created.id;
  }

  async function searchNames(url: string, headers: Record<string, string> = {}): Promise<string[]> {
    const response = await tenant.request({ method: 'GET', url: `${FHIR}/${url}`, headers });
    assert.equal(response.statusCode, 200, `${url}: ${response.body}`);
    const bundle = json<Bundle>(response);
    return (bundle.entry ?? [])
      .filter((entry) => entry.search?.mode === 'match')
      .map((entry) => names.get(entry.resource?.id ?? '') ?? `?${entry.resource?.resourceType}/${entry.resource?.id}`)
      .sort();
  }

  const bloodPressure = (patient: string, systolic: number, diastolic: number) =>
    buildObservation(patient, {
      code: { coding: [{ system: LOINC, code: '85354-9' }] },
      valueQuantity: undefined,
      component: [
        {
          code: { coding: [{ system: LOINC, code: '8480-6' }] },
          valueQuantity: { value: systolic, system: UCUM, code: 'mm[Hg]', unit: 'mm[Hg]' },
        },
        {
          code: { coding: [{ system: LOINC, code: '8462-4' }] },
          valueQuantity: { value: diastolic, system: UCUM, code: 'mm[Hg]', unit: 'mm[Hg]' },
        },
      ],
    });

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
    const org = await add('org', { resourceType: 'Organization', name: 'Riverside Clinic' });
    const anna = await add(
      'anna',
      buildPatient({
        identifier: [
          {
            system: MRN,
            value: 'A-1',
            type: { coding: [{ system: V2_0203, code: 'MR' }] },
          },
        ],
        name: [{ family: 'Müller', given: ['Anna'] }],
        managingOrganization: { reference: `Organization/${org}` },
        text: {
          status: 'generated',
          div: '<div xmlns="http://www.w3.org/1999/xhtml">Anna has <b>fractures</b> of the wrist</div>',
        },
      }),
    );
    const john = await add(
      'john',
      buildPatient({
        identifier: [{ system: MRN, value: 'B-2', type: { coding: [{ system: V2_0203, code: 'SS' }] } }],
        name: [{ family: 'Smith', given: ['John'] }],
      }),
    );
    await add('annaGlucose', buildObservation(anna, { code: { coding: [{ system: LOINC, code: '2339-0' }] } }));
    await add('johnGlucose', buildObservation(john, { code: { coding: [{ system: LOINC, code: '2339-0' }] } }));
    await add('annaBpHigh', bloodPressure(anna, 150, 95));
    await add('johnBpNormal', bloodPressure(john, 118, 150));
    await add(
      'annaNote',
      buildObservation(anna, {
        code: { text: 'Clinical note' },
        valueString: 'Patient reports dizziness after exercise',
      }),
    );
    const encounter = await add('annaVisit', {
      resourceType: 'Encounter',
      status: 'finished',
      class: { code: 'AMB' },
      subject: { reference: `Patient/${anna}` },
    });
    await add('annaCondition', {
      resourceType: 'Condition',
      subject: { reference: `Patient/${anna}` },
      encounter: { reference: `Encounter/${encounter}` },
      code: { coding: [{ system: 'http://snomed.info/sct', code: '44054006' }] },
    });
    await add('watchList', {
      resourceType: 'List',
      status: 'current',
      mode: 'working',
      entry: [{ item: { reference: `Patient/${john}` } }],
    });
    await add('byIdentifier', {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'Referred by identifier' },
      subject: { identifier: { system: MRN, value: 'Z-9' } },
    });
  });

  after(() => testApp.close());

  it('chains through a typed reference to the referenced resource’s parameters', async () => {
    assert.deepEqual(await searchNames('Observation?subject:Patient.name=muller&code=2339-0'), ['annaGlucose']);
    assert.deepEqual(await searchNames(`Observation?subject:Patient.identifier=${MRN}|B-2`), [
      'johnBpNormal',
      'johnGlucose',
    ]);
  });

  it('chains without a type through every target type that has the parameter, and over several levels', async () => {
    assert.deepEqual(await searchNames('Observation?patient.name=smith&code=2339-0'), ['johnGlucose']);
    assert.deepEqual(await searchNames('Observation?subject:Patient.organization.name=riverside&code=2339-0'), [
      'annaGlucose',
    ]);
  });

  it('rejects a chain through a parameter that is not a reference', async () => {
    expectOutcome(await tenant.request({ method: 'GET', url: `${FHIR}/Observation?code.name=x` }), 400);
  });

  it('reverse-chains with _has, nested too', async () => {
    assert.deepEqual(await searchNames('Patient?_has:Observation:subject:code=85354-9'), ['anna', 'john']);
    assert.deepEqual(await searchNames('Patient?_has:Condition:subject:code=44054006'), ['anna']);
    assert.deepEqual(await searchNames('Patient?_has:Encounter:subject:_has:Condition:encounter:code=44054006'), [
      'anna',
    ]);
    expectOutcome(await tenant.request({ method: 'GET', url: `${FHIR}/Patient?_has:Observation:code:code=x` }), 400);
  });

  it('finds the items of a List with _list', async () => {
    assert.deepEqual(await searchNames(`Patient?_list=${ids.watchList ?? ''}`), ['john']);
  });

  it('matches composite values component by component within one value', async () => {
    assert.deepEqual(await searchNames(`Observation?component-code-value-quantity=${LOINC}|8480-6$gt140`), [
      'annaBpHigh',
    ]);
    // John's 150 is the diastolic: the systolic code and the 150 never sit in the same component.
    assert.deepEqual(await searchNames(`Observation?component-code-value-quantity=8480-6$ge149`), ['annaBpHigh']);
    assert.deepEqual(await searchNames(`Observation?component-code-value-quantity=8462-4$ge149,8480-6$lt120`), [
      'johnBpNormal',
    ]);
    expectOutcome(
      await tenant.request({ method: 'GET', url: `${FHIR}/Observation?component-code-value-quantity=8480-6` }),
      400,
    );
  });

  it('searches the narrative with _text and every string with _content, stemmed and accent-folded', async () => {
    assert.deepEqual(await searchNames('Patient?_text=fracture'), ['anna']);
    assert.deepEqual(await searchNames('Observation?_content=dizzy OR dizziness'), ['annaNote']);
    assert.deepEqual(await searchNames('Patient?_content=MULLER'), ['anna']);
    assert.deepEqual(await searchNames('Observation?_content=exercise -dizziness'), []);
  });

  it('matches identifiers by type with :of-type and logical references with :identifier', async () => {
    assert.deepEqual(await searchNames(`Patient?identifier:of-type=${V2_0203}|MR|A-1`), ['anna']);
    assert.deepEqual(await searchNames(`Patient?identifier:of-type=${V2_0203}|MR|B-2`), []);
    assert.deepEqual(await searchNames(`Observation?subject:identifier=${MRN}|Z-9`), ['byIdentifier']);
  });

  it('ignores parameters with an empty value', async () => {
    assert.deepEqual(await searchNames(`Patient?name=&family=smith`), ['john']);
  });

  it('searches a patient compartment, for one type and for all', async () => {
    const anna = ids.anna ?? '';
    assert.deepEqual(await searchNames(`Patient/${anna}/Observation?code=2339-0`), ['annaGlucose']);
    assert.deepEqual(await searchNames(`Patient/${anna}/*`), [
      'annaBpHigh',
      'annaCondition',
      'annaGlucose',
      'annaNote',
      'annaVisit',
    ]);
    expectOutcome(await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${anna}/Organization` }), 400);
  });

  it('searches across types at system level with _type, and POST _search', async () => {
    assert.deepEqual(await searchNames(`?_type=Patient,Condition&_content=muller,44054006`), ['anna', 'annaCondition']);
    assert.deepEqual((await searchNames(`?_type=Condition,Encounter`)).sort(), ['annaCondition', 'annaVisit']);
    const posted = await tenant.request({
      method: 'POST',
      url: `${FHIR}/Observation/_search`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'code=2339-0&subject:Patient.name=smith',
    });
    assert.deepEqual(
      json<Bundle>(posted).entry?.map((entry) => names.get(entry.resource?.id ?? '')),
      ['johnGlucose'],
    );
    expectOutcome(await tenant.request({ method: 'GET', url: `${FHIR}?_type=Nonsense` }), 400);
  });

  it('includes referenced and referencing resources', async () => {
    const response = await tenant.request({
      method: 'GET',
      url: `${FHIR}/Encounter?subject=Patient/${ids.anna ?? ''}&_include=Encounter:subject&_revinclude=Condition:encounter`,
    });
    const bundle = json<Bundle>(response);
    assert.deepEqual(
      bundle.entry?.map((entry) => `${entry.search?.mode ?? ''}:${names.get(entry.resource?.id ?? '') ?? ''}`).sort(),
      ['include:anna', 'include:annaCondition', 'match:annaVisit'],
    );
  });

  it('returns summaries and chosen elements, marked as subsetted', async () => {
    const response = await tenant.request({
      method: 'GET',
      url: `${FHIR}/Patient?_id=${ids.anna ?? ''}&_elements=name`,
    });
    const patient = json<Bundle<Patient>>(response).entry?.[0]?.resource ?? buildPatient();
    assert.ok(patient.name);
    assert.equal(patient.identifier, undefined);
    assert.match(JSON.stringify(patient.meta), /SUBSETTED/);
    const summary =
      json<Bundle<Patient>>(
        await tenant.request({ method: 'GET', url: `${FHIR}/Patient?_id=${ids.anna ?? ''}&_summary=true` }),
      ).entry?.[0]?.resource ?? buildPatient();
    assert.equal(summary.text, undefined);
    assert.ok(summary.name);
    const count = json<Bundle>(await tenant.request({ method: 'GET', url: `${FHIR}/Observation?_summary=count` }));
    assert.equal(count.total, 6);
    assert.equal(count.entry?.length ?? 0, 0);
  });

  it('estimates totals from the query plan when asked for _total=estimate', async () => {
    const bundle = json<Bundle>(await tenant.request({ method: 'GET', url: `${FHIR}/Observation?_total=estimate` }));
    assert.equal(typeof bundle.total, 'number');
    assert.ok((bundle.total ?? -1) >= 0);
  });
  it('follows the code system hierarchy with :below and :above', async () => {
    // A system of this test's own: the terminology tables are shared by every tenant and test.
    const system = `urn:caregraph:test:${uniqueValue('hierarchy')}`;
    await testApp.db.transaction(async (tx) => {
      const release = await beginRelease(tx, { url: system, version: '1' });
      await writeConcepts(tx, release.id, [
        { code: '73211009', display: 'Diabetes mellitus' },
        { code: '44054006', display: 'Type 2 diabetes mellitus', parents: ['73211009'] },
        { code: '313436004', display: 'Type 2 diabetes mellitus without complication', parents: ['44054006'] },
        { code: '38341003', display: 'Hypertensive disorder' },
      ]);
      await finishRelease(tx, release);
    });
    const condition = async (name: string, code: string) =>
      add(name, {
        resourceType: 'Condition',
        subject: { reference: `Patient/${ids.john ?? ''}` },
        code: { coding: [{ system, code }] },
      });
    await condition('dm2', '44054006');
    await condition('dm2Simple', '313436004');
    await condition('htn', '38341003');
    assert.deepEqual(await searchNames(`Condition?code:below=${system}|73211009`), ['dm2', 'dm2Simple']);
    assert.deepEqual(await searchNames(`Condition?code:below=${system}|44054006`), ['dm2', 'dm2Simple']);
    assert.deepEqual(await searchNames(`Condition?code:above=${system}|313436004`), ['dm2', 'dm2Simple']);
    assert.deepEqual(await searchNames(`Condition?code:below=urn:not-loaded|73211009`), []);
    expectOutcome(await tenant.request({ method: 'GET', url: `${FHIR}/Condition?code:below=73211009` }), 400);
    // ICD-10-CM categories cover their codes by prefix, loaded or not.
    const icd = 'http://hl7.org/fhir/sid/icd-10-cm';
    await add('icdE119', {
      resourceType: 'Condition',
      subject: { reference: `Patient/${ids.john ?? ''}` },
      code: { coding: [{ system: icd, code: 'E11.9' }] },
    });
    assert.deepEqual(await searchNames(`Condition?code:below=${icd}|E11`), ['icdE119']);
    assert.deepEqual(await searchNames(`Condition?code:below=${icd}|E10`), []);
  });
});

describe('FHIR search paging', () => {
  let testApp: TestApp;
  let tenant: TestTenant;

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
    for (let index = 0; index < 25; index++) {
      await createResource(
        tenant,
        buildPatient({ name: [{ family: `Pager${String(index % 5)}` }], birthDate: `19${String(50 + index)}-01-01` }),
      );
    }
  });

  after(() => testApp.close());

  async function page(url: string): Promise<{ ids: string[]; next?: string; previous?: string }> {
    const response = await tenant.request({ method: 'GET', url: url.replace(/^https?:\/\/[^/]+/, '') });
    assert.equal(response.statusCode, 200, response.body);
    const bundle = json<Bundle>(response);
    return {
      ids: (bundle.entry ?? []).map((entry) => entry.resource?.id ?? ''),
      next: bundle.link?.find((link) => link.relation === 'next')?.url,
      previous: bundle.link?.find((link) => link.relation === 'previous')?.url,
    };
  }

  for (const [index, sort] of ['', '&_sort=family,-birthdate', '&_sort=-_lastUpdated'].entries()) {
    it(`walks every page exactly once with next links${sort}, and back with previous links`, async () => {
      const forward: string[][] = [];
      let url: string | undefined = `${FHIR}/Patient?name=pager&_count=7${sort}`;
      const urls: string[] = [];
      while (url) {
        urls.push(url);
        const current = await page(url);
        forward.push(current.ids);
        if (forward.length === 2) {
          // A write between page reads must not shift or repeat the rows that existed before it.
          // Someone new each time: the same person written again would be linked by the patient
          // index to their earlier records, which then change (and move in _lastUpdated order).
          await createResource(
            tenant,
            buildPatient({ name: [{ family: 'Pager0' }], birthDate: `19${String(index * 20).padStart(2, '0')}-06-15` }),
          );
        }
        url = current.next;
      }
      const all = forward.flat();
      assert.equal(new Set(all).size, all.length, 'no duplicates');
      assert.ok(all.length >= 25, `${all.length} rows`);
      // Walk back from the last page: every row again, once (plus the one written meanwhile, if it sorts early).
      let back = await page(urls.at(-1) ?? '');
      const backward: string[][] = [back.ids];
      while (back.previous) {
        back = await page(back.previous);
        backward.unshift(back.ids);
      }
      const walkedBack = backward.flat();
      assert.equal(new Set(walkedBack).size, walkedBack.length, 'no duplicates walking back');
      assert.deepEqual(
        walkedBack.filter((id) => all.includes(id)),
        all,
      );
    });
  }

  it('pages a search pinned to one patient in the same order as the same search unpinned', async () => {
    const patient = await createResource(tenant, buildPatient({ name: [{ family: 'Pinned' }] }));
    const other = await createResource(tenant, buildPatient({ name: [{ family: 'Unpinned' }] }));
    for (let index = 0; index < 13; index++) {
      // Repeated dates and one Observation without a date exercise the id tie-break and NULLS LAST.
      const observation = buildObservation(patient.id, {
        effectiveDateTime: `2024-0${String((index % 4) + 1)}-01T10:00:00Z`,
      });
      if (index === 12) {
        delete observation.effectiveDateTime;
      }
      await createResource(tenant, observation);
      await createResource(tenant, buildObservation(other.id));
    }
    const criteria = `code=${LOINC}|8867-4&_sort=-date&_count`;
    // A reference without a type is not pinned to a patient: it is read from the resource table.
    const expected = await page(`${FHIR}/Observation?subject=${patient.id}&${criteria}=100`);
    assert.equal(expected.ids.length, 13);
    const forward: string[] = [];
    const urls: string[] = [];
    let url: string | undefined = `${FHIR}/Observation?subject=Patient/${patient.id}&${criteria}=5`;
    while (url) {
      urls.push(url);
      const current = await page(url);
      forward.push(...current.ids);
      url = current.next;
    }
    assert.deepEqual(forward, expected.ids);
    let back = await page(urls.at(-1) ?? '');
    const backward = [back.ids];
    while (back.previous) {
      back = await page(back.previous);
      backward.unshift(back.ids);
    }
    assert.deepEqual(backward.flat(), expected.ids);
  });

  it('rejects a malformed cursor with a 400', async () => {
    expectOutcome(await tenant.request({ method: 'GET', url: `${FHIR}/Patient?_cursor=not-a-cursor` }), 400);
  });
});
