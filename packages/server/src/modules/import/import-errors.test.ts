import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OperationOutcome } from '@caregraph/core/fhir';
import { toImportErrors } from './import-errors.ts';

const outcomeOf = (...issues: NonNullable<OperationOutcome['issue']>): OperationOutcome => ({
  resourceType: 'OperationOutcome',
  issue: issues,
});

describe('toImportErrors', () => {
  it('locates an NDJSON error on its line and rewrites the expression to the resource on that line', () => {
    const value = outcomeOf({
      severity: 'error',
      code: 'invalid',
      details: { text: 'Bundle entry 3: Invalid date format' },
      expression: ['Bundle.entry[3].resource.birthDate'],
    });

    assert.deepEqual(toImportErrors('p.ndjson', value, { kind: 'line', line: 5, resourceType: 'Patient' }), [
      { file: 'p.ndjson', line: 5, message: 'Invalid date format', expression: ['Patient.birthDate'] },
    ]);
  });

  it('locates a failed transaction at the entry the server named, keeping the Bundle expression', () => {
    const value = outcomeOf({
      severity: 'error',
      code: 'invalid',
      details: { text: 'Bundle entry 4: Value "x" is not in the required value set' },
      expression: ['Bundle.entry[4].resource.gender'],
    });

    assert.deepEqual(toImportErrors('b.json', value, { kind: 'file' }), [
      {
        file: 'b.json',
        entry: 4,
        message: 'Value "x" is not in the required value set',
        expression: ['Bundle.entry[4].resource.gender'],
      },
    ]);
  });

  it('finds the entry from the expression when the text does not name it', () => {
    const value = outcomeOf({
      severity: 'error',
      code: 'invalid',
      details: { text: 'Bad' },
      expression: ['Bundle.entry[7].request'],
    });

    assert.equal(toImportErrors('b.json', value, { kind: 'file' })[0]?.entry, 7);
  });

  it('locates a failed batch entry at the given index', () => {
    const value = outcomeOf({ severity: 'fatal', code: 'exception', diagnostics: 'boom' });

    assert.deepEqual(toImportErrors('b.json', value, { kind: 'entry', entry: 2 }), [
      { file: 'b.json', entry: 2, message: 'boom' },
    ]);
  });

  it('keeps errors and fatals and drops warnings and information', () => {
    const value = outcomeOf(
      { severity: 'warning', code: 'informational', details: { text: 'just so you know' } },
      { severity: 'information', code: 'informational' },
      { severity: 'error', code: 'conflict' },
    );

    assert.deepEqual(toImportErrors('f.json', value, { kind: 'file' }), [{ file: 'f.json', message: 'conflict' }]);
  });
});
