import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { createTestApp, type TestApp, type TestTenant } from '../../../test/create-test-app.ts';
import { createResource, expectOutcome, FHIR, json } from '../../fhir/fhir-test-support.ts';
import { removeTestTerminology, seedTestTerminology, type TestTerminology } from './terminology-test-support.ts';

/** The value of the first output parameter `name`. */
function output(parameters: Parameters, name: string): ParametersParameter | undefined {
  return parameters.parameter?.find((parameter) => parameter.name === name);
}

/** `property` groups as `code=value` strings, for compact assertions. */
function properties(parameters: Parameters): string[] {
  return (parameters.parameter ?? [])
    .filter((parameter) => parameter.name === 'property')
    .map((parameter) => {
      const code = parameter.part?.find((part) => part.name === 'code')?.valueCode;
      const value = parameter.part?.find((part) => part.name === 'value');
      const text = value?.valueCode ?? value?.valueString ?? value?.valueBoolean ?? value?.valueInteger;
      return `${code ?? ''}=${String(text)}`;
    });
}

describe('CodeSystem $lookup, $validate-code and $subsumes', () => {
  let testApp: TestApp;
  let tenant: TestTenant;
  let terms: TestTerminology;

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
    terms = await seedTestTerminology(testApp.db, 'lookup');
  });

  after(async () => {
    await removeTestTerminology(testApp.db, terms);
    await testApp.close();
  });

  const get = (path: string, query: Record<string, string>) =>
    tenant.request({ method: 'GET', url: `${FHIR}/${path}?${new URLSearchParams(query).toString()}` });
  const post = (path: string, parameter: ParametersParameter[]) =>
    tenant.request({ method: 'POST', url: `${FHIR}/${path}`, payload: { resourceType: 'Parameters', parameter } });

  it('looks up LOINC 4548-4 with its display, designations and stored properties', async () => {
    const response = await get('CodeSystem/$lookup', { system: terms.loinc, code: '4548-4' });
    assert.equal(response.statusCode, 200, response.body);
    const result = json<Parameters>(response);
    assert.equal(output(result, 'name')?.valueString, 'LOINC (test)');
    assert.equal(output(result, 'version')?.valueString, '2.80');
    assert.equal(output(result, 'display')?.valueString, 'Hemoglobin A1c/Hemoglobin.total in Blood');
    const designation = output(result, 'designation');
    assert.deepEqual(
      designation?.part?.find((part) => part.name === 'value'),
      { name: 'value', valueString: 'Hgb A1c MFr Bld' },
    );
    assert.deepEqual(properties(result), ['inactive=false', 'CLASS=HEM/BC', 'COMMON_TEST_RANK=81']);
  });

  it('reports parents, children and status of SNOMED CT 44054006, and only the properties asked for', async () => {
    const all = json<Parameters>(await get('CodeSystem/$lookup', { system: terms.snomed, code: '44054006' }));
    assert.deepEqual(properties(all), ['parent=73211009', 'child=313436004', 'inactive=false']);
    assert.equal(all.parameter?.filter((parameter) => parameter.name === 'designation').length, 3);
    // 1. POST with a Coding and two property parameters
    const response = await post('CodeSystem/$lookup', [
      { name: 'coding', valueCoding: { system: terms.snomed, code: '313436004' } },
      { name: 'property', valueCode: 'parent' },
      { name: 'property', valueCode: 'inactive' },
    ]);
    assert.equal(response.statusCode, 200, response.body);
    const some = json<Parameters>(response);
    assert.deepEqual(properties(some), ['parent=44054006', 'inactive=true']);
    assert.equal(output(some, 'designation'), undefined);
  });

  it('answers 404 for an unknown code or code system, 400 without a system', async () => {
    const unknownCode = expectOutcome(await get('CodeSystem/$lookup', { system: terms.loinc, code: '9999-9' }), 404);
    assert.match(unknownCode.details?.text ?? '', /"9999-9" is not in/);
    assert.deepEqual(unknownCode.expression, ['code']);
    const unknownSystem = expectOutcome(
      await get('CodeSystem/$lookup', { system: 'http://example.org/no-such-system', code: '1' }),
      404,
    );
    assert.match(unknownSystem.details?.text ?? '', /no-such-system is not known/);
    expectOutcome(await get('CodeSystem/$lookup', { code: '4548-4' }), 400);
  });

  it('validates CVX 208 as a known but inactive code, with its display', async () => {
    const response = await get('CodeSystem/$validate-code', { url: terms.cvx, code: '208' });
    const result = json<Parameters>(response);
    assert.equal(output(result, 'result')?.valueBoolean, true);
    assert.equal(output(result, 'display')?.valueString, 'COVID-19, mRNA, LNP-S, PF, 30 mcg/0.3 mL dose');
    assert.match(output(result, 'message')?.valueString ?? '', /is inactive/);
  });

  it('keeps a code with a wrong display valid and warns about the display', async () => {
    const result = json<Parameters>(
      await get('CodeSystem/$validate-code', { url: terms.loinc, code: '4548-4', display: 'Glucose' }),
    );
    assert.equal(output(result, 'result')?.valueBoolean, true);
    assert.match(output(result, 'message')?.valueString ?? '', /Display "Glucose" does not match/);
    // A synonym is an acceptable display, whatever its case.
    const synonym = json<Parameters>(
      await get('CodeSystem/$validate-code', {
        url: terms.snomed,
        code: '44054006',
        display: 'type ii diabetes mellitus',
      }),
    );
    assert.equal(output(synonym, 'result')?.valueBoolean, true);
    assert.equal(output(synonym, 'message'), undefined);
  });

  it('answers result=false with a message for an unknown code or code system', async () => {
    const unknownCode = json<Parameters>(await get('CodeSystem/$validate-code', { url: terms.cvx, code: '99999' }));
    assert.equal(output(unknownCode, 'result')?.valueBoolean, false);
    assert.match(output(unknownCode, 'message')?.valueString ?? '', /Unknown code "99999"/);
    const unknownSystem = json<Parameters>(
      await get('CodeSystem/$validate-code', { url: 'http://example.org/none', code: '1' }),
    );
    assert.equal(output(unknownSystem, 'result')?.valueBoolean, false);
    assert.match(output(unknownSystem, 'message')?.valueString ?? '', /is not known to this server/);
  });

  it('validates a CodeableConcept when one of its codings is in the code system', async () => {
    const response = await post('CodeSystem/$validate-code', [
      { name: 'url', valueUri: terms.icd10cm },
      {
        name: 'codeableConcept',
        valueCodeableConcept: {
          coding: [
            { system: terms.snomed, code: '44054006' },
            { system: terms.icd10cm, code: 'E11.9' },
          ],
        },
      },
    ]);
    const result = json<Parameters>(response);
    assert.equal(output(result, 'result')?.valueBoolean, true, response.body);
    assert.equal(output(result, 'display')?.valueString, 'Type 2 diabetes mellitus without complications');
  });

  it('tests subsumption over the is-a hierarchy', async () => {
    const outcomeOf = async (codeA: string, codeB: string) =>
      output(json<Parameters>(await get('CodeSystem/$subsumes', { system: terms.snomed, codeA, codeB })), 'outcome')
        ?.valueCode;
    assert.equal(await outcomeOf('73211009', '44054006'), 'subsumes');
    assert.equal(await outcomeOf('44054006', '73211009'), 'subsumed-by');
    assert.equal(await outcomeOf('362969004', '313436004'), 'subsumes');
    assert.equal(await outcomeOf('44054006', '44054006'), 'equivalent');
    assert.equal(await outcomeOf('44054006', '38341003'), 'not-subsumed');
    const unknown = expectOutcome(
      await get('CodeSystem/$subsumes', { system: terms.snomed, codeA: '1', codeB: '44054006' }),
      404,
    );
    assert.deepEqual(unknown.expression, ['codeA']);
  });

  it("answers the instance forms from the tenant's own CodeSystem resource", async () => {
    const codeSystem = await createResource(tenant, {
      resourceType: 'CodeSystem',
      url: 'http://clinic.example.org/CodeSystem/visit-reason',
      status: 'active',
      content: 'complete',
      name: 'VisitReason',
      concept: [
        {
          code: 'checkup',
          display: 'Routine check-up',
          concept: [{ code: 'annual', display: 'Annual physical' }],
        },
        { code: 'follow-up', display: 'Follow-up visit' },
      ],
    });
    const lookup = json<Parameters>(await get(`CodeSystem/${codeSystem.id}/$lookup`, { code: 'annual' }));
    assert.equal(output(lookup, 'display')?.valueString, 'Annual physical');
    assert.deepEqual(properties(lookup), ['parent=checkup', 'inactive=false']);
    const subsumes = json<Parameters>(
      await get(`CodeSystem/${codeSystem.id}/$subsumes`, { codeA: 'checkup', codeB: 'annual' }),
    );
    assert.equal(output(subsumes, 'outcome')?.valueCode, 'subsumes');
    // 2. The type-level form finds the resource by its url too.
    const validated = json<Parameters>(
      await get('CodeSystem/$validate-code', {
        url: 'http://clinic.example.org/CodeSystem/visit-reason',
        code: 'follow-up',
      }),
    );
    assert.equal(output(validated, 'result')?.valueBoolean, true);
    expectOutcome(await get('CodeSystem/no-such-id/$lookup', { code: 'annual' }), 404);
  });

  it('refuses unknown, repeated, unsupported and ill-typed parameters with a 400 naming them', async () => {
    const unknown = expectOutcome(
      await get('CodeSystem/$lookup', { system: terms.loinc, code: '4548-4', foo: '1' }),
      400,
    );
    assert.deepEqual(unknown.expression, ['foo']);
    const unsupported = expectOutcome(
      await get('CodeSystem/$lookup', { system: terms.loinc, code: '4548-4', date: '2020-01-01' }),
      400,
    );
    assert.match(unsupported.details?.text ?? '', /"date" of \$lookup is not supported/);
    const repeated = expectOutcome(
      await tenant.request({ method: 'GET', url: `${FHIR}/CodeSystem/$lookup?code=a&code=b&system=x` }),
      400,
    );
    assert.match(repeated.details?.text ?? '', /may appear once/);
    const badBody = expectOutcome(
      await post('CodeSystem/$lookup', [{ name: 'coding', valueString: 'not a coding' }]),
      400,
    );
    assert.deepEqual(badBody.expression, ['Parameters.parameter[0]']);
    expectOutcome(await tenant.request({ method: 'DELETE', url: `${FHIR}/CodeSystem/$lookup` }), 405);
  });
});
