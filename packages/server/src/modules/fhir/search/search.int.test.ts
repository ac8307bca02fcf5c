import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Bundle, OperationOutcome, Patient, Resource } from '@medplum/fhirtypes';
import { createTestApp, type TestApp, type TestTenant } from '../../../test/create-test-app.ts';
import {
  buildObservation,
  buildPatient,
  createResource,
  expectOutcome,
  FHIR,
  FHIR_BASE_URL,
  json,
} from '../fhir-test-support.ts';

const MRN = 'urn:caregraph:mrn';
const OTHER = 'urn:caregraph:other';
const UCUM = 'http://unitsofmeasure.org';
const LOINC = 'http://loinc.org';

describe('FHIR search', () => {
  let testApp: TestApp;
  let tenant: TestTenant;
  /** Test data by name, and names by id, so assertions read as names. */
  const ids: Record<string, string> = {};
  const names = new Map<string, string>();

  async function add(name: string, resource: Resource): Promise<string> {
    const created = await createResource(tenant, resource);
    ids[name] = created.id;
    names.set(created.id, name);
    return created.id;
  }

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
    const anna = await add(
      'anna',
      buildPatient({
        identifier: [{ system: MRN, value: 'A-1' }],
        name: [{ family: 'Müller', given: ['Anna'] }],
        gender: 'female',
        birthDate: '1980-05-17',
        meta: {
          tag: [{ system: 'urn:caregraph:tags', code: 'vip' }],
          profile: ['http://example.org/fhir/StructureDefinition/vip-patient'],
        },
      }),
    );
    const john = await add(
      'john',
      buildPatient({
        identifier: [{ system: MRN, value: 'B-2' }, { value: 'no-system' }],
        name: [{ family: 'Smith', given: ['John'] }],
        gender: 'male',
        birthDate: '1990-01-01',
      }),
    );
    await add(
      'jane',
      buildPatient({
        identifier: [{ system: OTHER, value: 'a,b|c' }],
        name: [{ family: 'Smithers', given: ['Jane'] }],
        gender: 'female',
        birthDate: '2000-12-31',
      }),
    );
    await add(
      'bob',
      buildPatient({
        identifier: [{ system: MRN, value: 'D-4' }],
        name: [{ family: 'Blacksmith', given: ['Bob'] }],
        gender: undefined,
        birthDate: '1975-07',
      }),
    );
    const eve = await add('eve', buildPatient({ name: [{ family: 'Smithson' }], gender: 'female' }));
    assert.equal((await tenant.request({ method: 'DELETE', url: `${FHIR}/Patient/${eve}` })).statusCode, 204);

    await add(
      'annaPulse',
      buildObservation(anna, {
        effectiveDateTime: '2024-03-01T10:00:00+02:00',
        valueQuantity: { value: 72, unit: 'beats/minute', system: UCUM, code: '/min' },
      }),
    );
    await add(
      'annaWeight',
      buildObservation(anna, {
        code: { coding: [{ system: LOINC, code: '29463-7', display: 'Body weight' }], text: 'Body weight' },
        effectiveDateTime: '2024-02-10',
        valueQuantity: { value: 100.5, unit: 'kg', system: UCUM, code: 'kg' },
      }),
    );
    await add(
      'johnPulse',
      buildObservation(john, {
        effectiveDateTime: '2023-12-31T23:30:00-05:00',
        valueQuantity: { value: 130, unit: 'beats/minute', system: UCUM, code: '/min' },
      }),
    );
    await add('colors', { resourceType: 'ValueSet', status: 'active', url: 'http://example.org/fhir/ValueSet/colors' });
    await add('risk', {
      resourceType: 'RiskAssessment',
      status: 'final',
      subject: { reference: `Patient/${john}` },
      prediction: [{ probabilityDecimal: 0.8 }],
    });
  });

  after(() => testApp.close());

  /** The names of the matches of `GET /{type}?{query}`, sorted unless the query sorts. */
  async function search(type: string, query: string): Promise<string[]> {
    const response = await tenant.request({ method: 'GET', url: `${FHIR}/${type}?${query}` });
    assert.equal(response.statusCode, 200, `${query}: ${response.body}`);
    const bundle = json<Bundle>(response);
    assert.equal(bundle.type, 'searchset');
    const found = (bundle.entry ?? [])
      .filter((entry) => entry.search?.mode === 'match')
      .map((entry) => names.get(entry.resource?.id ?? '') ?? `unknown ${entry.resource?.id}`);
    return query.includes('_sort=') ? found : found.sort();
  }

  const patients = (query: string) => search('Patient', query);
  const observations = (query: string) => search('Observation', query);

  describe('token parameters', () => {
    it('matches a code in any system', async () => {
      assert.deepEqual(await patients('gender=female'), ['anna', 'jane']);
      assert.deepEqual(await patients('gender=female,male'), ['anna', 'jane', 'john']);
    });

    it('matches system|code, |code (no system) and system| (any code)', async () => {
      assert.deepEqual(await patients(`identifier=${MRN}|B-2`), ['john']);
      assert.deepEqual(await patients(`identifier=${OTHER}|B-2`), []);
      assert.deepEqual(await patients('identifier=|no-system'), ['john']);
      assert.deepEqual(await patients('identifier=|B-2'), []);
      assert.deepEqual(await patients(`identifier=${MRN}|`), ['anna', 'bob', 'john']);
      assert.deepEqual(await observations(`code=${LOINC}|29463-7`), ['annaWeight']);
    });

    it('unescapes commas and bars in token values', async () => {
      assert.deepEqual(await patients(`identifier=${encodeURIComponent(`${OTHER}|a\\,b\\|c`)}`), ['jane']);
    });

    it('matches :not, including resources with no value at all', async () => {
      assert.deepEqual(await patients('gender:not=female'), ['bob', 'john']);
    });

    it('matches :missing', async () => {
      assert.deepEqual(await patients('gender:missing=true'), ['bob']);
      assert.deepEqual(await patients('gender:missing=false'), ['anna', 'jane', 'john']);
    });

    it('matches :text against the display, as a case-insensitive prefix', async () => {
      assert.deepEqual(await observations('code:text=BODY'), ['annaWeight']);
    });

    it('matches _tag, a parameter every resource type has', async () => {
      assert.deepEqual(await patients('_tag=urn:caregraph:tags|vip'), ['anna']);
    });
  });

  describe('string parameters', () => {
    it('matches the start of a value by default', async () => {
      assert.deepEqual(await patients('family=smith'), ['jane', 'john']);
      assert.deepEqual(await patients('name=jo'), ['john']);
    });

    it('ignores case and accents', async () => {
      assert.deepEqual(await patients('family=MULLER'), ['anna']);
      assert.deepEqual(await patients(`family=${encodeURIComponent('müll')}`), ['anna']);
    });

    it('matches the whole value, with case and accents, under :exact', async () => {
      assert.deepEqual(await patients(`family:exact=${encodeURIComponent('Müller')}`), ['anna']);
      assert.deepEqual(await patients('family:exact=muller'), []);
      assert.deepEqual(await patients('family:exact=Smith'), ['john']);
    });

    it('matches anywhere in the value under :contains', async () => {
      assert.deepEqual(await patients('family:contains=MITH'), ['bob', 'jane', 'john']);
    });

    it('ORs comma-separated values', async () => {
      assert.deepEqual(await patients('family=blacksmith,smithers'), ['bob', 'jane']);
    });
  });

  describe('reference parameters', () => {
    it('matches by id, Type/id, absolute URL and a :Type modifier', async () => {
      const anna = ids.anna ?? '';
      for (const query of [
        `subject=Patient/${anna}`,
        `subject=${anna}`,
        `subject:Patient=${anna}`,
        `subject=${FHIR_BASE_URL}/Patient/${anna}`,
        `patient=${anna}`,
      ]) {
        assert.deepEqual(await observations(query), ['annaPulse', 'annaWeight'], query);
      }
      assert.deepEqual(await observations(`subject:Group=${anna}`), []);
    });
  });

  describe('date parameters', () => {
    it('matches a value within the precision of the search value', async () => {
      assert.deepEqual(await patients('birthdate=1980'), ['anna']);
      assert.deepEqual(await patients('birthdate=1980-05'), ['anna']);
      assert.deepEqual(await patients('birthdate=1980-05-17'), ['anna']);
      assert.deepEqual(await patients('birthdate=1980-05-18'), []);
      // A month-precision birth date is not inside a single day.
      assert.deepEqual(await patients('birthdate=1975-07-07'), []);
      assert.deepEqual(await patients('birthdate=1975'), ['bob']);
    });

    it('applies the comparison prefixes to ranges', async () => {
      assert.deepEqual(await patients('birthdate=ge1990-01-01'), ['jane', 'john']);
      assert.deepEqual(await patients('birthdate=gt1990-01-01'), ['jane']);
      assert.deepEqual(await patients('birthdate=lt1990'), ['anna', 'bob']);
      assert.deepEqual(await patients('birthdate=le1990-01-01'), ['anna', 'bob', 'john']);
      assert.deepEqual(await patients('birthdate=ne1980'), ['bob', 'jane', 'john']);
      assert.deepEqual(await patients('birthdate=sa1990'), ['jane']);
      assert.deepEqual(await patients('birthdate=eb1980'), ['bob']);
      assert.deepEqual(await patients('birthdate=ge1980&birthdate=lt2000'), ['anna', 'john']);
    });

    it('compares instants in UTC whatever time zone they were written in', async () => {
      // 2023-12-31T23:30:00-05:00 is 2024-01-01T04:30:00Z.
      assert.deepEqual(await observations('date=2024-01-01'), ['johnPulse']);
      assert.deepEqual(await observations('date=2023-12-31'), []);
      // 2024-03-01T10:00:00+02:00 is 08:00 UTC.
      assert.deepEqual(await observations(`date=${encodeURIComponent('2024-03-01T08:00:00Z')}`), ['annaPulse']);
      assert.deepEqual(await observations('date=ge2024-02&date=lt2024-03'), ['annaWeight']);
    });
  });

  describe('quantity and number parameters', () => {
    it('matches a quantity within the precision of the search value', async () => {
      assert.deepEqual(await observations('value-quantity=72'), ['annaPulse']);
      assert.deepEqual(await observations('value-quantity=100'), []);
      assert.deepEqual(await observations('value-quantity=100.5'), ['annaWeight']);
      // In exponent form the precision scales with the exponent: 1e2 is [50, 150), 1.005e2 is [100.45, 100.55).
      assert.deepEqual(await observations('value-quantity=1e2'), ['annaPulse', 'annaWeight', 'johnPulse']);
      assert.deepEqual(await observations('value-quantity=1.005e2'), ['annaWeight']);
    });

    it('applies prefixes and an optional system and unit', async () => {
      assert.deepEqual(await observations('value-quantity=gt80'), ['annaWeight', 'johnPulse']);
      assert.deepEqual(await observations(`value-quantity=${encodeURIComponent(`gt80|${UCUM}|/min`)}`), ['johnPulse']);
      assert.deepEqual(await observations(`value-quantity=${encodeURIComponent('le100.5||kg')}`), ['annaWeight']);
      assert.deepEqual(await observations(`value-quantity=${encodeURIComponent('lt200|http://other.org|/min')}`), []);
    });

    it('matches numbers', async () => {
      assert.deepEqual(await search('RiskAssessment', 'probability=gt0.5'), ['risk']);
      assert.deepEqual(await search('RiskAssessment', 'probability=lt0.5'), []);
    });
  });

  describe('uri parameters', () => {
    it('matches a uri exactly, or below a prefix', async () => {
      assert.deepEqual(await search('ValueSet', 'url=http://example.org/fhir/ValueSet/colors'), ['colors']);
      assert.deepEqual(await search('ValueSet', 'url=http://example.org/fhir'), []);
      assert.deepEqual(await search('ValueSet', 'url:below=http://example.org/fhir'), ['colors']);
      assert.deepEqual(await patients('_profile=http://example.org/fhir/StructureDefinition/vip-patient'), ['anna']);
    });
  });

  describe('_id and _lastUpdated', () => {
    it('matches one or several ids', async () => {
      assert.deepEqual(await patients(`_id=${ids.anna}`), ['anna']);
      assert.deepEqual(await patients(`_id=${ids.anna},${ids.bob},unknown`), ['anna', 'bob']);
    });

    it('never finds a deleted resource', async () => {
      assert.deepEqual(await patients(`_id=${ids.eve}`), []);
      assert.deepEqual(await patients('family=smithson'), []);
    });

    it('matches the time of the last update', async () => {
      const read = json<Patient>(await tenant.request({ method: 'GET', url: `${FHIR}/Patient/${ids.bob}` }));
      const lastUpdated = read.meta?.lastUpdated ?? '';
      assert.deepEqual(await patients(`_id=${ids.bob}&_lastUpdated=${encodeURIComponent(lastUpdated)}`), ['bob']);
      assert.deepEqual(await patients(`_id=${ids.bob}&_lastUpdated=gt${encodeURIComponent(lastUpdated)}`), []);
      assert.deepEqual(await patients(`_id=${ids.bob}&_lastUpdated=lt2000`), []);
      assert.deepEqual(await patients(`_id=${ids.bob}&_lastUpdated=ge2000`), ['bob']);
    });
  });

  describe('result parameters', () => {
    it('pages with _count, and the next links visit every match once', async () => {
      const seen: string[] = [];
      let url: string | undefined = `${FHIR}/Patient?_count=2&_sort=birthdate`;
      let pages = 0;
      while (url) {
        const bundle: Bundle = json<Bundle>(await tenant.request({ method: 'GET', url }));
        assert.ok((bundle.entry?.length ?? 0) <= 2);
        seen.push(...(bundle.entry ?? []).map((entry) => names.get(entry.resource?.id ?? '') ?? '?'));
        const next: string | undefined = bundle.link?.find((link) => link.relation === 'next')?.url;
        assert.ok(!next || next.startsWith(`${FHIR_BASE_URL}/Patient?`), next);
        url = next?.replace(FHIR_BASE_URL, FHIR);
        pages++;
      }
      assert.equal(pages, 2);
      assert.deepEqual(seen, ['bob', 'anna', 'john', 'jane']);
    });

    it('sorts by one or several parameters, ascending or descending', async () => {
      assert.deepEqual(await patients('_sort=family'), ['bob', 'anna', 'john', 'jane']);
      assert.deepEqual(await patients('_sort=-birthdate'), ['jane', 'john', 'anna', 'bob']);
      assert.deepEqual(await patients('_sort=gender,-birthdate'), ['jane', 'anna', 'john', 'bob']);
    });

    it('reports the total only when asked, and _summary=count gives only the total', async () => {
      const plain = json<Bundle>(await tenant.request({ method: 'GET', url: `${FHIR}/Patient?_count=1` }));
      assert.equal(plain.total, undefined);
      const accurate = json<Bundle>(
        await tenant.request({ method: 'GET', url: `${FHIR}/Patient?_count=1&_total=accurate` }),
      );
      assert.equal(accurate.total, 4);
      assert.equal(accurate.entry?.length, 1);
      const count = json<Bundle>(
        await tenant.request({ method: 'GET', url: `${FHIR}/Patient?gender=female&_summary=count` }),
      );
      assert.equal(count.total, 2);
      assert.deepEqual(count.entry, []);
    });

    it('searches with POST _search and a form body', async () => {
      const response = await tenant.request({
        method: 'POST',
        url: `${FHIR}/Patient/_search`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'family=smith&gender=male',
      });
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(
        json<Bundle>(response).entry?.map((entry) => names.get(entry.resource?.id ?? '')),
        ['john'],
      );
    });
  });

  describe('errors', () => {
    it('refuses an unknown parameter with 400 naming it', async () => {
      const response = await tenant.request({ method: 'GET', url: `${FHIR}/Patient?family=smith&shoe-size=42` });
      const issue = expectOutcome(response, 400);
      assert.deepEqual(issue.expression, ['shoe-size']);
      assert.match(issue.details?.text ?? '', /Unknown search parameter "shoe-size"/);
    });

    it('refuses an unsupported modifier, a bad date and a bad number with 400 naming them', async () => {
      const cases: Array<[string, string, RegExp]> = [
        ['Patient?family:below=x', 'family:below', /Unsupported modifier :below/],
        ['Patient?birthdate=1980-13', 'birthdate', /Invalid date value "1980-13"/],
        ['Observation?value-quantity=lots', 'value-quantity', /Invalid number value "lots"/],
        ['Patient?_count=-5', '_count', /Invalid _count/],
        ['Patient?_sort=shoe-size', '_sort', /Unknown sort parameter/],
      ];
      for (const [url, expression, text] of cases) {
        const issue = expectOutcome(await tenant.request({ method: 'GET', url: `${FHIR}/${url}` }), 400);
        assert.deepEqual(issue.expression, [expression], url);
        assert.match(issue.details?.text ?? '', text, url);
      }
    });

    it('ignores unknown parameters under Prefer: handling=lenient and says so in an outcome entry', async () => {
      const response = await tenant.request({
        method: 'GET',
        url: `${FHIR}/Patient?family=smith&shoe-size=42&_count=1`,
        headers: { prefer: 'handling=lenient' },
      });
      assert.equal(response.statusCode, 200, response.body);
      const bundle = json<Bundle>(response);
      const matches = bundle.entry?.filter((entry) => entry.search?.mode === 'match') ?? [];
      assert.equal(matches.length, 1);
      const outcomes = bundle.entry?.filter((entry) => entry.search?.mode === 'outcome') ?? [];
      assert.equal(outcomes.length, 1);
      const issue = (outcomes[0]?.resource as OperationOutcome).issue?.[0];
      assert.equal(issue?.severity, 'warning');
      assert.deepEqual(issue?.expression, ['shoe-size']);
      // Paging links leave the ignored parameter out.
      const next = bundle.link?.find((link) => link.relation === 'next')?.url ?? '';
      assert.ok(next.includes('family=smith') && !next.includes('shoe-size'), next);
    });

    it('refuses a search on an unknown resource type', async () => {
      const issue = expectOutcome(await tenant.request({ method: 'GET', url: `${FHIR}/Spaceship?name=x` }), 400);
      assert.match(issue.details?.text ?? '', /Unknown resource type "Spaceship"/);
    });
  });
});
