import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutcomeError } from '@caregraph/core/fhir';
import { encodeCursor, readEverythingParameters, readParametersBody } from './everything-parameters.ts';

/** Runs `read` expecting a 400 OutcomeError; returns its text and expression. */
function rejection(read: () => unknown): { text: string; expression: string[] } {
  try {
    read();
  } catch (error) {
    assert.ok(error instanceof OutcomeError, String(error));
    const issue = error.outcome.issue?.[0];
    assert.equal(issue?.code, 'invalid');
    return { text: issue.details?.text ?? '', expression: issue.expression ?? [] };
  }
  assert.fail('expected the parameters to be rejected');
}

describe('$everything parameters', () => {
  it('reads the care-date window as an inclusive instant range at each date’s precision', () => {
    const window = readEverythingParameters('Patient', [
      ['start', '2020-03'],
      ['end', '2020-12-31'],
    ]);
    assert.equal(window.start, '2020-03-01T00:00:00.000Z');
    assert.equal(window.end, '2020-12-31T23:59:59.999Z');
    assert.match(
      rejection(() =>
        readEverythingParameters('Patient', [
          ['start', '2021'],
          ['end', '2020'],
        ]),
      ).text,
      /start must not be after end/,
    );
  });

  it('defaults to pages of 100, caps _count at 1000 and rejects zero or text', () => {
    assert.equal(readEverythingParameters('Patient', []).count, 100);
    assert.equal(readEverythingParameters('Patient', [['_count', '5000']]).count, 1000);
    for (const value of ['0', '-1', 'ten', '']) {
      assert.deepEqual(rejection(() => readEverythingParameters('Patient', [['_count', value]])).expression, [
        '_count',
      ]);
    }
  });

  it('unions repeated _type values and requires known resource types', () => {
    const { types } = readEverythingParameters('Encounter', [
      ['_type', 'Observation, Condition'],
      ['_type', 'Procedure'],
    ]);
    assert.deepEqual([...(types ?? [])].sort(), ['Condition', 'Observation', 'Procedure']);
    assert.match(
      rejection(() => readEverythingParameters('Patient', [['_type', 'Observation,observation']])).text,
      /unknown resource type "observation"/,
    );
  });

  it('requires _since to be an instant with a time zone', () => {
    assert.equal(
      readEverythingParameters('Patient', [['_since', '2024-01-02T03:04:05+01:00']]).since,
      '2024-01-02T02:04:05.000Z',
    );
    for (const value of ['2024-01-02', '2024-01-02T03:04', '2024-01-02T03:04:05']) {
      assert.deepEqual(rejection(() => readEverythingParameters('Patient', [['_since', value]])).expression, [
        '_since',
      ]);
    }
  });

  it('names every unknown parameter once, and start/end are not Encounter parameters', () => {
    const { text, expression } = rejection(() =>
      readEverythingParameters('Patient', [
        ['foo', '1'],
        ['_sort', 'date'],
        ['foo', '2'],
        ['_format', 'json'],
      ]),
    );
    assert.deepEqual(expression, ['foo', '_sort']);
    assert.match(text, /Unknown Patient \$everything parameter\(s\): "foo", "_sort"/);
    assert.deepEqual(rejection(() => readEverythingParameters('Encounter', [['start', '2020']])).expression, ['start']);
  });

  it('round-trips cursors and keeps them out of the link parameters', () => {
    const after = encodeCursor({ direction: 'after', key: ['Observation', 'a-1'] });
    const parsed = readEverythingParameters('Patient', [
      ['_count', '10'],
      ['_cursor', after],
    ]);
    assert.deepEqual(parsed.cursor, { direction: 'after', key: ['Observation', 'a-1'] });
    assert.deepEqual(parsed.linkParams, [['_count', '10']]);
    const last = readEverythingParameters('Patient', [['_cursor', encodeCursor({ direction: 'before' })]]);
    assert.deepEqual(last.cursor, { direction: 'before' });
    assert.equal(readEverythingParameters('Patient', []).cursor, undefined);
    const forged = Buffer.from(JSON.stringify({ a: ['Observation'] })).toString('base64url');
    for (const value of [forged, 'not base64 json', '']) {
      assert.deepEqual(rejection(() => readEverythingParameters('Patient', [['_cursor', value]])).expression, [
        '_cursor',
      ]);
    }
  });

  it('reads a Parameters body as name/value pairs of primitive values', () => {
    assert.deepEqual(
      readParametersBody({
        resourceType: 'Parameters',
        parameter: [
          { name: 'start', valueDate: '2020-01-01' },
          { name: '_count', valueInteger: 10 },
          { name: '_type', valueCode: 'Observation' },
        ],
      }),
      [
        ['start', '2020-01-01'],
        ['_count', '10'],
        ['_type', 'Observation'],
      ],
    );
    assert.deepEqual(readParametersBody(undefined), []);
    assert.match(
      rejection(() => readParametersBody({ resourceType: 'Patient' })).text,
      /must be a Parameters resource/,
    );
    assert.deepEqual(
      rejection(() => readParametersBody({ resourceType: 'Parameters', parameter: [{ name: 'start' }] })).expression,
      ['Parameters.parameter[0]'],
    );
  });
});
