import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Parameters, ParametersParameter, ValueSet } from '@medplum/fhirtypes';
import { createTestApp, type TestApp, type TestTenant } from '../../../test/create-test-app.ts';
import { createResource, expectOutcome, FHIR, json } from '../../fhir/fhir-test-support.ts';
import { beginRelease, finishRelease, writeConcepts } from '../store/index.ts';
import { MAX_WHOLE_SYSTEM } from './compose-sql.ts';
import { removeTestTerminology, seedTestTerminology, type TestTerminology } from './terminology-test-support.ts';

function codes(valueSet: ValueSet): string[] {
  return (valueSet.expansion?.contains ?? []).map((entry) => entry.code ?? '');
}

function output(parameters: Parameters, name: string): ParametersParameter | undefined {
  return parameters.parameter?.find((parameter) => parameter.name === name);
}

describe('ValueSet $expand and $validate-code', () => {
  let testApp: TestApp;
  let tenant: TestTenant;
  let terms: TestTerminology;

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
    terms = await seedTestTerminology(testApp.db, 'expand');
  });

  after(async () => {
    await removeTestTerminology(testApp.db, terms);
    await testApp.close();
  });

  /** POST $expand of an inline value set with `compose`, plus other parameters. */
  const expand = (compose: ValueSet['compose'], parameter: ParametersParameter[] = [], path = 'ValueSet/$expand') =>
    tenant.request({
      method: 'POST',
      url: `${FHIR}/${path}`,
      payload: {
        resourceType: 'Parameters',
        parameter: [
          { name: 'valueSet', resource: { resourceType: 'ValueSet', status: 'active', compose } },
          ...parameter,
        ],
      },
    });
  const expanded = async (compose: ValueSet['compose'], parameter: ParametersParameter[] = []) => {
    const response = await expand(compose, parameter);
    assert.equal(response.statusCode, 200, response.body);
    return json<ValueSet>(response);
  };

  it("expands listed concepts in their order, with the value set's displays where it gives them", async () => {
    const valueSet = await expanded({
      include: [
        {
          system: terms.loinc,
          concept: [{ code: '2345-7' }, { code: '4548-4', display: 'HbA1c' }, { code: 'not-a-code' }],
        },
      ],
    });
    assert.deepEqual(valueSet.expansion?.contains, [
      { system: terms.loinc, version: '2.80', code: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma' },
      { system: terms.loinc, version: '2.80', code: '4548-4', display: 'HbA1c' },
    ]);
    assert.equal(valueSet.expansion?.total, 2);
  });

  it('expands is-a and descendent-of filters over the hierarchy, with inactive codes flagged', async () => {
    const isA = await expanded({
      include: [{ system: terms.snomed, filter: [{ property: 'concept', op: 'is-a', value: '73211009' }] }],
    });
    assert.deepEqual(codes(isA).sort(), ['313436004', '44054006', '46635009', '73211009']);
    assert.equal(isA.expansion?.contains?.find((entry) => entry.code === '313436004')?.inactive, true);
    const below = await expanded(
      {
        include: [{ system: terms.snomed, filter: [{ property: 'concept', op: 'descendent-of', value: '73211009' }] }],
      },
      [{ name: 'activeOnly', valueBoolean: true }],
    );
    assert.deepEqual(codes(below).sort(), ['44054006', '46635009']);
  });

  it('filters on stored properties with =, in and regex', async () => {
    const byClass = await expanded({
      include: [{ system: terms.loinc, filter: [{ property: 'CLASS', op: '=', value: 'HEM/BC' }] }],
    });
    assert.deepEqual(codes(byClass), ['17856-6', '4548-4']);
    const byRank = await expanded({
      include: [{ system: terms.loinc, filter: [{ property: 'COMMON_TEST_RANK', op: 'in', value: '4,13' }] }],
    });
    assert.deepEqual(codes(byRank), ['2339-0', '2345-7']);
    const byRegex = await expanded({
      include: [{ system: terms.icd10cm, filter: [{ property: 'code', op: 'regex', value: 'E1[01]' }] }],
    });
    assert.deepEqual(codes(byRegex), ['E10', 'E11']);
  });

  it('imports value sets, removes excluded codes and keeps each code once', async () => {
    const valueSet = await expanded({
      include: [{ valueSet: [terms.diabetesValueSet] }, { system: terms.icd10cm, concept: [{ code: 'E11' }] }],
      exclude: [{ system: terms.snomed, concept: [{ code: '46635009' }] }],
    });
    assert.deepEqual(codes(valueSet).sort(), ['313436004', '44054006', '73211009', 'E10', 'E11', 'E11.9']);
  });

  it('narrows with a typeahead filter, best matches first, and pages with count and offset', async () => {
    const filtered = await expanded({ include: [{ valueSet: [terms.diabetesValueSet] }] }, [
      { name: 'filter', valueString: 'type 2' },
    ]);
    // Displays that start with the text first (shorter first), then those with it further in.
    assert.deepEqual(codes(filtered), ['E11', 'E11.9', '44054006']);
    const byCode = await expanded({ include: [{ system: terms.icd10cm }] }, [{ name: 'filter', valueString: 'e11' }]);
    assert.deepEqual(codes(byCode), ['E11', 'E11.9']);
    // 1. Two pages of the four SNOMED CT diabetes codes
    const compose: ValueSet['compose'] = {
      include: [{ system: terms.snomed, filter: [{ property: 'concept', op: 'is-a', value: '73211009' }] }],
    };
    const first = await expanded(compose, [{ name: 'count', valueInteger: 3 }]);
    const second = await expanded(compose, [
      { name: 'count', valueInteger: 3 },
      { name: 'offset', valueInteger: 3 },
    ]);
    assert.equal(first.expansion?.total, 4);
    assert.equal(second.expansion?.total, 4);
    assert.equal(second.expansion?.offset, 3);
    assert.deepEqual([...codes(first), ...codes(second)].sort(), ['313436004', '44054006', '46635009', '73211009']);
    // 2. Past the end: no codes, the total still given; count=0 only counts.
    const past = await expanded(compose, [{ name: 'offset', valueInteger: 10 }]);
    assert.deepEqual([codes(past), past.expansion?.total], [[], 4]);
    const counted = await expanded(compose, [{ name: 'count', valueInteger: 0 }]);
    assert.deepEqual([codes(counted), counted.expansion?.total], [[], 4]);
  });

  it('includes designations when asked', async () => {
    const valueSet = await expanded({ include: [{ system: terms.snomed, concept: [{ code: '44054006' }] }] }, [
      { name: 'includeDesignations', valueBoolean: true },
    ]);
    const values = valueSet.expansion?.contains?.[0]?.designation?.map((designation) => designation.value);
    assert.deepEqual(values?.sort(), [
      'Diabetes mellitus type 2 (disorder)',
      'Type 2 diabetes mellitus',
      'Type II diabetes mellitus',
    ]);
  });

  it("expands by url: the tenant's ValueSet first, then the shared ones, and the instance form", async () => {
    const shared = json<ValueSet>(
      await tenant.request({
        method: 'GET',
        url: `${FHIR}/ValueSet/$expand?url=${encodeURIComponent(terms.diabetesValueSet)}`,
      }),
    );
    assert.equal(shared.expansion?.total, 7);
    assert.equal(shared.name, 'DiabetesTest');
    // 1. The tenant publishes its own, narrower version of the same URL.
    const own = await createResource(tenant, {
      resourceType: 'ValueSet',
      url: terms.diabetesValueSet,
      status: 'active',
      compose: { include: [{ system: terms.icd10cm, concept: [{ code: 'E11' }, { code: 'E11.9' }] }] },
    });
    const byUrl = json<ValueSet>(
      await tenant.request({
        method: 'GET',
        url: `${FHIR}/ValueSet/$expand?url=${encodeURIComponent(terms.diabetesValueSet)}`,
      }),
    );
    assert.deepEqual(codes(byUrl), ['E11', 'E11.9']);
    const instance = json<ValueSet>(await tenant.request({ method: 'GET', url: `${FHIR}/ValueSet/${own.id}/$expand` }));
    assert.deepEqual(codes(instance), ['E11', 'E11.9']);
    assert.equal(instance.id, own.id);
    // 2. Another tenant still sees the shared one.
    const other = await testApp.createTestTenant();
    const theirs = json<ValueSet>(
      await other.request({
        method: 'GET',
        url: `${FHIR}/ValueSet/$expand?url=${encodeURIComponent(terms.diabetesValueSet)}`,
      }),
    );
    assert.equal(theirs.expansion?.total, 7);
  });

  it('answers 404 for an unknown value set or code system, 400 for a malformed filter', async () => {
    const unknownSet = expectOutcome(
      await tenant.request({ method: 'GET', url: `${FHIR}/ValueSet/$expand?url=http://example.org/vs/none` }),
      404,
    );
    assert.deepEqual(unknownSet.expression, ['url']);
    const unknownSystem = expectOutcome(await expand({ include: [{ system: 'http://example.org/none' }] }), 404);
    assert.deepEqual(unknownSystem.expression, ['ValueSet.compose.include[0].system']);
    const badOp = expectOutcome(
      await expand({
        include: [{ system: terms.snomed, filter: [{ property: 'concept', op: 'near' as 'is-a', value: '1' }] }],
      }),
      400,
    );
    assert.deepEqual(badOp.expression, ['ValueSet.compose.include[0].filter[0].op']);
    const noValue = expectOutcome(
      await expand({ include: [{ system: terms.snomed, filter: [{ property: 'concept', op: 'is-a', value: '' }] }] }),
      400,
    );
    assert.deepEqual(noValue.expression, ['ValueSet.compose.include[0].filter[0]']);
    const unknownCode = expectOutcome(
      await expand({
        include: [{ system: terms.snomed, filter: [{ property: 'concept', op: 'is-a', value: '123' }] }],
      }),
      400,
    );
    assert.match(unknownCode.details?.text ?? '', /"123" is not in/);
    const badRegex = expectOutcome(
      await expand({ include: [{ system: terms.icd10cm, filter: [{ property: 'code', op: 'regex', value: 'E1[' }] }] }),
      400,
    );
    assert.deepEqual(badRegex.expression, ['ValueSet.compose.include[0].filter[0].value']);
    expectOutcome(await tenant.request({ method: 'GET', url: `${FHIR}/ValueSet/$expand?url=x&count=abc` }), 400);
    expectOutcome(await tenant.request({ method: 'GET', url: `${FHIR}/ValueSet/$expand` }), 400);
  });

  it('refuses to expand a whole large code system without a filter, as too costly', async () => {
    const url = `${terms.snomed}:large`;
    await testApp.db.transaction(async (tx) => {
      const release = await beginRelease(tx, { url, version: '1' });
      const concepts = Array.from({ length: MAX_WHOLE_SYSTEM + 1 }, (_, index) => ({
        code: `C${index}`,
        display: `Concept ${index}`,
      }));
      await writeConcepts(tx, release.id, concepts);
      await finishRelease(tx, release);
    });
    const issue = expectOutcome(await expand({ include: [{ system: url }] }), 400);
    assert.equal(issue.code, 'too-costly');
    const filtered = await expanded({ include: [{ system: url }] }, [{ name: 'filter', valueString: 'C1000' }]);
    assert.deepEqual(codes(filtered).slice(0, 2), ['C1000', 'C10000']);
  });

  it('validates codes against a value set: members, non-members and unknown codes', async () => {
    // A tenant of its own: another test gives its tenant a narrower value set under the same URL.
    const reader = await testApp.createTestTenant();
    const check = (system: string, code: string, display?: string) =>
      reader.request({
        method: 'GET',
        url: `${FHIR}/ValueSet/$validate-code?${new URLSearchParams({
          url: terms.diabetesValueSet,
          system,
          code,
          ...(display ? { display } : {}),
        }).toString()}`,
      });
    const member = json<Parameters>(await check(terms.snomed, '44054006'));
    assert.equal(output(member, 'result')?.valueBoolean, true);
    assert.equal(output(member, 'display')?.valueString, 'Diabetes mellitus type 2');
    const outside = json<Parameters>(await check(terms.snomed, '38341003'));
    assert.equal(output(outside, 'result')?.valueBoolean, false);
    assert.match(output(outside, 'message')?.valueString ?? '', /38341003 is not in/);
    const unknown = json<Parameters>(await check(terms.icd10cm, 'E99'));
    assert.match(output(unknown, 'message')?.valueString ?? '', /Unknown code "E99"/);
    const wrongDisplay = json<Parameters>(await check(terms.icd10cm, 'E11', 'Type 1 diabetes mellitus'));
    assert.equal(output(wrongDisplay, 'result')?.valueBoolean, true);
    assert.match(output(wrongDisplay, 'message')?.valueString ?? '', /does not match/);
    expectOutcome(
      await reader.request({
        method: 'GET',
        url: `${FHIR}/ValueSet/$validate-code?url=${encodeURIComponent(terms.diabetesValueSet)}&code=E11`,
      }),
      400,
    );
  });
});
