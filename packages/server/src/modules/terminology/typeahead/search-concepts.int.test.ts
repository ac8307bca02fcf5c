import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { createTestApp, type TestApp, type TestTenant } from '../../../test/create-test-app.ts';
import { createResource } from '../../fhir/fhir-test-support.ts';
import {
  removeTestTerminology,
  seedTestTerminology,
  type TestTerminology,
} from '../operations/terminology-test-support.ts';
import type { TypeaheadItem } from './search-concepts.ts';

function items(response: LightMyRequestResponse): TypeaheadItem[] {
  assert.equal(response.statusCode, 200, response.body);
  return (JSON.parse(response.body) as { items: TypeaheadItem[] }).items;
}

function expectProblem(response: LightMyRequestResponse, status: number, code: string): string {
  assert.equal(response.statusCode, status, response.body);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const problem = JSON.parse(response.body) as { code: string; title: string };
  assert.equal(problem.code, code);
  return problem.title;
}

describe('GET /api/terminology/search', () => {
  let testApp: TestApp;
  let tenant: TestTenant;
  let terms: TestTerminology;

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
    terms = await seedTestTerminology(testApp.db, 'typeahead');
  });

  after(async () => {
    await removeTestTerminology(testApp.db, terms);
    await testApp.close();
  });

  /** A search limited to the test systems given (every one when none), so other test data never shows. */
  const search = (query: Record<string, string>, systems: string[] = []) => {
    const params = new URLSearchParams(query);
    for (const system of systems.length > 0 ? systems : [terms.snomed, terms.loinc, terms.cvx, terms.icd10cm]) {
      params.append('system', system);
    }
    return tenant.request({ method: 'GET', url: `/api/terminology/search?${params.toString()}` });
  };

  it('ranks the exact code first, then codes it starts, then display words', async () => {
    const found = items(await search({ q: 'E11' }));
    assert.deepEqual(
      found.map((item) => [item.code, item.matchedOn]),
      [
        ['E11', 'code'],
        ['E11.9', 'code-prefix'],
      ],
    );
    assert.deepEqual(found[0], {
      system: terms.icd10cm,
      systemName: 'ICD-10-CM (test)',
      code: 'E11',
      display: 'Type 2 diabetes mellitus',
      inactive: false,
      matchedOn: 'code',
    });
    const loinc = items(await search({ q: '4548' }));
    assert.deepEqual(
      loinc.map((item) => [item.code, item.matchedOn]),
      [['4548-4', 'code-prefix']],
    );
  });

  it('matches the start of words in displays and synonyms, across systems, with the system shown', async () => {
    const found = items(await search({ q: 'diab' }));
    assert.ok(found.every((item) => item.matchedOn === 'word-prefix'));
    // Displays starting with the text come first, shortest first; the inactive code last.
    assert.deepEqual(
      found.map((item) => item.code),
      ['73211009', '44054006', '46635009', 'E08-E13', 'E10', 'E11', 'E11.9', '313436004'],
    );
    assert.equal(found.at(-1)?.inactive, true);
    const synonym = items(await search({ q: 'type ii diab' }, [terms.snomed]));
    assert.deepEqual(
      synonym.map((item) => item.code),
      ['44054006', '313436004'],
    );
    const shortName = items(await search({ q: 'hgb a1c' }));
    assert.deepEqual(
      shortName.map((item) => item.code),
      ['4548-4', '17856-6'],
    );
  });

  it('returns the first count items of the full ranking for every count', async () => {
    // Each word branch is cut to `count` before the union, so every shorter page must still be
    // exactly the head of the full one: display-start matches, active ones, shortest displays.
    const full = items(await search({ q: 'dia' })).map((item) => item.code);
    assert.deepEqual(full, ['73211009', '44054006', '46635009', 'E08-E13', 'E10', 'E11', 'E11.9', '313436004']);
    for (let count = 1; count < full.length; count++) {
      const page = items(await search({ q: 'dia', count: String(count) })).map((item) => item.code);
      assert.deepEqual(page, full.slice(0, count), `count=${count}`);
    }
    // A concept with several words starting with the text (213: "SARS-COV-2 (COVID-19)") comes once.
    const covid = items(await search({ q: 'cov' }, [terms.cvx]));
    assert.deepEqual(
      covid.map((item) => [item.code, item.inactive]),
      [
        ['311', false],
        ['208', true],
        ['213', true],
      ],
    );
  });

  it('finds a word after punctuation and ignores case and accents', async () => {
    const found = items(await search({ q: 'TOTAL' }, [terms.loinc]));
    assert.deepEqual(
      found.map((item) => item.code),
      ['4548-4', '17856-6'],
    );
    assert.deepEqual(
      items(await search({ q: 'hémoglobin' }, [terms.loinc])).map((item) => item.code),
      ['4548-4', '17856-6'],
    );
  });

  it('falls back to trigram similarity for a misspelt word', async () => {
    const found = items(await search({ q: 'diabetis' }, [terms.snomed]));
    assert.ok(found.length > 0);
    assert.ok(found.every((item) => item.matchedOn === 'similar'));
    assert.equal(found[0]?.code, '73211009');
  });

  it('limits the page to count, and to a value set', async () => {
    assert.equal(items(await search({ q: 'diab', count: '2' })).length, 2);
    const inSet = items(await search({ q: 'diab', valueSet: terms.diabetesValueSet }));
    assert.deepEqual(
      inSet.map((item) => item.code),
      ['73211009', '44054006', '46635009', 'E10', 'E11', 'E11.9', '313436004'],
    );
    assert.equal(inSet[0]?.systemName, 'SNOMED CT (test)');
    // 1. A value set of the tenant's own is searched the same way.
    const own = await createResource(tenant, {
      resourceType: 'ValueSet',
      url: `${terms.base}:vs:vaccines`,
      status: 'active',
      compose: { include: [{ system: terms.cvx, filter: [{ property: 'concept', op: 'is-a', value: '213' }] }] },
    });
    const vaccines = items(await search({ q: 'covid', valueSet: own.url ?? '' }));
    assert.deepEqual(
      vaccines.map((item) => [item.code, item.inactive]),
      [
        ['311', false],
        ['208', true],
        ['213', true],
      ],
    );
  });

  it('answers 400 for short queries and bad parameters, 404 for an unknown value set, 401 without credentials', async () => {
    assert.match(expectProblem(await search({ q: 'd' }), 400, 'FST_ERR_VALIDATION'), /q/);
    expectProblem(await search({ q: ' d ' }), 400, 'TERM_BAD_QUERY');
    assert.match(expectProblem(await search({ q: 'diab', count: '0' }), 400, 'FST_ERR_VALIDATION'), /count/);
    expectProblem(await search({ q: 'diab', count: '101' }), 400, 'FST_ERR_VALIDATION');
    assert.match(expectProblem(await search({ q: 'diab', valueset: 'x' }), 400, 'TERM_UNKNOWN_PARAMETER'), /valueset/);
    assert.match(
      expectProblem(await search({ q: 'diab' }, ['http://example.org/not-loaded']), 400, 'TERM_UNKNOWN_SYSTEM'),
      /not-loaded/,
    );
    expectProblem(await search({ q: 'diab', valueSet: 'http://example.org/vs/none' }), 404, 'TERM_UNKNOWN_VALUE_SET');
    const anonymous = await testApp.app.inject({ method: 'GET', url: '/api/terminology/search?q=diab' });
    expectProblem(anonymous, 401, 'AUTH_UNAUTHORIZED');
  });
});
