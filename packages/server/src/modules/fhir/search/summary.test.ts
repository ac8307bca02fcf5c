import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutcomeError, statusOf } from '@caregraph/core/fhir';
import { applyElements, applySummary, parseElements, parseSummary } from './summary.ts';

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };

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

function patient(): Record<string, unknown> {
  return {
    resourceType: 'Patient',
    id: 'p1',
    meta: { versionId: '3', lastUpdated: '2024-01-01T00:00:00Z', tag: [{ system: 'urn:t', code: 'vip' }] },
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Anna</div>' },
    identifier: [{ system: 'urn:mrn', value: 'A-1' }],
    name: [{ family: 'Müller', given: ['Anna'] }],
    gender: 'female',
    birthDate: '1980-05-17',
    _birthDate: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime' }] },
    maritalStatus: { text: 'married' },
    photo: [{ contentType: 'image/png' }],
    contact: [{ name: { family: 'Kin' } }],
    deceasedBoolean: false,
    multipleBirthInteger: 2,
  };
}

function observation(): Record<string, unknown> {
  return {
    resourceType: 'Observation',
    id: 'o1',
    meta: { versionId: '1' },
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">72</div>' },
    status: 'final',
    code: { text: 'Heart rate' },
    subject: { reference: 'Patient/p1' },
    effectiveDateTime: '2024-03-01T10:00:00Z',
    valueQuantity: { value: 72, unit: '/min' },
    note: [{ text: 'after exercise' }],
    interpretation: [{ text: 'normal' }],
  };
}

const tags = (resource: Record<string, unknown>) => (resource.meta as { tag?: unknown[] } | undefined)?.tag;

describe('parseSummary', () => {
  it('accepts the five values the spec defines', () => {
    for (const value of ['true', 'text', 'data', 'count', 'false']) {
      assert.equal(parseSummary(value), value);
    }
  });

  it('refuses any other value with a 400 naming it', () => {
    assertBadRequest(() => parseSummary('yes'), '_summary', /Invalid _summary value "yes"/);
    assertBadRequest(() => parseSummary('TRUE'), '_summary', /"TRUE"/);
    assertBadRequest(() => parseSummary(''), '_summary', /""/);
  });
});

describe('parseElements', () => {
  it('accepts element names, choice base names, choice forms and Type-qualified names', () => {
    assert.deepEqual(parseElements('name,birthDate', ['Patient']), ['name', 'birthDate']);
    assert.deepEqual(parseElements('value, effective', ['Observation']), ['value', 'effective']);
    assert.deepEqual(parseElements('valueQuantity', ['Observation']), ['valueQuantity']);
    assert.deepEqual(parseElements('Patient.name,Observation.code', ['Patient', 'Observation']), [
      'Patient.name',
      'Observation.code',
    ]);
  });

  it('skips blank and repeated items', () => {
    assert.deepEqual(parseElements('name,,name, ', ['Patient']), ['name']);
    assert.deepEqual(parseElements('', ['Patient']), []);
  });

  it('accepts an element that only one of several types has', () => {
    assert.deepEqual(parseElements('gender,status', ['Patient', 'Observation']), ['gender', 'status']);
  });

  it('refuses an unknown element with a 400 naming it', () => {
    assertBadRequest(() => parseElements('name,shoeSize', ['Patient']), '_elements', /Unknown element "shoeSize"/);
    assertBadRequest(() => parseElements('value', ['Patient']), '_elements', /"value" in _elements for Patient/);
    assertBadRequest(() => parseElements('valueMoney', ['Observation']), '_elements', /"valueMoney"/);
    assertBadRequest(() => parseElements('Observation.gender', ['Observation']), '_elements', /"Observation.gender"/);
    assertBadRequest(() => parseElements('Patient.name', ['Observation']), '_elements', /"Patient.name"/);
    // Only top-level elements can be selected.
    assertBadRequest(() => parseElements('name.family', ['Patient']), '_elements', /"name.family"/);
    assertBadRequest(() => parseElements('_birthDate', ['Patient']), '_elements', /"_birthDate"/);
  });
});

describe('applySummary', () => {
  it('keeps only summary elements, id and meta under true, with primitive extensions and choice forms', () => {
    const summary = applySummary(patient(), 'true');
    assert.deepEqual(Object.keys(summary).sort(), [
      '_birthDate',
      'birthDate',
      'deceasedBoolean',
      'gender',
      'id',
      'identifier',
      'meta',
      'name',
      'resourceType',
    ]);
    assert.deepEqual(tags(summary), [{ system: 'urn:t', code: 'vip' }, SUBSETTED]);
  });

  it('keeps mandatory elements under true even when they are not summary elements', () => {
    const summary = applySummary(observation(), 'true');
    assert.deepEqual(Object.keys(summary).sort(), [
      'code',
      'effectiveDateTime',
      'id',
      'meta',
      'resourceType',
      'status',
      'subject',
      'valueQuantity',
    ]);
  });

  it('keeps text, id, meta and mandatory elements under text', () => {
    assert.deepEqual(Object.keys(applySummary(observation(), 'text')).sort(), [
      'code',
      'id',
      'meta',
      'resourceType',
      'status',
      'text',
    ]);
    assert.deepEqual(Object.keys(applySummary(patient(), 'text')).sort(), ['id', 'meta', 'resourceType', 'text']);
  });

  it('removes only the narrative under data', () => {
    const data = applySummary(patient(), 'data');
    const { text: _text, ...expected } = patient();
    assert.deepEqual(data, { ...expected, meta: { ...(expected.meta as object), tag: tags(data) } });
    assert.deepEqual(tags(data), [{ system: 'urn:t', code: 'vip' }, SUBSETTED]);
  });

  it('returns the resource unchanged under false and count', () => {
    assert.deepEqual(applySummary(patient(), 'false'), patient());
    assert.deepEqual(applySummary(patient(), 'count'), patient());
  });

  it('does not tag a resource from which nothing was removed, nor modify its input', () => {
    const bare = { resourceType: 'Patient', id: 'p2', gender: 'male' };
    assert.deepEqual(applySummary(bare, 'true'), bare);
    assert.deepEqual(applySummary(bare, 'data'), bare);
    const input = patient();
    applySummary(input, 'true');
    assert.deepEqual(input, patient());
  });

  it('adds the SUBSETTED tag once, and creates meta when there is none', () => {
    const tagged = applySummary({ ...patient(), meta: { tag: [SUBSETTED] } }, 'true');
    assert.deepEqual(tags(tagged), [SUBSETTED]);
    const { meta: _meta, ...withoutMeta } = patient();
    assert.deepEqual(applySummary(withoutMeta, 'true').meta, { tag: [SUBSETTED] });
  });
});

describe('applyElements', () => {
  it('keeps the listed elements plus resourceType, id, meta and mandatory elements', () => {
    const subset = applyElements(observation(), ['note']);
    assert.deepEqual(Object.keys(subset).sort(), ['code', 'id', 'meta', 'note', 'resourceType', 'status']);
    assert.deepEqual(tags(subset), [SUBSETTED]);
  });

  it('keeps every form of a choice element named by its base name, or only the form named', () => {
    assert.deepEqual(applyElements(observation(), ['value']).valueQuantity, { value: 72, unit: '/min' });
    assert.deepEqual(Object.keys(applyElements(patient(), ['deceased', 'multipleBirthInteger'])).sort(), [
      'deceasedBoolean',
      'id',
      'meta',
      'multipleBirthInteger',
      'resourceType',
    ]);
    assert.equal(applyElements(observation(), ['valueString']).valueQuantity, undefined);
  });

  it('keeps the extensions of a listed primitive element', () => {
    const subset = applyElements(patient(), ['birthDate']);
    assert.deepEqual(Object.keys(subset).sort(), ['_birthDate', 'birthDate', 'id', 'meta', 'resourceType']);
  });

  it('applies Type-qualified names only to resources of that type', () => {
    const elements = ['Patient.gender', 'Observation.note'];
    assert.deepEqual(Object.keys(applyElements(patient(), elements)).sort(), ['gender', 'id', 'meta', 'resourceType']);
    assert.ok('note' in applyElements(observation(), elements));
    assert.ok(!('gender' in applyElements(observation(), elements)));
  });

  it('does not tag a resource that already had only the listed elements', () => {
    const bare = { resourceType: 'Patient', id: 'p2', gender: 'male' };
    assert.deepEqual(applyElements(bare, ['gender']), bare);
  });
});
