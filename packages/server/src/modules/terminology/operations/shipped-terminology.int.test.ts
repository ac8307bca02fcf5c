import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Parameters, ValueSet } from '@medplum/fhirtypes';
import { createTestApp, type TestApp, type TestTenant } from '../../../test/create-test-app.ts';
import { expectOutcome, FHIR, json } from '../../fhir/fhir-test-support.ts';
import { loadShippedTerminology } from '../shipped.ts';
import type { TypeaheadItem } from '../typeahead/search-concepts.ts';

const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';
const CVX = 'http://hl7.org/fhir/sid/cvx';
const ICD10CM = 'http://hl7.org/fhir/sid/icd-10-cm';

function output(parameters: Parameters, name: string) {
  return parameters.parameter?.find((parameter) => parameter.name === name);
}

describe('terminology operations on the shipped code systems', () => {
  let testApp: TestApp;
  let tenant: TestTenant;

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
    // Idempotent and at fixed versions, so test files may load it side by side on one database.
    await loadShippedTerminology(testApp.db, { only: ['loinc', 'snomed-gps', 'cvx', 'icd10cm'] });
  });

  after(() => testApp.close());

  const get = async (url: string) => {
    const response = await tenant.request({ method: 'GET', url });
    assert.equal(response.statusCode, 200, response.body);
    return response;
  };

  it('looks up LOINC 4548-4, SNOMED CT 44054006 and CVX 208 out of the box', async () => {
    const hba1c = json<Parameters>(await get(`${FHIR}/CodeSystem/$lookup?system=${LOINC}&code=4548-4`));
    assert.equal(output(hba1c, 'display')?.valueString, 'Hemoglobin A1c/Hemoglobin.total in Blood');
    const diabetes = json<Parameters>(
      await get(`${FHIR}/CodeSystem/$validate-code?url=${SNOMED}&code=44054006&display=Diabetes mellitus type 2`),
    );
    assert.equal(output(diabetes, 'result')?.valueBoolean, true);
    assert.equal(output(diabetes, 'message'), undefined);
    const covid = json<Parameters>(await get(`${FHIR}/CodeSystem/$lookup?system=${CVX}&code=208&property=parent`));
    assert.equal(output(covid, 'display')?.valueString, 'COVID-19, mRNA, LNP-S, PF, 30 mcg/0.3 mL dose');
    assert.deepEqual(
      covid.parameter?.filter((parameter) => parameter.name === 'property').map((parameter) => parameter.part?.[1]),
      [{ name: 'value', valueCode: '213' }],
    );
  });

  it('expands the ICD-10-CM diabetes categories with a typeahead filter', async () => {
    const valueSet = json<ValueSet>(
      await get(`${FHIR}/ValueSet/$expand?url=${encodeURIComponent(`${ICD10CM}?fhir_vs`)}&filter=E11`),
    );
    assert.deepEqual(valueSet.expansion?.contains?.[0], {
      system: ICD10CM,
      version: '2026',
      code: 'E11',
      display: 'Type 2 diabetes mellitus',
    });
  });

  it('refuses to expand all of the SNOMED CT Global Patient Set without a filter', async () => {
    const issue = expectOutcome(
      await tenant.request({
        method: 'GET',
        url: `${FHIR}/ValueSet/$expand?url=${encodeURIComponent(`${SNOMED}?fhir_vs`)}`,
      }),
      400,
    );
    assert.equal(issue.code, 'too-costly');
  });

  it('suggests the shipped concepts as a clinician types', async () => {
    const response = await get(`/api/terminology/search?q=hemoglobin%20a1c&system=${encodeURIComponent(LOINC)}`);
    const { items } = JSON.parse(response.body) as { items: TypeaheadItem[] };
    assert.equal(items[0]?.code, '4548-4');
    assert.equal(items[0]?.matchedOn, 'word-prefix');
    const diabetes = await get(
      `/api/terminology/search?q=diabetes%20mellitus%20type%202&system=${encodeURIComponent(SNOMED)}`,
    );
    const codes = (JSON.parse(diabetes.body) as { items: TypeaheadItem[] }).items.map((item) => item.code);
    assert.ok(codes.includes('44054006'), codes.join(','));
  });
});
