import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Coding, Parameters } from '@medplum/fhirtypes';
import { createTestApp, type TestApp, type TestTenant } from '../../../test/create-test-app.ts';
import { createResource, expectOutcome, FHIR, json } from '../../fhir/fhir-test-support.ts';
import { removeTestTerminology, seedTestTerminology, type TestTerminology } from './terminology-test-support.ts';

type Match = { equivalence?: string; concept?: Coding; source?: string };

function matches(parameters: Parameters): Match[] {
  return (parameters.parameter ?? [])
    .filter((parameter) => parameter.name === 'match')
    .map((parameter) => ({
      equivalence: parameter.part?.find((part) => part.name === 'equivalence')?.valueCode,
      concept: parameter.part?.find((part) => part.name === 'concept')?.valueCoding,
      source: parameter.part?.find((part) => part.name === 'source')?.valueUri,
    }));
}

function result(parameters: Parameters): boolean | undefined {
  return parameters.parameter?.find((parameter) => parameter.name === 'result')?.valueBoolean;
}

describe('ConceptMap $translate', () => {
  let testApp: TestApp;
  let tenant: TestTenant;
  let terms: TestTerminology;

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
    terms = await seedTestTerminology(testApp.db, 'translate');
  });

  after(async () => {
    await removeTestTerminology(testApp.db, terms);
    await testApp.close();
  });

  const translate = async (query: Record<string, string>, path = 'ConceptMap/$translate') => {
    const response = await tenant.request({
      method: 'GET',
      url: `${FHIR}/${path}?${new URLSearchParams(query).toString()}`,
    });
    assert.equal(response.statusCode, 200, response.body);
    return json<Parameters>(response);
  };

  it('translates SNOMED CT 44054006 to ICD-10-CM E11.9 through a shared map, with the target display', async () => {
    const answer = await translate({ url: terms.snomedToIcd, system: terms.snomed, code: '44054006' });
    assert.equal(result(answer), true);
    assert.deepEqual(matches(answer), [
      {
        equivalence: 'equivalent',
        concept: { system: terms.icd10cm, code: 'E11.9', display: 'Type 2 diabetes mellitus without complications' },
        source: terms.snomedToIcd,
      },
    ]);
  });

  it('translates in reverse, and narrows to a target system', async () => {
    const reverse = await translate({ system: terms.icd10cm, code: 'E10', reverse: 'true' });
    assert.deepEqual(
      matches(reverse).map((match) => [match.equivalence, match.concept?.code, match.concept?.display]),
      [['wider', '46635009', 'Diabetes mellitus type 1']],
    );
    const elsewhere = await translate({ system: terms.snomed, code: '44054006', targetsystem: terms.loinc });
    assert.equal(result(elsewhere), false);
    assert.deepEqual(matches(elsewhere), []);
  });

  it('answers result=false for an unmatched or unmapped code', async () => {
    const unmatched = await translate({ system: terms.snomed, code: '38341003' });
    assert.equal(result(unmatched), false);
    // An unmatched row says the code has no counterpart: a match without a concept.
    assert.deepEqual(matches(unmatched), [{ equivalence: 'unmatched', concept: undefined, source: terms.snomedToIcd }]);
    const unmapped = await translate({ system: terms.snomed, code: '362969004' });
    assert.equal(result(unmapped), false);
    const message = unmapped.parameter?.find((parameter) => parameter.name === 'message')?.valueString;
    assert.match(message ?? '', /No translation of .*#362969004/);
  });

  it("translates with the tenant's own ConceptMap, found by url, by code, or as the instance", async () => {
    const map = await createResource(tenant, {
      resourceType: 'ConceptMap',
      url: `${terms.base}:map:cvx-local`,
      status: 'active',
      group: [
        {
          source: terms.cvx,
          target: 'http://clinic.example.org/CodeSystem/vaccine',
          element: [
            { code: '208', target: [{ code: 'pfizer-30', display: 'Pfizer 30 mcg', equivalence: 'equivalent' }] },
          ],
        },
      ],
    });
    const expected = {
      equivalence: 'equivalent',
      concept: { system: 'http://clinic.example.org/CodeSystem/vaccine', code: 'pfizer-30', display: 'Pfizer 30 mcg' },
      source: `${terms.base}:map:cvx-local`,
    };
    const byUrl = await translate({ url: `${terms.base}:map:cvx-local`, system: terms.cvx, code: '208' });
    assert.deepEqual(matches(byUrl), [expected]);
    const byCode = await translate({ system: terms.cvx, code: '208' });
    assert.deepEqual(matches(byCode), [expected]);
    const instance = await translate({ system: terms.cvx, code: '208' }, `ConceptMap/${map.id}/$translate`);
    assert.equal(result(instance), true);
    const reverse = await translate({
      system: 'http://clinic.example.org/CodeSystem/vaccine',
      code: 'pfizer-30',
      reverse: 'true',
    });
    assert.deepEqual(
      matches(reverse).map((match) => match.concept?.code),
      ['208'],
    );
  });

  it('keeps only translations into the target value set', async () => {
    const inSet = await translate({
      system: terms.snomed,
      code: '44054006',
      target: terms.diabetesValueSet,
    });
    assert.equal(matches(inSet).length, 1);
    const other = await createResource(tenant, {
      resourceType: 'ValueSet',
      url: `${terms.base}:vs:type-1`,
      status: 'active',
      compose: { include: [{ system: terms.icd10cm, concept: [{ code: 'E10' }] }] },
    });
    const outside = await translate({ system: terms.snomed, code: '44054006', target: other.url ?? '' });
    assert.equal(result(outside), false);
  });

  it('answers 404 for an unknown map and 400 without a code', async () => {
    const unknown = expectOutcome(
      await tenant.request({
        method: 'GET',
        url: `${FHIR}/ConceptMap/$translate?url=http://example.org/map/none&system=x&code=1`,
      }),
      404,
    );
    assert.deepEqual(unknown.expression, ['url']);
    expectOutcome(await tenant.request({ method: 'GET', url: `${FHIR}/ConceptMap/$translate?system=x` }), 400);
  });
});
