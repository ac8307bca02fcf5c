import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutcomeError } from '@caregraph/core/fhir';
import { parseInclude } from './includes.ts';

/** Runs `parse` expecting a 400 OutcomeError; returns its message and expression. */
function rejection(parse: () => unknown): { text: string; expression: string[] } {
  try {
    parse();
  } catch (error) {
    assert.ok(error instanceof OutcomeError, String(error));
    const issue = error.outcome.issue?.[0];
    assert.equal(issue?.code, 'invalid');
    return { text: issue.details?.text ?? '', expression: issue.expression ?? [] };
  }
  assert.fail('expected the value to be rejected');
}

describe('parseInclude', () => {
  it('parses Source:param and Source:param:Target', () => {
    assert.deepEqual(parseInclude('_include', undefined, 'Observation:subject'), {
      reverse: false,
      sourceType: 'Observation',
      code: 'subject',
      targetType: undefined,
      iterate: false,
    });
    assert.deepEqual(parseInclude('_revinclude', undefined, 'Observation:subject:Patient'), {
      reverse: true,
      sourceType: 'Observation',
      code: 'subject',
      targetType: 'Patient',
      iterate: false,
    });
  });

  it('reads iterate and its pre-R4 name recurse', () => {
    assert.equal(parseInclude('_include', 'iterate', 'MedicationRequest:medication').iterate, true);
    assert.equal(parseInclude('_revinclude', 'recurse', 'Provenance:target').iterate, true);
  });

  it('accepts the wildcards Source:* and *', () => {
    const all = parseInclude('_include', undefined, 'Encounter:*');
    assert.equal(all.code, '*');
    assert.equal(all.sourceType, 'Encounter');
    assert.equal(parseInclude('_include', undefined, 'Encounter:*:Location').targetType, 'Location');
    assert.deepEqual(parseInclude('_revinclude', 'iterate', '*'), {
      reverse: true,
      sourceType: '*',
      code: '*',
      targetType: undefined,
      iterate: true,
    });
  });

  it('rejects an unknown source type, naming the value and the parameter', () => {
    const { text, expression } = rejection(() => parseInclude('_include', undefined, 'Observaton:subject'));
    assert.match(text, /_include "Observaton:subject".*unknown resource type "Observaton"/);
    assert.deepEqual(expression, ['_include']);
  });

  it('rejects an unknown parameter and one that is not a reference', () => {
    assert.match(
      rejection(() => parseInclude('_revinclude', undefined, 'Observation:subjekt')).text,
      /_revinclude "Observation:subjekt".*no search parameter "subjekt"/,
    );
    assert.match(
      rejection(() => parseInclude('_include', undefined, 'Observation:code')).text,
      /Observation:code is not a reference parameter/,
    );
  });

  it('rejects a target type the parameter cannot refer to', () => {
    assert.match(
      rejection(() => parseInclude('_include', undefined, 'Observation:subject:Practitioner')).text,
      /Observation:subject cannot refer to Practitioner/,
    );
    assert.match(
      rejection(() => parseInclude('_include', undefined, 'Observation:subject:Nothing')).text,
      /unknown resource type "Nothing"/,
    );
  });

  it('rejects malformed values and unknown modifiers', () => {
    for (const value of ['Observation', 'Observation:', 'Observation:subject:', 'a:b:c:d', '']) {
      assert.match(rejection(() => parseInclude('_include', undefined, value)).text, /expected SourceType:parameter/);
    }
    assert.match(
      rejection(() => parseInclude('_include', 'missing', 'Observation:subject')).text,
      /unknown modifier ":missing"/,
    );
  });
});
