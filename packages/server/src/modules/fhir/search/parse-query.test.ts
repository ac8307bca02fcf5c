import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutcomeError, statusOf } from '@caregraph/core/fhir';
import type { Criterion, ValueCriterion } from './criteria.ts';
import { parseSearchQuery } from './parse-query.ts';
import { splitPrefix, splitToken, splitValues, unescapeValue } from './search-values.ts';

function valueCriterion(criterion: Criterion | undefined): ValueCriterion {
  assert.ok(criterion?.kind === 'value', `a value criterion: ${JSON.stringify(criterion)}`);
  return criterion;
}

/** Asserts `work` throws a 400 OutcomeError whose issue names `expression` and whose text matches `text`. */
function assertBadRequest(work: () => unknown, expression: string, text: RegExp): void {
  assert.throws(work, (error: unknown) => {
    assert.ok(error instanceof OutcomeError, `expected an OutcomeError, got ${String(error)}`);
    assert.equal(statusOf(error.outcome), 400);
    const issue = error.outcome.issue?.[0];
    assert.deepEqual(issue?.expression, [expression]);
    assert.match(issue?.details?.text ?? '', text);
    return true;
  });
}

const parse = (params: Array<[string, string]>, lenient = false) => parseSearchQuery('Patient', params, lenient);

describe('splitValues', () => {
  it('splits on commas into OR-ed values', () => {
    assert.deepEqual(splitValues('a,b,c'), ['a', 'b', 'c']);
    assert.deepEqual(splitValues('a'), ['a']);
    assert.deepEqual(splitValues(''), ['']);
    assert.deepEqual(splitValues('a,,b'), ['a', '', 'b']);
  });

  it('does not split on an escaped comma and keeps escapes for the type-specific parsing', () => {
    assert.deepEqual(splitValues('a\\,b,c'), ['a\\,b', 'c']);
    assert.deepEqual(splitValues('sys\\|x|code'), ['sys\\|x|code']);
  });

  it('splits after an escaped backslash, whose comma is not escaped', () => {
    assert.deepEqual(splitValues('a\\\\,b'), ['a\\\\', 'b']);
  });

  it('keeps a trailing lone backslash', () => {
    assert.deepEqual(splitValues('a\\'), ['a\\']);
  });
});

describe('unescapeValue', () => {
  it('removes the escapes of comma, bar, dollar and backslash only', () => {
    assert.equal(unescapeValue('a\\,b\\|c\\$d\\\\e'), 'a,b|c$d\\e');
    assert.equal(unescapeValue('a\\nb'), 'a\\nb');
  });
});

describe('splitToken', () => {
  it('reads a bare code as a code in any system', () => {
    assert.deepEqual(splitToken('female'), { system: undefined, code: 'female' });
  });

  it('reads system|code', () => {
    assert.deepEqual(splitToken('http://loinc.org|8867-4'), { system: 'http://loinc.org', code: '8867-4' });
  });

  it('reads |code as a code with no system', () => {
    assert.deepEqual(splitToken('|8867-4'), { system: '', code: '8867-4' });
  });

  it('reads system| as any code in the system', () => {
    assert.deepEqual(splitToken('http://loinc.org|'), { system: 'http://loinc.org', code: undefined });
  });

  it('splits on the first unescaped bar and unescapes both sides', () => {
    assert.deepEqual(splitToken('urn:a\\|b|c\\,d'), { system: 'urn:a|b', code: 'c,d' });
    assert.deepEqual(splitToken('a|b|c'), { system: 'a', code: 'b|c' });
  });

  it('treats a bar after an escaped backslash as the separator', () => {
    assert.deepEqual(splitToken('a\\\\|b'), { system: 'a\\', code: 'b' });
  });
});

describe('splitPrefix', () => {
  it('recognises every comparison prefix before a number or date', () => {
    for (const prefix of ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']) {
      assert.deepEqual(splitPrefix(`${prefix}2020`), { prefix, rest: '2020' });
    }
    assert.deepEqual(splitPrefix('lt-5'), { prefix: 'lt', rest: '-5' });
  });

  it('defaults to eq and leaves values without a known prefix alone', () => {
    assert.deepEqual(splitPrefix('2020-01'), { prefix: 'eq', rest: '2020-01' });
    assert.deepEqual(splitPrefix('xx2020'), { prefix: 'eq', rest: 'xx2020' });
    assert.deepEqual(splitPrefix('ge'), { prefix: 'eq', rest: 'ge' });
  });
});

describe('parseSearchQuery', () => {
  it('turns each parameter into a criterion with its modifier and OR-ed values', () => {
    const query = parse([
      ['gender', 'female,other'],
      ['name:exact', 'Ann'],
      ['birthdate', 'ge2000'],
      ['birthdate', 'lt2010'],
    ]);
    assert.deepEqual(
      query.criteria.map(valueCriterion).map(({ name, modifier, values }) => ({ name, modifier, values })),
      [
        { name: 'gender', modifier: undefined, values: ['female', 'other'] },
        { name: 'name', modifier: 'exact', values: ['Ann'] },
        { name: 'birthdate', modifier: undefined, values: ['ge2000'] },
        { name: 'birthdate', modifier: undefined, values: ['lt2010'] },
      ],
    );
    assert.equal(valueCriterion(query.criteria[0]).parameter.type, 'token');
  });

  it('answers _id and _lastUpdated from columns', () => {
    const query = parse([
      ['_id', 'a,b'],
      ['_lastUpdated', 'gt2020-01-01'],
    ]);
    assert.deepEqual(query.criteria, [
      { kind: 'column', name: '_id', values: ['a', 'b'] },
      { kind: 'column', name: '_lastUpdated', values: ['gt2020-01-01'] },
    ]);
  });

  it('accepts a resource type modifier on a reference parameter', () => {
    const query = parseSearchQuery('Observation', [['subject:Patient', '123']], false);
    assert.equal(valueCriterion(query.criteria[0]).modifier, 'Patient');
  });

  it('rejects an unknown parameter with a 400 naming it', () => {
    assertBadRequest(() => parse([['shoe-size', '42']]), 'shoe-size', /Unknown search parameter "shoe-size"/);
  });

  it('rejects an unsupported modifier with a 400 naming the parameter as sent', () => {
    assertBadRequest(() => parse([['gender:contains', 'f']]), 'gender:contains', /Unsupported modifier :contains/);
    assertBadRequest(() => parse([['_id:exact', 'x']]), '_id:exact', /Unsupported modifier :exact/);
  });

  it('rejects :missing with a value other than true or false', () => {
    assertBadRequest(() => parse([['gender:missing', 'maybe']]), 'gender:missing', /"maybe"/);
  });

  it('records unknown and unsupported parameters as ignored instead of failing in lenient mode', () => {
    const query = parse(
      [
        ['shoe-size', '42'],
        ['gender:contains', 'f'],
        ['gender', 'female'],
      ],
      true,
    );
    assert.deepEqual(query.ignored, ['shoe-size', 'gender:contains']);
    assert.deepEqual(
      query.criteria.map((criterion) => valueCriterion(criterion).name),
      ['gender'],
    );
  });

  it('rejects a malformed or impossible date with a 400 naming the value', () => {
    assertBadRequest(() => parse([['birthdate', 'ge2020-13']]), 'birthdate', /Invalid date value "ge2020-13"/);
    assertBadRequest(() => parse([['birthdate', '2020-01-01,2020-02-30']]), 'birthdate', /"2020-02-30"/);
    assertBadRequest(() => parse([['_lastUpdated', 'yesterday']]), '_lastUpdated', /Invalid date value "yesterday"/);
  });

  it('rejects a malformed number or quantity with a 400 naming the value', () => {
    assertBadRequest(
      () => parseSearchQuery('RiskAssessment', [['probability', 'gtabc']], false),
      'probability',
      /Invalid number value "gtabc"/,
    );
    assertBadRequest(
      () => parseSearchQuery('Observation', [['value-quantity', '|http://unitsofmeasure.org|mg']], false),
      'value-quantity',
      /Invalid number value/,
    );
  });

  it('accepts quantities with a system and unit', () => {
    const query = parseSearchQuery('Observation', [['value-quantity', 'le5.4|http://unitsofmeasure.org|mg']], false);
    assert.deepEqual(valueCriterion(query.criteria[0]).values, ['le5.4|http://unitsofmeasure.org|mg']);
  });

  it('reads _count, caps it at 1000 and rejects non-integers', () => {
    assert.equal(parse([]).count, 20);
    assert.equal(parse([['_count', '5']]).count, 5);
    assert.equal(parse([['_count', '0']]).count, 0);
    assert.equal(parse([['_count', '50000']]).count, 1000);
    assertBadRequest(() => parse([['_count', 'ten']]), '_count', /Invalid _count "ten"/);
    assertBadRequest(() => parse([['_count', '-1']]), '_count', /Invalid _count "-1"/);
    assertBadRequest(() => parse([['_offset', '1.5']]), '_offset', /Invalid _offset "1.5"/);
  });

  it('reads _sort keys in order with their direction', () => {
    assert.deepEqual(parse([['_sort', 'family,-birthdate,_id']]).sort, [
      { name: 'family', descending: false },
      { name: 'birthdate', descending: true },
      { name: '_id', descending: false },
    ]);
  });

  it('rejects sorting by an unknown parameter', () => {
    assertBadRequest(() => parse([['_sort', 'shoe-size']]), '_sort', /Unknown sort parameter "shoe-size"/);
  });

  it('reads _total and _summary and rejects an unknown _total', () => {
    assert.equal(parse([]).total, 'none');
    assert.equal(parse([['_total', 'accurate']]).total, 'accurate');
    assert.equal(parse([['_summary', 'count']]).summary, 'count');
    assertBadRequest(() => parse([['_total', 'all']]), '_total', /Invalid _total "all"/);
  });
});

describe('parseSearchQuery: chains, reverse chains, composites and special parameters', () => {
  it('parses a typed chain into the criterion on the target type', () => {
    const [criterion] = parseSearchQuery('Observation', [['subject:Patient.name', 'smith']], false).criteria;
    assert.ok(criterion?.kind === 'chain');
    assert.deepEqual([...criterion.next.keys()], ['Patient']);
    assert.equal(valueCriterion(criterion.next.get('Patient')).name, 'name');
  });

  it('parses an untyped chain to every target type that has the parameter', () => {
    const [criterion] = parseSearchQuery('Observation', [['subject.name', 'smith']], false).criteria;
    assert.ok(criterion?.kind === 'chain');
    // Observation.subject may reference Group, Device, Patient or Location; only two have `name`.
    assert.deepEqual([...criterion.next.keys()].sort(), ['Location', 'Patient']);
  });

  it('rejects chains through non-reference parameters and to types the parameter cannot reference', () => {
    assertBadRequest(() => parseSearchQuery('Observation', [['code.name', 'x']], false), 'code.name', /reference/);
    assertBadRequest(
      () => parseSearchQuery('Observation', [['subject:Medication.code', 'x']], false),
      'subject:Medication.code',
      /cannot reference Medication/,
    );
  });

  it('parses _has, nested, and rejects a reference that cannot point at the searched type', () => {
    const [criterion] = parseSearchQuery(
      'Patient',
      [['_has:Encounter:subject:_has:Condition:encounter:code', 'x']],
      false,
    ).criteria;
    assert.ok(criterion?.kind === 'has');
    assert.equal(criterion.sourceType, 'Encounter');
    assert.equal(criterion.next.kind, 'has');
    assertBadRequest(
      () => parseSearchQuery('Patient', [['_has:Observation:encounter:code', 'x']], false),
      '_has:Observation:encounter:code',
      /cannot reference Patient/,
    );
  });

  it('checks composite values component by component', () => {
    const query = parseSearchQuery('Observation', [['code-value-quantity', 'http://loinc.org|8480-6$gt140']], false);
    assert.equal(valueCriterion(query.criteria[0]).parameter.components.length, 2);
    assertBadRequest(
      () => parseSearchQuery('Observation', [['code-value-quantity', '8480-6']], false),
      'code-value-quantity',
      /takes 2 values joined by "\$"/,
    );
    assertBadRequest(
      () => parseSearchQuery('Observation', [['code-value-date', '8480-6$gtyesterday']], false),
      'code-value-date',
      /Invalid date value "gtyesterday"/,
    );
  });

  it('parses :of-type, _text, _content and _list, and ignores empty values', () => {
    const query = parse([
      ['identifier:of-type', 'http://terminology.hl7.org/CodeSystem/v2-0203|MR|123'],
      ['_text', 'fracture'],
      ['_content', 'diabetes'],
      ['_list', 'list-1'],
      ['name', ''],
    ]);
    assert.deepEqual(
      query.criteria.map((criterion) => criterion.kind),
      ['value', 'text', 'text', 'list'],
    );
    assertBadRequest(() => parse([['identifier:of-type', 'MR|123']]), 'identifier:of-type', /system\|code\|value/);
    assertBadRequest(() => parse([['_list', '$current-allergies']]), '_list', /functional lists/);
  });

  it('parses _include, _revinclude with :iterate, _summary, _elements and _type', () => {
    const query = parseSearchQuery(
      'Encounter',
      [
        ['_include', 'Encounter:participant:Practitioner'],
        ['_revinclude:iterate', 'Condition:encounter'],
        ['_summary', 'true'],
        ['_elements', 'status,subject'],
      ],
      false,
    );
    assert.deepEqual(
      query.includes.map((spec) => [spec.reverse, spec.sourceType, spec.code, spec.targetType, spec.iterate]),
      [
        [false, 'Encounter', 'participant', 'Practitioner', false],
        [true, 'Condition', 'encounter', undefined, true],
      ],
    );
    assert.equal(query.summary, 'true');
    assert.deepEqual(query.elements, ['status', 'subject']);
  });

  it('parses system-level parameters against every listed type', () => {
    const query = parseSearchQuery(['Patient', 'Practitioner'], [['name', 'smith']], false);
    assert.equal(valueCriterion(query.criteria[0]).parameter.type, 'string');
    assertBadRequest(
      () => parseSearchQuery(['Patient', 'Observation'], [['birthdate', '2000']], false),
      'birthdate',
      /Unknown search parameter/,
    );
  });
});
