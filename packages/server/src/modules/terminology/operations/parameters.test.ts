import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutcomeError } from '@caregraph/core/fhir';
import { EXPAND, LOOKUP, TRANSLATE } from './definitions.ts';
import { parseOperationInput } from './parameters.ts';

/** Runs `work` and returns the 400's first issue, asserting it failed that way. */
function issueOf(work: () => unknown) {
  try {
    work();
  } catch (error) {
    assert.ok(error instanceof OutcomeError);
    const issue = error.outcome.issue?.[0];
    assert.ok(issue);
    return issue;
  }
  assert.fail('expected an OperationOutcome');
}

describe('parseOperationInput', () => {
  it('reads query parameters as their declared types', () => {
    const input = parseOperationInput(EXPAND, {
      query: [
        ['url', 'http://example.org/vs'],
        ['count', '20'],
        ['activeOnly', 'true'],
        ['system-version', 'http://loinc.org|2.80'],
        ['system-version', 'http://snomed.info/sct|20250301'],
        ['_format', 'json'],
      ],
    });
    assert.equal(input.text('url'), 'http://example.org/vs');
    assert.equal(input.integer('count'), 20);
    assert.equal(input.boolean('activeOnly'), true);
    assert.deepEqual(input.texts('system-version'), ['http://loinc.org|2.80', 'http://snomed.info/sct|20250301']);
    assert.equal(input.text('filter'), undefined);
  });

  it('reads a Coding written system|code in a query', () => {
    const input = parseOperationInput(LOOKUP, { query: [['coding', 'http://loinc.org|4548-4']] });
    assert.deepEqual(input.coding('coding'), { system: 'http://loinc.org', code: '4548-4' });
    const issue = issueOf(() => parseOperationInput(LOOKUP, { query: [['coding', '4548-4']] }));
    assert.match(issue.details?.text ?? '', /system\|code/);
  });

  it('reads a POSTed Parameters body, resources and Codings included', () => {
    const input = parseOperationInput(TRANSLATE, {
      query: [],
      body: {
        resourceType: 'Parameters',
        parameter: [
          { name: 'coding', valueCoding: { system: 'http://snomed.info/sct', code: '44054006' } },
          { name: 'conceptMap', resource: { resourceType: 'ConceptMap', status: 'active' } },
          { name: 'reverse', valueBoolean: false },
          { name: 'targetsystem', valueUri: 'http://hl7.org/fhir/sid/icd-10-cm' },
        ],
      },
    });
    assert.equal(input.coding('coding')?.code, '44054006');
    assert.equal(input.resource('conceptMap')?.resourceType, 'ConceptMap');
    assert.equal(input.boolean('reverse'), false);
    assert.equal(input.text('targetsystem'), 'http://hl7.org/fhir/sid/icd-10-cm');
  });

  it('refuses unknown, refused, repeated and ill-typed parameters, naming them', () => {
    const unknown = issueOf(() => parseOperationInput(LOOKUP, { query: [['foo', '1']] }));
    assert.deepEqual([unknown.details?.text, unknown.expression], ['Unknown parameter "foo" for $lookup', ['foo']]);
    const refused = issueOf(() => parseOperationInput(EXPAND, { query: [['context', 'http://x']] }));
    assert.match(refused.details?.text ?? '', /"context" of \$expand is not supported/);
    const repeated = issueOf(() =>
      parseOperationInput(EXPAND, {
        query: [
          ['count', '1'],
          ['count', '2'],
        ],
      }),
    );
    assert.match(repeated.details?.text ?? '', /may appear once/);
    const notInteger = issueOf(() => parseOperationInput(EXPAND, { query: [['count', 'ten']] }));
    assert.deepEqual(notInteger.expression, ['count']);
    const notBoolean = issueOf(() => parseOperationInput(EXPAND, { query: [['activeOnly', 'yes']] }));
    assert.deepEqual(notBoolean.expression, ['activeOnly']);
    const resourceInQuery = issueOf(() => parseOperationInput(EXPAND, { query: [['valueSet', '{}']] }));
    assert.match(resourceInQuery.details?.text ?? '', /POSTed Parameters/);
    const wrongResource = issueOf(() =>
      parseOperationInput(EXPAND, {
        query: [],
        body: { resourceType: 'Parameters', parameter: [{ name: 'valueSet', resource: { resourceType: 'Patient' } }] },
      }),
    );
    assert.deepEqual(wrongResource.expression, ['Parameters.parameter[0]']);
    const notParameters = issueOf(() => parseOperationInput(EXPAND, { query: [], body: { resourceType: 'ValueSet' } }));
    assert.match(notParameters.details?.text ?? '', /Parameters resource/);
  });
});
