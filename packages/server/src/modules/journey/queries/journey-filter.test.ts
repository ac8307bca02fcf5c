import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JourneyError } from '../journey-error.ts';
import { journeyFilterConditions, parseDateBound, parseJourneyFilter } from './journey-filter.ts';

function assertBadParameter(work: () => unknown, parameter: string): void {
  assert.throws(work, (error: unknown) => {
    assert.ok(error instanceof JourneyError);
    assert.equal(error.statusCode, 400);
    assert.equal(error.code, 'JOURNEY_BAD_PARAMETER');
    assert.match(error.message, new RegExp(`^Invalid ${parameter}:`));
    return true;
  });
}

describe('journey time bounds', () => {
  it('reads a date of any precision as the instant it starts, or the instant after it ends', () => {
    assert.equal(parseDateBound('2024', 'start', 'start').toISOString(), '2024-01-01T00:00:00.000Z');
    assert.equal(parseDateBound('2024', 'end', 'end').toISOString(), '2025-01-01T00:00:00.000Z');
    assert.equal(parseDateBound('2024-12', 'end', 'end').toISOString(), '2025-01-01T00:00:00.000Z');
    assert.equal(parseDateBound('2024-02-29', 'end', 'end').toISOString(), '2024-03-01T00:00:00.000Z');
    assert.equal(
      parseDateBound('2024-03-01T10:00:00+01:00', 'start', 'start').toISOString(),
      '2024-03-01T09:00:00.000Z',
    );
    assert.equal(parseDateBound('2024-03-01T10:00:00Z', 'end', 'end').toISOString(), '2024-03-01T10:00:00.001Z');
  });

  it('refuses what is not a FHIR date, naming the parameter', () => {
    assertBadParameter(() => parseDateBound('2023-02-29', 'start', 'start'), 'start');
    assertBadParameter(() => parseDateBound('2024-03-01T10:00', 'end', 'end'), 'end');
    assertBadParameter(() => parseDateBound('last week', 'start', 'start'), 'start');
  });
});

describe('journey filters', () => {
  it('parses every filter and turns it into conditions with bound values', () => {
    const filter = parseJourneyFilter({
      start: '2024',
      end: '2025',
      type: 'Condition, Procedure',
      code: 'http://snomed.info/sct|44054006,E11',
      encounter: 'Encounter/e1',
      provider: 'Organization/o1',
    });
    const params: unknown[] = [];
    const conditions = journeyFilterConditions(filter, (value) => {
      params.push(value);
      return `$${params.length}`;
    });

    assert.deepEqual(filter.types, ['Condition', 'Procedure']);
    assert.deepEqual(filter.codes, { qualified: ['http://snomed.info/sct|44054006'], bare: ['E11'] });
    assert.equal(filter.encounterId, 'e1');
    assert.equal(filter.provider, 'Organization/o1');
    assert.equal(conditions.length, 6);
    assert.deepEqual(params.slice(2), [
      ['Condition', 'Procedure'],
      ['http://snomed.info/sct|44054006'],
      ['E11'],
      'e1',
      'Organization/o1',
    ]);
  });

  it('refuses a window ending before it starts, a lower-case type, an empty list item and a non-provider', () => {
    assertBadParameter(() => parseJourneyFilter({ start: '2024-05', end: '2024-04-30' }), 'end');
    assertBadParameter(() => parseJourneyFilter({ type: 'condition' }), 'type');
    assertBadParameter(() => parseJourneyFilter({ type: 'Condition,,Procedure' }), 'type');
    assertBadParameter(() => parseJourneyFilter({ code: 'http://loinc.org|' }), 'code');
    assertBadParameter(() => parseJourneyFilter({ encounter: 'Observation/1' }), 'encounter');
    assertBadParameter(() => parseJourneyFilter({ provider: 'p1' }), 'provider');
  });
});
